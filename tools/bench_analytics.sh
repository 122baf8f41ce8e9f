#!/bin/sh
# make bench-analytics: how long the operations analytics take over a year
# of a national organisation's tickets (issue 7: "fast over a year of data
# for a national organisation (a million tickets)"), and the monthly report.
#
# Builds build/bench-data/tickets.db once (gen_tickets: a year, TICKETS
# tickets with their history and work records; ~1 GB for a million), serves
# it, and times each /v1/analytics/* endpoint over the whole year as an
# admin (the largest scope) with curl: RUNS runs each, the median and the
# slowest printed as a Markdown table. Latency of one request, not a rate:
# these are a manager's queries, not a technician's hot path.
#
#   TICKETS=1000000 RUNS=5 sh tools/bench_analytics.sh
set -eu
cd "$(dirname "$0")/.."

TICKETS=${TICKETS:-1000000}
RUNS=${RUNS:-5}
PORT=${PORT:-9445}
BIN=${BIN:-build/fieldtrace}
GEN=${GEN:-build/gen_tickets}
DB=${DB:-build/bench-data/tickets.db}
DIR=build/bench-analytics
CA=certs/ca.pem
PASSWORD=bench-analytics-pass

FIELDTRACE_EXTRA_PACKAGES="curl" sh tools/install-deps.sh
rm -rf "$DIR"
mkdir -p "$DIR" "$(dirname "$DB")"

# One database per size; the generator writes into a migrated database.
if [ ! -f "$DB" ] || [ "$(cat "$DB.tickets" 2>/dev/null)" != "$TICKETS" ]; then
	rm -f "$DB" "$DB-wal" "$DB-shm"
	"$BIN" migrate --db "$DB" >/dev/null
	t0=$(date +%s)
	"$GEN" --db "$DB" --tickets "$TICKETS" >/dev/null
	echo "generated $TICKETS tickets in $(($(date +%s) - t0)) s"
	echo "$TICKETS" >"$DB.tickets"
fi
echo "$PASSWORD" | "$BIN" user add --db "$DB" --username bench.admin --role admin \
	--password-stdin >/dev/null 2>&1 || true

cleanup() {
	[ -n "${FT_PID:-}" ] && kill "$FT_PID" 2>/dev/null && wait "$FT_PID" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
"$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" --access-log=false \
	--scheduler-interval-ms 0 --tls-cert certs/server.pem --tls-key certs/server.key \
	>"$DIR/server.log" 2>&1 &
FT_PID=$!
i=0
until curl -sf --cacert "$CA" "https://localhost:$PORT/readyz" >/dev/null; do
	i=$((i + 1))
	[ "$i" -gt 300 ] && { echo "bench: server did not start" >&2; cat "$DIR/server.log" >&2; exit 1; }
	sleep 0.1
done
TOKEN=$(curl -sf --cacert "$CA" -H 'Content-Type: application/json' \
	-d "{\"username\":\"bench.admin\",\"password\":\"$PASSWORD\"}" \
	"https://localhost:$PORT/v1/auth/login" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "bench: login failed" >&2; exit 1; }

# The year the generator filled: the 365 days before now.
FROM=$(date -u -d '365 days ago' +%Y-%m-%d)
TO=$(date -u +%Y-%m-%d)
YEAR="from=$FROM&to=$TO"

# time_one PATH: RUNS timings in ms, one a line (the first warms the cache).
time_one() {
	curl -sf --cacert "$CA" -H "Authorization: Bearer $TOKEN" -o /dev/null \
		"https://localhost:$PORT$1" || { echo "bench: $1 failed" >&2; exit 1; }
	n=0
	while [ "$n" -lt "$RUNS" ]; do
		curl -sf --cacert "$CA" -H "Authorization: Bearer $TOKEN" -o /dev/null \
			-w '%{time_total}\n' "https://localhost:$PORT$1"
		n=$((n + 1))
	done | awk '{ printf "%d\n", $1 * 1000 }' | sort -n
}

echo
echo "| query (a year, $TICKETS tickets, admin scope) | median ms | slowest ms | rows |"
echo "|---|---:|---:|---:|"
for q in \
	"volume?$YEAR&by=region&interval=month" \
	"volume?$YEAR&by=category&interval=week" \
	"volume?$YEAR&by=model&interval=all" \
	"times?$YEAR&by=centre&interval=month" \
	"sla?$YEAR&by=priority&interval=month" \
	"first-time-fix?$YEAR&by=product_line&interval=month" \
	"satisfaction?$YEAR&by=region&interval=month" \
	"warranty-renewals?$YEAR&interval=month" \
	"fault-codes?$YEAR" \
	"volume?$YEAR&by=centre&interval=month&region=GP01"; do
	path="/v1/analytics/$q"
	times=$(time_one "$path")
	median=$(echo "$times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	slowest=$(echo "$times" | tail -n 1)
	rows=$(curl -sf --cacert "$CA" -H "Authorization: Bearer $TOKEN" \
		"https://localhost:$PORT$path&format=csv" | tail -n +2 | wc -l)
	echo "| \`$(echo "$q" | sed "s/$YEAR&\{0,1\}//; s/?$//")\` | $median | $slowest | $rows |"
done

cleanup
FT_PID=
MONTH=$(date -u -d '1 month ago' +%Y-%m)
t0=$(date +%s%N)
"$BIN" report --db "$DB" --month "$MONTH" --out "$DIR/report.md" >/dev/null
echo
echo "fieldtrace report --month $MONTH: $((($(date +%s%N) - t0) / 1000000)) ms, $(wc -l <"$DIR/report.md") lines"
echo "RSS of the server is not measured here; machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
