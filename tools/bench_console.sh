#!/bin/sh
# make bench-console: the web console's figures (issue 17; docs/BENCHMARKS.md,
# "Web console"). Serves a fresh demo database and runs, from
# server/console/scripts/:
#   bench-load.mjs      Debian's chromium: cold load of the dispatcher's board
#                       on "Fast 3G" and on loopback (time to the first
#                       request card, bytes transferred), and the time a
#                       change made through the API takes to show on an open
#                       board;
#   bench-consoles.mjs  CONSOLES simulated boards polling GET /v1/board every
#                       2 s on keep-alive connections for SECONDS: the
#                       server's CPU, memory and threads, the polls' latency,
#                       each board's delay to see a change, and an ordinary
#                       API call's latency meanwhile.
# The server runs with --conns-per-address 0: the simulated consoles all come
# from 127.0.0.1, where the default (16) would refuse all but 16 of them.
#
#   CONSOLES=200 SECONDS=60 sh tools/bench_console.sh
set -eu
cd "$(dirname "$0")/.."

BIN=${BIN:-build/fieldtrace}
CONSOLES=${CONSOLES:-200}
SECONDS_=${SECONDS:-60}
THREADS=${THREADS:-256}
DIR=build/bench-console
rm -rf "$DIR"
mkdir -p "$DIR"

"$BIN" migrate --db "$DIR/demo.db" --demo >/dev/null
"$BIN" serve --db "$DIR/demo.db" --listen 127.0.0.1:0 --tls-cert certs/server.pem \
	--tls-key certs/server.key --conns-per-address 0 --threads "$THREADS" \
	>"$DIR/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT INT TERM
port=""
for _ in $(seq 100); do
	port=$(sed -n 's/.*serving https on [^ ]* (port \([0-9]*\)).*/\1/p' "$DIR/server.log")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$DIR/server.log"; exit 1; }
url="https://127.0.0.1:$port"

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "--- browser: cold load (Fast 3G x3, loopback x1) and time to show a change"
(cd server/console && node scripts/bench-load.mjs --url "$url")
echo "--- $CONSOLES open boards polling every 2 s for $SECONDS_ s"
(cd server/console && node scripts/bench-consoles.mjs --url "$url" --pid "$pid" \
	--consoles "$CONSOLES" --seconds "$SECONDS_")
echo "--- idle server, for comparison (no boards open)"
(cd server/console && node scripts/bench-consoles.mjs --url "$url" --pid "$pid" \
	--consoles 0 --seconds 20)
