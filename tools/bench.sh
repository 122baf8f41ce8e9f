#!/bin/sh
# make bench: wrk over HTTPS keep-alive against fieldtrace, and in the same
# run against nginx serving one identical response as a static file over
# TLS with the same certificate (this machine's ceiling). Prints a Markdown
# table; docs/BENCHMARKS.md records the figures with the machine described.
#
# Two parts:
#  1. foundation: GET /v1/me (token check + one join) and /healthz on the
#     demo database;
#  2. resolve (issue 3): GET /id/{code} with Accept: application/json and a
#     bearer token over random assets (the full trace) on a 10,000-asset and
#     a 1,000,000-asset / 20,000,000-event database (make bench-data builds
#     the large one once), after one warm-up scan of each sampled unit (a
#     unit's first scan renders its trace and asks to keep it: README, QR
#     identity), and on the small database once more with every scan
#     rendered (trace-snapshots=false), against nginx serving one identical trace, and
#     against tools/static_server.c (civetweb with fieldtrace's threads and TLS policy
#     answering that trace from memory: the HTTP layer's own ceiling); and
#     the 100,000-row CSV import.
#
# The 10,000-asset resolve is also measured at FEW_CONNECTIONS (4), against
# nginx at 4, with as many workers: fieldtrace runs a thread per connection,
# and on two cores shared with wrk its CPU per request grows with the
# number of threads (see docs/BENCHMARKS.md); nginx's does not.
#
#   DURATION=10 CONNECTIONS=64 FEW_CONNECTIONS=4 THREADS=2 SKIP_LARGE=0 sh tools/bench.sh
set -eu
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
FEW_CONNECTIONS=${FEW_CONNECTIONS:-4}
THREADS=${THREADS:-2}
FT_PORT=${FT_PORT:-9443}
NGINX_PORT=${NGINX_PORT:-9444}
STATIC_PORT=${STATIC_PORT:-9445}
BIN=${BIN:-build/fieldtrace}
GEN=${GEN:-build/gen_bench_data}
LARGE_DB=${LARGE_DB:-build/bench-data/bench.db}
IMPORT_CSV=${IMPORT_CSV:-build/bench-data/import.csv}
SKIP_LARGE=${SKIP_LARGE:-0}
DIR=build/bench
CA=certs/ca.pem
# wrk is one address standing for a whole fleet of phones: the
# per-address connection limit and the scan throttle would measure
# themselves, not the server, so the benchmark turns them off.
FLEET="--conns-per-address 0 --rate-scan 0 --rate-scan-miss 0"

FIELDTRACE_EXTRA_PACKAGES="wrk nginx-light curl procps" sh tools/install-deps.sh

