#!/bin/sh
# make bench-day: a service organisation's busiest hour, replayed open-loop
# (issue 21). tools/loadgen.c sends the mix of tools/busy_hour.json at a
# fixed arrival rate against fieldtrace serving the national data set (a
# million units with twenty million events, gen_bench_data, plus a year of
# a million requests, gen_tickets, in one database), and a capacity search
# steps the rate up until some route's p99 passes 100 ms. nginx serves a
# static file (one unit's trace) on the same machine, measured by the same
# load generator at the capacity rate, for the ratio.
#
#   UNITS=1000000 TICKETS=1000000  the data set (built once per size into
#                                   build/bench-data/day-UNITS-TICKETS.db)
#   RATE=R                          one run at R requests/s, no search
#   START_RATE=20 STEP=1.5 MAX_STEPS=12   the search: R, R*STEP, ... while
#                                   every route's p99 < P99_MS and no errors
#   SECONDS=60                      each run's length
#   CONNECTIONS=64                  loadgen's keep-alive pool (a ceiling:
#                                   requests beyond it queue, and count)
#   P99_MS=100
#
#   SCENARIO=tools/busy_hour.json
#
# A smoke run: UNITS=5000 TICKETS=5000 SECONDS=5 RATE=20 make bench-day.
# (The ticket chain - intake, assign, accept, sync push, arrive, photos,
# resolve - is fed by intake, under 1% of the mix: a few seconds at a low
# rate sends few or none of it; routes that find nothing handed on yet are
# counted as starved, not sent.)
# The database is written to by every run (intake, transitions, uploads):
# its growth per hour is part of the report, and a new size starts afresh.
set -eu
cd "$(dirname "$0")/.."

UNITS=${UNITS:-1000000}
TICKETS=${TICKETS:-1000000}
DURATION=${SECONDS:-60}
# (bash counts SECONDS up from its start: unset there, it reads 0)
[ "$DURATION" -gt 0 ] 2>/dev/null || DURATION=60
RATE=${RATE:-}
START_RATE=${START_RATE:-20}
STEP=${STEP:-1.5}
MAX_STEPS=${MAX_STEPS:-12}
CONNECTIONS=${CONNECTIONS:-64}
P99_MS=${P99_MS:-100}
FT_PORT=${FT_PORT:-9447}
NGINX_PORT=${NGINX_PORT:-9448}
BIN=${BIN:-build/fieldtrace}
LOADGEN=${LOADGEN:-build/loadgen}
DB=${DB:-build/bench-data/day-$UNITS-$TICKETS.db}
DIR=build/bench-day
DATA=$DIR/data-$UNITS-$TICKETS
CA=certs/ca.pem
SCENARIO=${SCENARIO:-tools/busy_hour.json}
PASSWORD=bench-day-password
# The requests per hour busy_hour.json describes for 5,000 technicians on
# shift (the sum of its weights): technicians supported = rate * 3600 /
# (PER_HOUR / 5000).
PER_HOUR=$(sed -n 's/.*"weight": \([0-9]*\).*/\1/p' "$SCENARIO" | awk '{ s += $1 } END { print s }')
# One client address stands for a whole fleet: the per-address limits
# would measure themselves (as in tools/bench.sh). Logins are limited per
# address too, and the benchmark logs in a technician per centre.
FLEET="--conns-per-address 0 --rate-scan 0 --rate-scan-miss 0 --rate-search 0 --rate-login 0"

FIELDTRACE_EXTRA_PACKAGES="nginx-light curl sqlite3" sh tools/install-deps.sh

mkdir -p "$DIR" "$DATA" "$(dirname "$DB")" "$DIR/nginx/www" "$DIR/nginx/tmp"
rm -f "$DIR"/run-*.txt "$DIR"/run-*.err "$DIR/nginx.txt"

