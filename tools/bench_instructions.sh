#!/bin/sh
# make bench-instructions: user-space instructions per resolve, counted by
# callgrind. On two cores shared with the load generator, make bench's rates
# move by 10-15 % between runs, more than most single changes to the trace;
# an instruction count is the same from run to run, so it tells whether a
# change made the resolve do less. It is not a speed figure: callgrind runs
# the server some fifty times slower, and it counts SHA-256 in software
# (valgrind hides the CPU's SHA extensions), so SHA-256 is shown apart.
#
# Counted: the handler (get_id: code check, trace, ETag), the token check
# (auth_authenticate) and the answer's write (http_response_write: TLS
# encryption), for N random assets resolved twice (one keep-alive
# connection per pass; the second finds warm caches), on a fresh
# 10,000-asset database, twice: with every trace rendered
# (trace-snapshots=false) and with the traces kept (README, QR identity).
# Not counted: civetweb reading the request, the kernel. Also counted,
# without valgrind: the pages SQLite reads from the OS (pread64) per
# resolve of a kept trace in a warm pass.
#
#   N=500 sh tools/bench_instructions.sh
set -eu
cd "$(dirname "$0")/.."

N=${N:-500}
PORT=${PORT:-9446}
BIN=${BIN:-build/fieldtrace}
GEN=${GEN:-build/gen_bench_data}
DIR=build/bench-instructions
CA=certs/ca.pem

FIELDTRACE_EXTRA_PACKAGES="valgrind curl strace" sh tools/install-deps.sh