rm -rf "$DIR"
mkdir -p "$DIR/nginx/www" "$DIR/nginx/tmp"
cleanup() {
	[ -n "${FT_PID:-}" ] && kill "$FT_PID" 2>/dev/null && wait "$FT_PID" 2>/dev/null || true
	[ -n "${ST_PID:-}" ] && kill "$ST_PID" 2>/dev/null && wait "$ST_PID" 2>/dev/null || true
	[ -f "$DIR/nginx/nginx.pid" ] && kill "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$BIN" migrate --db "$DIR/bench.db" >/dev/null
"$BIN" serve --db "$DIR/bench.db" --listen "127.0.0.1:$FT_PORT" --demo --access-log=false \
	--tls-cert certs/server.pem --tls-key certs/server.key --threads 64 $FLEET \
	>"$DIR/server.log" 2>&1 &
FT_PID=$!
i=0
until curl -sf --cacert "$CA" "https://localhost:$FT_PORT/readyz" >/dev/null; do
	i=$((i + 1))
	[ "$i" -gt 100 ] && { echo "bench: server did not start" >&2; cat "$DIR/server.log" >&2; exit 1; }
	sleep 0.1
done

TOKEN=$(curl -sf --cacert "$CA" -H 'Content-Type: application/json' \
	-d '{"username":"tech.sz","password":"fieldtrace-demo"}' \
	"https://localhost:$FT_PORT/v1/auth/login" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "bench: login failed" >&2; exit 1; }

# The reference serves byte-for-byte the body fieldtrace answers.
curl -sf --cacert "$CA" -H "Authorization: Bearer $TOKEN" \
	"https://localhost:$FT_PORT/v1/me" >"$DIR/nginx/www/me.json"

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
curl -sf --cacert "$CA" "https://localhost:$NGINX_PORT/me.json" >/dev/null

# run NAME URL [extra wrk args...] -> "req/s p50 p99" on stdout
run() {
	name=$1
	shift
	wrk -t"$THREADS" -c"${RUN_CONNECTIONS:-$CONNECTIONS}" -d"${DURATION}s" --latency "$@" \
		>"$DIR/$name.txt" 2>&1
	rps=$(awk '/^Requests\/sec/ {print $2}' "$DIR/$name.txt")
	p50=$(awk '$1 == "50%" {print $2}' "$DIR/$name.txt")
	p99=$(awk '$1 == "99%" {print $2}' "$DIR/$name.txt")
	errs=$(awk '/Non-2xx|Socket errors/ {print}' "$DIR/$name.txt" | tr '\n' ' ')
	echo "$rps $p50 $p99 $errs"
}

# wrk prints latency as 1.23ms / 456.00us / 1.02s; convert to ms.
to_ms() {
	echo "$1" | awk '/us$/ {sub(/us/, ""); print $0 / 1000; next}
		/ms$/ {sub(/ms/, ""); print $0; next}
		/s$/ {sub(/s/, ""); print $0 * 1000}'
}

set -- $(run nginx "https://localhost:$NGINX_PORT/me.json")
NG_RPS=$1 NG_P50=$(to_ms "$2") NG_P99=$(to_ms "$3")
set -- $(run me "https://localhost:$FT_PORT/v1/me" -H "Authorization: Bearer $TOKEN")
ME_RPS=$1 ME_P50=$(to_ms "$2") ME_P99=$(to_ms "$3")
ME_ERR=$(shift 3; echo "$*")
set -- $(run healthz "https://localhost:$FT_PORT/healthz")
HZ_RPS=$1 HZ_P50=$(to_ms "$2") HZ_P99=$(to_ms "$3")
RSS_KB=$(ps -o rss= -p "$FT_PID" | tr -d ' ')
kill "$FT_PID" && wait "$FT_PID" || true
FT_PID=

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---- 2. resolve over random assets ------------------------------------------

# start_server DB: serves DB on FT_PORT with a bench admin; sets FT_PID, TOKEN.
# SNAPSHOTS=false: every scan renders the trace (trace-snapshots off).
start_server() {
	printf '%s\n' 'bench-password-1' |
		"$BIN" user add --db "$1" --username bench.admin --role admin --password-stdin \
			>/dev/null 2>&1 || true
	"$BIN" serve --db "$1" --listen "127.0.0.1:$FT_PORT" --access-log=false \
		--tls-cert certs/server.pem --tls-key certs/server.key --threads 64 $FLEET \
		--trace-snapshots="${SNAPSHOTS:-true}" \
		>"$DIR/server.log" 2>&1 &
	FT_PID=$!
	i=0
	until curl -sf --cacert "$CA" "https://localhost:$FT_PORT/readyz" >/dev/null; do
		i=$((i + 1))
		[ "$i" -gt 600 ] && { echo "bench: server did not start" >&2; cat "$DIR/server.log" >&2; exit 1; }
		sleep 0.1
	done
	TOKEN=$(curl -sf --cacert "$CA" -H 'Content-Type: application/json' \
		-d '{"username":"bench.admin","password":"bench-password-1"}' \
		"https://localhost:$FT_PORT/v1/auth/login" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
	[ -n "$TOKEN" ] || { echo "bench: login failed" >&2; exit 1; }
}

# sample_codes N_ASSETS FILE: /id/ paths of 1,000 random labelled assets,
# read from each asset's trace (label.code) over one keep-alive connection.
sample_codes() {
	awk -v n="$1" -v port="$FT_PORT" 'BEGIN { srand(42); for (i = 0; i < 1000; i++)
		printf "url = \"https://localhost:%d/v1/assets/%d\"\n", port, 1 + int(rand() * n) }' \
		>"$DIR/urls.cfg"
	curl -s --cacert "$CA" -H "Authorization: Bearer $TOKEN" -K "$DIR/urls.cfg" |
		grep -o '"label":{"code":"[0-9A-Z]*"' | sed 's/.*"code":"\([0-9A-Z]*\)"/\/id\/\1/' >"$2"
	[ -s "$2" ] || { echo "bench: no label codes found" >&2; exit 1; }
}

cat >"$DIR/resolve.lua" <<'LUA'
local paths = {}
local token = ""
function init(args)
	for line in io.lines(args[1]) do paths[#paths + 1] = line end
	token = args[2]
	math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end
function request()
	return wrk.format("GET", paths[math.random(#paths)],
		{ ["Accept"] = "application/json", ["Authorization"] = "Bearer " .. token })
end
LUA

# resolve_on DB N_ASSETS NAME [FEW]: prints "rps p50_ms p99_ms rss_mib", and
# with FEW "rps p50_ms p99_ms" again at FEW_CONNECTIONS
resolve_on() {
	start_server "$1"
	sample_codes "$2" "$DIR/$3.paths"
	# nginx's reference body: one real trace, byte for byte.
	curl -sf --cacert "$CA" -H 'Accept: application/json' -H "Authorization: Bearer $TOKEN" \
		"https://localhost:$FT_PORT$(head -1 "$DIR/$3.paths")" >"$DIR/nginx/www/trace.json"
	few=${4:-} paths_file="$DIR/$3.paths"
	# One scan of each sampled unit: a unit's first scan renders its trace
	# and asks to keep it; the background jobs (every 10 s, the default)
	# keep them; the measurement is of the scans after that.
	awk -v port="$FT_PORT" '{ printf "url = \"https://localhost:%d%s\"\noutput = /dev/null\n", port, $1 }' \
		"$paths_file" >"$DIR/warm.cfg"
	curl -s --cacert "$CA" -H 'Accept: application/json' -H "Authorization: Bearer $TOKEN" \
		-K "$DIR/warm.cfg"
	sleep 11
	set -- $(run "$3" "https://localhost:$FT_PORT/" -s "$DIR/resolve.lua" -- "$DIR/$3.paths" "$TOKEN")
	rss=$(ps -o rss= -p "$FT_PID" | tr -d ' ')
	out="$1 $(to_ms "$2") $(to_ms "$3") $((rss / 1024))"
	if [ -n "$few" ]; then
		set -- $(RUN_CONNECTIONS=$FEW_CONNECTIONS run "$few" "https://localhost:$FT_PORT/" \
			-s "$DIR/resolve.lua" -- "$paths_file" "$TOKEN")
		out="$out $1 $(to_ms "$2") $(to_ms "$3")"
	fi
	kill "$FT_PID" && wait "$FT_PID" || true
	FT_PID=
	echo "$out"
}

"$BIN" migrate --db "$DIR/small.db" >/dev/null
"$GEN" --db "$DIR/small.db" --assets 10000 --events-per-asset 20 >/dev/null
set -- $(resolve_on "$DIR/small.db" 10000 resolve-10k resolve-10k-few)
SM_RPS=$1 SM_P50=$2 SM_P99=$3 SM_RSS=$4 FEW_RPS=$5 FEW_P50=$6 FEW_P99=$7
# The same scans with every trace rendered (a unit's first scan after a
# change, or trace-snapshots=false).
set -- $(SNAPSHOTS=false resolve_on "$DIR/small.db" 10000 resolve-10k-rendered)
RD_RPS=$1 RD_P50=$2 RD_P99=$3 RD_RSS=$4
set -- $(run nginx-trace "https://localhost:$NGINX_PORT/trace.json")
NT_RPS=$1 NT_P50=$(to_ms "$2") NT_P99=$(to_ms "$3")
set -- $(RUN_CONNECTIONS=$FEW_CONNECTIONS run nginx-trace-few "https://localhost:$NGINX_PORT/trace.json")
NF_RPS=$1 NF_P50=$(to_ms "$2") NF_P99=$(to_ms "$3")

# The HTTP layer's own ceiling: civetweb (the same build, threads and TLS
# policy) answering the same trace from memory in one write.
build/static_server --listen "127.0.0.1:$STATIC_PORT" --threads 64 --tls-cert certs/server.pem \
	--tls-key certs/server.key --body "$DIR/nginx/www/trace.json" >"$DIR/static.log" 2>&1 &
ST_PID=$!
i=0
until curl -sf --cacert "$CA" -o /dev/null "https://localhost:$STATIC_PORT/"; do
	i=$((i + 1))
	[ "$i" -gt 100 ] && { echo "bench: static_server did not start" >&2; cat "$DIR/static.log" >&2; exit 1; }
	sleep 0.1
done
set -- $(run static-trace "https://localhost:$STATIC_PORT/")
ST_RPS=$1 ST_P50=$(to_ms "$2") ST_P99=$(to_ms "$3")
kill "$ST_PID" && wait "$ST_PID" || true
ST_PID=

LG_LINE=""
if [ "$SKIP_LARGE" != 1 ]; then
	[ -f "$LARGE_DB" ] || make --no-print-directory bench-data
	"$BIN" migrate --db "$LARGE_DB" >/dev/null # built by an earlier binary, maybe
	set -- $(resolve_on "$LARGE_DB" 1000000 resolve-1m)
	LG_LINE="| GET /id/{code} JSON trace, 1,000,000 assets / 20M events | $1 | $2 | $3 | $(ratio "$1" "$NT_RPS") | $(ratio "$3" "$NT_P99") | $4 |"
fi

IMPORT_LINE=""
if [ -f "$IMPORT_CSV" ]; then
	# A fresh database with the generator's reference data (models, sites).
	"$BIN" migrate --db "$DIR/import.db" >/dev/null
	"$GEN" --db "$DIR/import.db" --assets 0 --events-per-asset 0 >/dev/null
	IMPORT_LINE=$("$BIN" import assets --db "$DIR/import.db" "$IMPORT_CSV" 2>&1 | tail -1)
fi

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
	"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION}s, HTTPS keep-alive (client on the same cores)"
echo
echo "## foundation"
echo
echo "| target | req/s | p50 ms | p99 ms | req/s vs nginx | p99 vs nginx |"
echo "|---|---|---|---|---|---|"
echo "| nginx static (reference) | $NG_RPS | $NG_P50 | $NG_P99 | 1.00 | 1.00 |"
echo "| GET /v1/me (bearer token, DB lookup) | $ME_RPS | $ME_P50 | $ME_P99 | $(ratio "$ME_RPS" "$NG_RPS") | $(ratio "$ME_P99" "$NG_P99") |"
echo "| GET /healthz | $HZ_RPS | $HZ_P50 | $HZ_P99 | $(ratio "$HZ_RPS" "$NG_RPS") | $(ratio "$HZ_P99" "$NG_P99") |"
echo
echo "fieldtrace RSS after these runs: $((RSS_KB / 1024)) MiB"
[ -n "$ME_ERR" ] && echo "wrk errors on /v1/me: $ME_ERR"
echo
echo "## resolve: GET /id/{code}, Accept: application/json, bearer token, random assets"
echo
echo "| target | req/s | p50 ms | p99 ms | req/s vs nginx | p99 vs nginx | RSS MiB |"
echo "|---|---|---|---|---|---|---|"
echo "| nginx static trace (reference) | $NT_RPS | $NT_P50 | $NT_P99 | 1.00 | 1.00 | |"
echo "| civetweb answering the same trace from memory (HTTP layer's ceiling) | $ST_RPS | $ST_P50 | $ST_P99 | $(ratio "$ST_RPS" "$NT_RPS") | $(ratio "$ST_P99" "$NT_P99") | |"
echo "| GET /id/{code} JSON trace, 10,000 assets | $SM_RPS | $SM_P50 | $SM_P99 | $(ratio "$SM_RPS" "$NT_RPS") | $(ratio "$SM_P99" "$NT_P99") | $SM_RSS |"
[ -n "$LG_LINE" ] && echo "$LG_LINE"
echo "| GET /id/{code} JSON trace, 10,000 assets, rendered on every scan (trace-snapshots=false) | $RD_RPS | $RD_P50 | $RD_P99 | $(ratio "$RD_RPS" "$NT_RPS") | $(ratio "$RD_P99" "$NT_P99") | $RD_RSS |"
echo "| nginx static trace, $FEW_CONNECTIONS connections (reference) | $NF_RPS | $NF_P50 | $NF_P99 | 1.00 | 1.00 | |"
echo "| GET /id/{code} JSON trace, 10,000 assets, $FEW_CONNECTIONS connections | $FEW_RPS | $FEW_P50 | $FEW_P99 | $(ratio "$FEW_RPS" "$NF_RPS") | $(ratio "$FEW_P99" "$NF_P99") | |"
[ -n "$IMPORT_LINE" ] && { echo; echo "import of 100,000 CSV rows (fresh database with the reference data): $IMPORT_LINE"; }
exit 0