# ---- the data set (once per size) --------------------------------------------
if [ ! -f "$DB.done" ]; then
	rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.runs"
	"$BIN" migrate --db "$DB" >/dev/null 2>&1
	t0=$(date +%s)
	build/gen_bench_data --db "$DB" --assets "$UNITS" >/dev/null
	build/gen_tickets --db "$DB" --tickets "$TICKETS" >/dev/null
	# the accounts: a national dispatch desk (admin: assigns across centres),
	# an intake dispatcher, a roaming technician for scans, sync and search,
	# and one technician per centre to take that centre's requests
	for u in bench.admin:admin: bench.intake:dispatcher:CN bench.tech:technician:; do
		name=${u%%:*} rest=${u#*:} role=${rest%%:*} region=${rest#*:}
		echo "$PASSWORD" | "$BIN" user add --db "$DB" --username "$name" --role "$role" \
			${region:+--region "$region"} --password-stdin >/dev/null 2>&1
	done
	sqlite3 "$DB" "SELECT code FROM centres ORDER BY code" | while read -r c; do
		echo "$PASSWORD" | "$BIN" user add --db "$DB" --username "bench.tech.$c" \
			--role technician --centre "$c" --password-stdin >/dev/null 2>&1
	done
	echo "data set: $UNITS units, $TICKETS requests in $(($(date +%s) - t0)) s"
	touch "$DB.done"
fi

# ---- the value files the scenario draws from ---------------------------------
# (read once per data set: a million label codes take a while)
if [ ! -s "$DATA/units.txt" ] || [ "$DB.done" -nt "$DATA/units.txt" ]; then
	build/bench_day_data --db "$DB" --out "$DATA" >/dev/null
fi
sqlite3 "$DB" "SELECT code FROM centres ORDER BY code" >"$DATA/centres.txt"
# KB searches: words technicians type, URL-encoded as the app sends them
# (跳闸 trip, 过热 overheating, 报警 alarm, 断路器 circuit breaker)
printf '%s\n' breaker trip alarm E21 overheating contact coil relay fan compressor \
	leak pressure insulation %E8%B7%B3%E9%97%B8 %E8%BF%87%E7%83%AD %E6%8A%A5%E8%AD%A6 \
	%E6%96%AD%E8%B7%AF%E5%99%A8 >"$DATA/kb_queries.txt"
FROM=$(date -u -d '365 days ago' +%Y-%m-%d)
TO=$(date -u +%Y-%m-%d)
for q in volume times sla first-time-fix satisfaction fault-codes; do
	echo "$q?from=$FROM&to=$TO"
done >"$DATA/analytics_queries.txt"
# a phone photo's size (~300 kB); only its first bytes are sniffed
{ printf '\377\330\377\340'; head -c 300000 /dev/urandom; printf '\377\331'; } >"$DATA/photo.jpg"

# ---- fieldtrace and nginx ----------------------------------------------------
cleanup() {
	[ -n "${FT_PID:-}" ] && kill "$FT_PID" 2>/dev/null && wait "$FT_PID" 2>/dev/null || true
	[ -f "$DIR/nginx/nginx.pid" ] && kill "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
"$BIN" serve --db "$DB" --listen "127.0.0.1:$FT_PORT" --access-log=false \
	--tls-cert certs/server.pem --tls-key certs/server.key --threads 64 $FLEET \
	>"$DIR/server.log" 2>&1 &
FT_PID=$!
i=0
until curl -sf --cacert "$CA" "https://localhost:$FT_PORT/readyz" >/dev/null; do
	i=$((i + 1))
	[ "$i" -gt 600 ] && { echo "bench-day: server did not start" >&2; cat "$DIR/server.log" >&2; exit 1; }
	sleep 0.1
done

login() {
	curl -sf --cacert "$CA" -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" \
		"https://localhost:$FT_PORT/v1/auth/login" |
		sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}
# tokens live 15 minutes: log in again before a run when the last login is
# 10 minutes old
LOGGED_IN=0
tokens() {
	[ $(($(date +%s) - LOGGED_IN)) -lt 600 ] && return 0
	{
		echo "ADMIN_TOKEN=$(login bench.admin)"
		echo "DISPATCH_TOKEN=$(login bench.intake)"
		echo "TECH_TOKEN=$(login bench.tech)"
		sqlite3 "$DB" "SELECT centre_code, id FROM users WHERE username LIKE 'bench.tech.%'" |
			while IFS='|' read -r c id; do
				echo "TECH_ID_$c=$id"
				echo "TECH_TOKEN_$c=$(login "bench.tech.$c")"
			done
	} >"$DIR/vars"
	grep -q '=$' "$DIR/vars" && { echo "bench-day: a login failed" >&2; exit 1; }
	LOGGED_IN=$(date +%s)
}

# The reference: nginx serves one unit's trace, byte for byte as fieldtrace
# answers it, as a static file over TLS with the same certificate.
tokens
TECH_TOKEN=$(sed -n 's/^TECH_TOKEN=//p' "$DIR/vars")
curl -sf --cacert "$CA" -H "Authorization: Bearer $TECH_TOKEN" -H 'Accept: application/json' \
	"https://localhost:$FT_PORT/id/$(head -1 "$DATA/units.txt" | cut -d" " -f1)" >"$DIR/nginx/www/trace.json"
cat >"$DIR/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $PWD/$DIR/nginx/nginx.pid;
error_log $PWD/$DIR/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $PWD/$DIR/nginx/tmp;
	proxy_temp_path $PWD/$DIR/nginx/tmp;
	fastcgi_temp_path $PWD/$DIR/nginx/tmp;
	uwsgi_temp_path $PWD/$DIR/nginx/tmp;
	scgi_temp_path $PWD/$DIR/nginx/tmp;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$NGINX_PORT ssl;
		ssl_certificate $PWD/certs/server.pem;
		ssl_certificate_key $PWD/certs/server.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $PWD/$DIR/nginx/www;
		location / { default_type application/json; }
	}
}
EOF
nginx -c "$PWD/$DIR/nginx/nginx.conf"
sleep 0.3
cat >"$DIR/static.json" <<'EOF'
{ "routes": [ { "name": "nginx_static", "weight": 1, "method": "GET", "path": "/trace.json",
  "expect": [200] } ] }
