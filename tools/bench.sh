#!/bin/sh
# make bench: wrk over HTTPS keep-alive against fieldtrace, and in the same
# run against nginx serving one identical response as a static file over
# TLS with the same certificate (this machine's ceiling). Prints a Markdown
# table; docs/BENCHMARKS.md records the figures with the machine described.
#
#   DURATION=10 CONNECTIONS=64 THREADS=2 sh tools/bench.sh
set -eu
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
FT_PORT=${FT_PORT:-9443}
NGINX_PORT=${NGINX_PORT:-9444}
BIN=${BIN:-build/fieldtrace}
DIR=build/bench
CA=certs/ca.pem

FIELDTRACE_EXTRA_PACKAGES="wrk nginx-light curl procps" sh tools/install-deps.sh

rm -rf "$DIR"
mkdir -p "$DIR/nginx/www" "$DIR/nginx/tmp"
cleanup() {
	[ -n "${FT_PID:-}" ] && kill "$FT_PID" 2>/dev/null && wait "$FT_PID" 2>/dev/null || true
	[ -f "$DIR/nginx/nginx.pid" ] && kill "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$BIN" migrate --db "$DIR/bench.db" >/dev/null
"$BIN" serve --db "$DIR/bench.db" --listen "127.0.0.1:$FT_PORT" --demo --access-log=false \
	--tls-cert certs/server.pem --tls-key certs/server.key --threads 64 \
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
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" >"$DIR/$name.txt" 2>&1
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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
	"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION}s, HTTPS keep-alive (client on the same cores)"
echo
echo "| target | req/s | p50 ms | p99 ms | req/s vs nginx | p99 vs nginx |"
echo "|---|---|---|---|---|---|"
echo "| nginx static (reference) | $NG_RPS | $NG_P50 | $NG_P99 | 1.00 | 1.00 |"
echo "| GET /v1/me (bearer token, DB lookup) | $ME_RPS | $ME_P50 | $ME_P99 | $(ratio "$ME_RPS" "$NG_RPS") | $(ratio "$ME_P99" "$NG_P99") |"
echo "| GET /healthz | $HZ_RPS | $HZ_P50 | $HZ_P99 | $(ratio "$HZ_RPS" "$NG_RPS") | $(ratio "$HZ_P99" "$NG_P99") |"
echo
echo "fieldtrace RSS after the runs: $((RSS_KB / 1024)) MiB"
[ -n "$ME_ERR" ] && echo "wrk errors on /v1/me: $ME_ERR"
exit 0