rm -rf "$DIR"
mkdir -p "$DIR"
cleanup() {
	[ -n "${PID:-}" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$BIN" migrate --db "$DIR/bench.db" >/dev/null 2>&1
"$GEN" --db "$DIR/bench.db" --assets 10000 --events-per-asset 20 >/dev/null
printf '%s\n' 'bench-password-1' |
	"$BIN" user add --db "$DIR/bench.db" --username bench.admin --role admin --password-stdin \
		>/dev/null 2>&1

# start PREFIX...: serves the database on PORT under PREFIX (nothing, or
# valgrind), with trace-snapshots=$SNAPSHOTS and the background jobs every
# $JOBS_MS ms; sets PID.
SNAPSHOTS=false JOBS_MS=10000
start() {
	"$@" "$BIN" serve --db "$DIR/bench.db" --listen "127.0.0.1:$PORT" --access-log=false \
		--threads 4 --conns-per-address 0 --rate-scan 0 --rate-scan-miss 0 \
		--trace-snapshots="$SNAPSHOTS" --scheduler-interval-ms "$JOBS_MS" \
		--tls-cert certs/server.pem --tls-key certs/server.key >>"$DIR/server.log" 2>&1 &
	PID=$!
	i=0
	until curl -sf --cacert "$CA" "https://localhost:$PORT/readyz" >/dev/null; do
		i=$((i + 1))
		[ "$i" -gt 300 ] && { echo "bench-instructions: server did not start" >&2; exit 1; }
		sleep 1
	done
}

# First without callgrind: a token, and N random assets' /id/ codes read
# from their traces (label.code).
start
TOKEN=$(curl -sf --cacert "$CA" -H 'Content-Type: application/json' \
	-d '{"username":"bench.admin","password":"bench-password-1"}' \
	"https://localhost:$PORT/v1/auth/login" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "bench-instructions: login failed" >&2; exit 1; }
awk -v n="$N" -v port="$PORT" 'BEGIN { srand(42); for (i = 0; i < n; i++)
	printf "url = \"https://localhost:%d/v1/assets/%d\"\n", port, 1 + int(rand() * 10000) }' \
	>"$DIR/assets.cfg"
curl -s --cacert "$CA" -H "Authorization: Bearer $TOKEN" -K "$DIR/assets.cfg" |
	grep -o '"label":{"code":"[0-9A-Z]*"' | sed 's/.*"code":"\([0-9A-Z]*\)"/\1/' >"$DIR/codes"
[ -s "$DIR/codes" ] || { echo "bench-instructions: no label codes found" >&2; exit 1; }
awk -v port="$PORT" '{ printf "url = \"https://localhost:%d/id/%s\"\noutput = /dev/null\n", port, $1 }' \
	"$DIR/codes" >"$DIR/resolve.cfg"
kill "$PID" && wait "$PID" 2>/dev/null || true

# resolve_passes: each code resolved twice (the second pass finds warm
# caches, as a busy server would), one keep-alive connection per pass.
resolve_passes() {
	for pass in 1 2; do
		curl -s --cacert "$CA" -H 'Accept: application/json' -H "Authorization: Bearer $TOKEN" \
			-K "$DIR/resolve.cfg"
	done
}

# count NAME: the passes under callgrind, counting only inside the three
# parts (the readiness polls count a few small writes); NAME.out.
count() {
	start valgrind --tool=callgrind --collect-atstart=no --toggle-collect=get_id \
		--toggle-collect=auth_authenticate --toggle-collect=http_response_write \
		--callgrind-out-file="$DIR/$1.out"
	resolve_passes
	kill "$PID" && wait "$PID" 2>/dev/null || true
	PID=
}

# Rendered: every scan renders the trace (trace-snapshots=false; a unit's
# first scan after a change). Kept: the traces kept first (one pass with
# the jobs every 200 ms), then counted with snapshots on.
count rendered
SNAPSHOTS=true JOBS_MS=200
start
resolve_passes
sleep 1
kill "$PID" && wait "$PID" 2>/dev/null || true
PID=
count kept

# Pages SQLite read from the OS per resolve (pread64 calls), the I/O side
# of the same work, with the kept traces: without valgrind, strace
# attached for the second pass.
start
curl -s --cacert "$CA" -H 'Accept: application/json' -H "Authorization: Bearer $TOKEN" \
	-K "$DIR/resolve.cfg"
strace -f -c -e trace=pread64 -p "$PID" -o "$DIR/strace.txt" 2>"$DIR/strace.err" &
STRACE_PID=$!
sleep 1
curl -s --cacert "$CA" -H 'Accept: application/json' -H "Authorization: Bearer $TOKEN" \
	-K "$DIR/resolve.cfg"
kill "$STRACE_PID" && wait "$STRACE_PID" 2>/dev/null || true
kill "$PID" && wait "$PID" 2>/dev/null || true
PID=
preads=$(awk '$NF == "pread64" { print $4 }' "$DIR/strace.txt")

resolves=$((2 * $(wc -l <"$DIR/codes")))
per() { awk -v a="${1:-0}" -v b="$resolves" 'BEGIN { printf "%.0f", a / b }'; }
# cost_of NAME FUNCTION: its inclusive instruction count in NAME, 0 if never run
cost_of() {
	grep -E "[:]$2 \[" "$DIR/$1.txt" | head -1 | awk '{ gsub(",", "", $1); print $1 + 0 }'
}
# column NAME: the table's figures for NAME.out
column() {
	callgrind_annotate --inclusive=yes "$DIR/$1.out" 2>/dev/null >"$DIR/$1.txt"
	total=$(sed -n 's/^summary: //p' "$DIR/$1.out")
	sha=$(cost_of "$1" EVP_Digest)
	echo "$(per $((total - sha))) $(per "$sha") $(per "$(cost_of "$1" auth_authenticate)")" \
		"$(per "$(cost_of "$1" http_response_write)") $(per "$(cost_of "$1" assets_trace_write)")"
}
set -- $(column rendered) $(column kept)

echo
echo "user-space instructions per resolve (callgrind; $resolves resolves, 10,000 assets)"
echo
echo "| part | rendered (trace-snapshots=false) | kept trace |"
echo "|---|---:|---:|"
echo "| trace, code check, token check, TLS write; SHA-256 apart | $1 | $6 |"
echo "| SHA-256 of the answer (ETag) and of the token, in software | $2 | $7 |"
echo "| of which the token check (auth_authenticate) | $3 | $8 |"
echo "| of which the answer's write (http_response_write, TLS) | $4 | $9 |"
echo "| of which the trace (assets_trace_write) | $5 | ${10} |"
echo
if [ -n "$preads" ]; then
	echo "pages read from the OS (pread64) per resolve of a kept trace, warm second pass:" \
		"$(awk -v a="$preads" -v b="$((resolves / 2))" 'BEGIN { printf "%.1f", a / b }')"
else
	echo "pages read from the OS per resolve: n/a (strace could not attach; see $DIR/strace.txt)"
fi
echo
echo "per function (inclusive): $DIR/rendered.txt, $DIR/kept.txt"
exit 0