EOF

# run RATE: one busy hour at RATE for DURATION s; the table in
# $DIR/run-RATE.txt; prints its SUMMARY line's fields.
# Each run draws another sequence of units (the seed counts runs over the
# database's life): a run repeating the last one's units would scan warm
# traces the last one kept.
run() {
	tokens
	RUN_SEED=$(($(cat "$DB.runs" 2>/dev/null || echo 0) + 1))
	echo "$RUN_SEED" >"$DB.runs"
	"$LOADGEN" --scenario "$SCENARIO" --data-dir "$DATA" --vars "$DIR/vars" \
		--base "https://localhost:$FT_PORT" --cacert "$CA" --rate "$1" --seconds "$DURATION" \
		--connections "$CONNECTIONS" --pid "$FT_PID" --db "$DB" --seed "$RUN_SEED" \
		>"$DIR/run-$1.txt" 2>"$DIR/run-$1.err"
	sed -n 's/^SUMMARY //p' "$DIR/run-$1.txt"
}

ok_run() { # SUMMARY fields: rate seconds sent ok errors max_p99 ...
	awk -v lim="$P99_MS" '{ exit !($5 == 0 && $6 < lim && $4 > 0) }'
}

echo "busy hour: $SCENARIO ($PER_HOUR requests per hour per 5,000 technicians), $UNITS units,"
echo "$TICKETS requests a year; open loop, ${DURATION} s per run, up to $CONNECTIONS connections"
echo "(a route's p99 over fewer than 100 answers is its slowest answer: the ok column says how many)"
BEST=
CAPPED=
if [ -n "$RATE" ]; then
	S=$(run "$RATE")
	echo "$S" | ok_run && BEST=$RATE
	LAST=$RATE
else
	r=$START_RATE
	n=0
	while [ "$n" -lt "$MAX_STEPS" ]; do
		S=$(run "$r")
		set -- $S
		echo "rate $r/s: held ${11}/s, worst p99 $6 ms ($7), errors $5, server CPU $8 % of a core"
		LAST=$r
		echo "$S" | ok_run || break
		BEST=$r
		[ "$((n + 1))" -eq "$MAX_STEPS" ] && CAPPED=1
		r=$(awk -v r="$r" -v s="$STEP" 'BEGIN { printf "%.0f", r * s + 0.5 }')
		n=$((n + 1))
	done
fi

echo
echo "## per route at $LAST/s"
echo
sed -n '/^| route/,/^$/p' "$DIR/run-$LAST.txt"
grep -E '^(asked|server|loadgen|database)' "$DIR/run-$LAST.txt"
[ -s "$DIR/run-$LAST.err" ] && { echo "first errors:"; head -5 "$DIR/run-$LAST.err"; }
if [ -n "$BEST" ] && [ "$BEST" != "$LAST" ]; then
	echo
	echo "## per route at $BEST/s (the capacity)"
	echo
	sed -n '/^| route/,/^$/p' "$DIR/run-$BEST.txt"
	grep -E '^(asked|server|loadgen|database)' "$DIR/run-$BEST.txt"
fi

REF_RATE=${BEST:-$LAST}
"$LOADGEN" --scenario "$DIR/static.json" --base "https://localhost:$NGINX_PORT" --cacert "$CA" \
	--rate "$REF_RATE" --seconds "$DURATION" --connections "$CONNECTIONS" >"$DIR/nginx.txt"
echo
echo "## reference: nginx, one static trace, at $REF_RATE/s"
echo
sed -n '/^| route/,/^$/p' "$DIR/nginx.txt"

echo
TECH_RATE=$(awk -v h="$PER_HOUR" 'BEGIN { printf "%.1f", h / 5000 }')
if [ -n "$RATE" ]; then
	verdict="missed: some p99 at or over $P99_MS ms, or errors"
	[ -n "$BEST" ] && verdict="passed: every route's p99 under $P99_MS ms, no errors"
	echo "RATE=$RATE requests/s ($(awk -v r="$RATE" -v h="$PER_HOUR" 'BEGIN { printf "%d", r * 3600 / (h / 5000) }')" \
		"technicians at $TECH_RATE requests per technician-hour): $verdict (one rate, not a capacity search)"
elif [ -n "$BEST" ]; then
	[ -n "$CAPPED" ] && echo "(the search stopped after MAX_STEPS=$MAX_STEPS rates: the capacity is at least this)"
	echo "capacity: $BEST requests/s with every route's p99 under $P99_MS ms and no errors" \
		"= $(awk -v r="$BEST" -v h="$PER_HOUR" 'BEGIN { printf "%d", r * 3600 / (h / 5000) }')" \
		"technicians at $(awk -v h="$PER_HOUR" 'BEGIN { printf "%.1f", h / 5000 }') requests per technician-hour"
else
	echo "capacity: none found (the first rate, $LAST/s, already missed p99 < $P99_MS ms or had errors)"
fi
