#!/bin/sh
# make slowtest: a legitimate client's latency with and without slow
# clients (docs/RELIABILITY.md, "Hostile clients"). Starts the server on a
# fresh database, then for each scenario runs tools/slowloris in the
# background, waits for it to ramp up and runs tools/slowprobe (new TLS
# connection per request, from 127.0.0.200: a legitimate user has an
# address of their own) against /healthz. Prints a Markdown table.
#   BIN=build/fieldtrace SERVE_FLAGS="--conns-per-address=0 --threads=32" sh tools/slowtest.sh
set -eu
BIN=${BIN:-build/fieldtrace}
TOOLS=${TOOLS:-build}
PORT=${PORT:-28443}
CONNS=${CONNS:-300}
RAMP=${RAMP:-12}
PROBES=${PROBES:-200}
SERVE_FLAGS=${SERVE_FLAGS:-}
dir=$(mktemp -d /tmp/fieldtrace-slowtest-XXXXXX)
srv=
atk=
cleanup() {
	[ -n "$atk" ] && kill "$atk" 2>/dev/null || true
	[ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"$BIN" migrate --db "$dir/t.db" >/dev/null 2>&1
# shellcheck disable=SC2086
"$BIN" serve --db "$dir/t.db" --data-dir "$dir/data" --listen "127.0.0.1:$PORT" \
	--access-log=false --scheduler-interval-ms 0 $SERVE_FLAGS 2>"$dir/server.log" &
srv=$!
for _ in $(seq 50); do
	curl -s --cacert certs/ca.pem "https://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
	sleep 0.2
done

URL="https://127.0.0.1:$PORT/healthz"
probe() { "$TOOLS/slowprobe" --url "$URL" --cacert certs/ca.pem --source 127.0.0.200 --n "$PROBES" --budget-s "${BUDGET:-60}" --label "$1" || true; }
attack() { # label, then slowloris flags
	label=$1
	shift
	"$TOOLS/slowloris" --port "$PORT" --conns "$CONNS" --seconds $((RAMP + 120)) "$@" \
		2>"$dir/attack.log" &
	atk=$!
	sleep "$RAMP"
	probe "$label"
	tail -n 1 "$dir/attack.log" | sed 's/^/    /' >&2
	kill "$atk" 2>/dev/null || true
	wait "$atk" 2>/dev/null || true
	atk=
	sleep 3 # the server closes the abandoned connections
}
sources=$(seq -s, -f '127.0.0.%g' 2 11)
sources30=$(seq -s, -f '127.0.1.%g' 1 30)

echo "server flags: ${SERVE_FLAGS:-(defaults)}; $CONNS slow connections, one byte a second"
echo
echo "| scenario | requests | failed | p50 ms | p99 ms | max ms |"
echo "| --- | --- | --- | --- | --- | --- |"
probe "no attack"
attack "slow headers, 1 address" --mode header
attack "slow headers, 10 addresses" --mode header --sources "$sources"
attack "slow bodies, 1 address" --mode body
attack "slow bodies, 10 addresses" --mode body --sources "$sources"
attack "slow headers, 30 addresses" --mode header --sources "$sources30"
