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
# 10,000-asset database. Not counted: civetweb reading the request, the
# kernel. Also counted, without valgrind: the pages SQLite reads from the
# OS (pread64) per resolve in a warm pass.
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
# valgrind); sets PID.
start() {
	"$@" "$BIN" serve --db "$DIR/bench.db" --listen "127.0.0.1:$PORT" --access-log=false \
		--threads 4 --conns-per-address 0 --rate-scan 0 --rate-scan-miss 0 \
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

# Then under callgrind, counting only inside the three parts: each code is
# resolved twice (the second pass finds warm caches, as a busy server
# would); the readiness polls count a few small writes.
start valgrind --tool=callgrind --collect-atstart=no --toggle-collect=get_id \
	--toggle-collect=auth_authenticate --toggle-collect=http_response_write \
	--callgrind-out-file="$DIR/callgrind.out"
for pass in 1 2; do
	curl -s --cacert "$CA" -H 'Accept: application/json' -H "Authorization: Bearer $TOKEN" \
		-K "$DIR/resolve.cfg"
done
kill "$PID" && wait "$PID" 2>/dev/null || true
PID=

# Pages SQLite read from the OS per resolve (pread64 calls), the I/O side
# of the same work: without valgrind, strace attached for the second pass.
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
callgrind_annotate --inclusive=yes "$DIR/callgrind.out" 2>/dev/null >"$DIR/inclusive.txt"
# cost_of FUNCTION: its inclusive instruction count, 0 if never run
cost_of() {
	grep -E "[:]$1 \[" "$DIR/inclusive.txt" | head -1 | awk '{ gsub(",", "", $1); print $1 + 0 }'
}
per() { awk -v a="${1:-0}" -v b="$resolves" 'BEGIN { printf "%.0f", a / b }'; }
total=$(sed -n 's/^summary: //p' "$DIR/callgrind.out")
sha=$(cost_of EVP_Digest)

echo
echo "user-space instructions per resolve (callgrind; $resolves resolves, 10,000 assets)"
echo
echo "| part | instructions |"
echo "|---|---:|"
echo "| trace, code check, token check, TLS write; SHA-256 apart | $(per $((total - sha))) |"
echo "| SHA-256 of the answer (ETag) and of the token, in software | $(per "$sha") |"
echo "| of which the token check (auth_authenticate) | $(per "$(cost_of auth_authenticate)") |"
echo "| of which the answer's write (http_response_write, TLS) | $(per "$(cost_of http_response_write)") |"
echo "| of which the trace (assets_trace_write) | $(per "$(cost_of assets_trace_write)") |"
echo
if [ -n "$preads" ]; then
	echo "pages read from the OS (pread64) per resolve, warm second pass:" \
		"$(awk -v a="$preads" -v b="$((resolves / 2))" 'BEGIN { printf "%.1f", a / b }')"
else
	echo "pages read from the OS per resolve: n/a (strace could not attach; see $DIR/strace.txt)"
fi
echo
echo "per function (inclusive): $DIR/inclusive.txt"
exit 0
