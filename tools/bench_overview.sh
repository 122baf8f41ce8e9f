#!/bin/sh
# make bench-overview: the customer 360 view's latency (issue 20: "fast for
# a customer with 10,000 units"). One database holds three customers with
# 10, 1,000 and 10,000 units (a site per 50 units, a third in warranty, a
# third expired, a third without; a service contract over half the sites
# and a warranty extension listing every tenth unit; two requests per unit
# over the last year, 5 % open, most closed with a score, some late; an
# open problem; an annual maintenance plan over half the units), built
# with SQL in a migrated database. Each customer's
# GET /v1/customers/{id}/overview (first units page of 50) is timed as an
# admin by wrk with one keep-alive connection (latency of one request, not
# a rate), and nginx serving the identical answer as a static file over
# the same TLS is the machine's reference: the table gives both and the
# ratio.
#
#   DURATION=10 sh tools/bench_overview.sh
set -eu
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
PORT=${PORT:-9447}
NGINX_PORT=${NGINX_PORT:-9448}
BIN=${BIN:-build/fieldtrace}
DIR=build/bench-overview
DB=$DIR/overview.db
CA=certs/ca.pem
PASSWORD=bench-overview-pass

FIELDTRACE_EXTRA_PACKAGES="wrk nginx-light curl sqlite3" sh tools/install-deps.sh
rm -rf "$DIR"
mkdir -p "$DIR/nginx/www" "$DIR/nginx/tmp"
"$BIN" migrate --db "$DB" >/dev/null
NOW=$(date +%s)
t0=$(date +%s)
sqlite3 "$DB" <<SQL
PRAGMA foreign_keys = ON;
BEGIN;
INSERT INTO regions(code, parent_code, name, level, path) VALUES
 ('CN', NULL, '中国', 'country', '/CN/'), ('GD', 'CN', '广东', 'province', '/CN/GD/'),
 ('SZ', 'GD', '深圳', 'city', '/CN/GD/SZ/');
INSERT INTO product_lines(code, name) VALUES ('switchgear', '开关柜');
INSERT INTO models(id, code, name, product_line, created_at, updated_at) VALUES
 (1, 'KYN28-12', 'KYN28', 'switchgear', 0, 0), (2, 'XGN15-12', 'XGN15', 'switchgear', 0, 0);
INSERT INTO customers(id, code, name, tier, region_code, created_at, updated_at) VALUES
 (1, 'C-10', '十台客户', 'A', 'SZ', 0, 0), (2, 'C-1000', '千台客户', 'A', 'SZ', 0, 0),
 (3, 'C-10000', '万台客户', 'strategic', 'SZ', 0, 0);
INSERT INTO customer_contacts(customer_id, name, phone, title) VALUES
 (1, '张伟', '13912341234', '设备部经理'), (2, '李娜', '13800138000', '运维主管'),
 (3, '王芳', '13700137000', '总工');
CREATE TEMP TABLE sizes(customer_id INTEGER PRIMARY KEY, units INTEGER, first_asset INTEGER,
 first_site INTEGER);
INSERT INTO sizes VALUES (1, 10, 1, 1), (2, 1000, 11, 2), (3, 10000, 1011, 22);
-- Sites: one per 50 units (at least one).
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199)
INSERT INTO sites(id, customer_id, code, name, region_code, created_at, updated_at)
SELECT s.first_site + n.i, s.customer_id, 'S-' || s.customer_id || '-' || n.i,
 '站点 ' || n.i, 'SZ', 0, 0 FROM sizes s JOIN n ON n.i < max(1, s.units / 50);
-- Units: a third in warranty, a third expired, a third without an end.
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
INSERT INTO assets(id, serial, model_id, site_id, customer_id, region_path, warranty_end,
 created_at, updated_at)
SELECT s.first_asset + n.i, 'SN-' || s.customer_id || '-' || n.i, 1 + n.i % 2,
 s.first_site + n.i % max(1, s.units / 50), s.customer_id, '/CN/GD/SZ/',
 CASE n.i % 3 WHEN 0 THEN date($NOW, 'unixepoch', '+' || (30 + n.i % 700) || ' days')
  WHEN 1 THEN date($NOW, 'unixepoch', '-' || (1 + n.i % 700) || ' days') END, 0, 0
FROM sizes s JOIN n ON n.i < s.units;
-- A service contract over every other site, a warranty extension listing
-- every tenth unit, and an expired contract renewed by the service one.
INSERT INTO contracts(id, number, customer_id, kind, start_date, end_date, status,
 visits_per_year, created_at, updated_at)
SELECT customer_id * 10 + 1, 'SC-' || customer_id, customer_id, 'service',
 date($NOW, 'unixepoch', '-200 days'), date($NOW, 'unixepoch', '+165 days'), 'active', 12, 0, 0
FROM sizes;
INSERT INTO contracts(id, number, customer_id, kind, start_date, end_date, status, created_at,
 updated_at)
SELECT customer_id * 10 + 2, 'WX-' || customer_id, customer_id, 'warranty_extension',
 date($NOW, 'unixepoch', '-100 days'), date($NOW, 'unixepoch', '+265 days'), 'active', 0, 0
FROM sizes;
INSERT INTO contracts(id, number, customer_id, kind, start_date, end_date, status, created_at,
 updated_at)
SELECT customer_id * 10 + 3, 'SC-OLD-' || customer_id, customer_id, 'service',
 date($NOW, 'unixepoch', '-565 days'), date($NOW, 'unixepoch', '-201 days'), 'expired', 0, 0
FROM sizes;
UPDATE contracts SET renews_id = id + 2 WHERE id % 10 = 1;
INSERT INTO contract_sites(contract_id, site_id)
SELECT customer_id * 10 + 1, id FROM sites WHERE id % 2 = 0;
INSERT INTO contract_units(contract_id, asset_id)
SELECT customer_id * 10 + 2, id FROM assets WHERE id % 10 = 0;
-- Two requests per unit over the last year: 5 % open, the rest closed,
-- most with a score; one in eight answered late.
WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT 1)
INSERT INTO tickets(channel, category, subcategory, status, title, impact, urgency, priority,
 customer_tier, asset_id, customer_id, site_id, region_path, warranty_status, billable,
 response_due, arrival_due, resolution_due, responded_at, arrived_at, resolved_at, closed_at,
 satisfaction, created_at, updated_at)
SELECT 'hotline', 'fault_repair', 'fault_repair', o.status, '断路器拒合', 'unit', 'medium', 'P3',
 'A', o.id, o.customer_id, o.site_id, '/CN/GD/SZ/', 'expired', 1,
 o.t + 14400, o.t + 86400, o.t + 259200,
 CASE WHEN o.open THEN NULL ELSE o.t + CASE WHEN o.id % 8 = 0 THEN 20000 ELSE 3600 END END,
 CASE WHEN o.open THEN NULL ELSE o.t + 7200 END,
 CASE WHEN o.open THEN NULL ELSE o.t + 36000 END,
 CASE WHEN o.open THEN NULL ELSE o.t + 86400 END,
 CASE WHEN o.open OR o.id % 5 = 0 THEN NULL ELSE 1 + (o.id * 7 + o.j) % 5 END, o.t, o.t
FROM (SELECT a.id, a.customer_id, a.site_id, k.j,
  $NOW - 3600 - ((a.id * 7919 + k.j * 104729) % (365 * 86400)) AS t,
  ((a.id + k.j) % 20 = 0) AS open,
  CASE WHEN (a.id + k.j) % 20 = 0 THEN 'assigned' ELSE 'closed' END AS status
  FROM assets a JOIN k) o;
-- An open problem behind a few requests of each customer.
INSERT INTO problems(id, kind, fault_code, model_id, status, window_days, threshold,
 ticket_count, opened_at, updated_at) VALUES (1, 'model', 'E-21', 1, 'open', 30, 3, 30, $NOW, $NOW);
INSERT INTO problem_tickets(problem_id, ticket_id, asset_id, added_at)
SELECT 1, min(id), asset_id, $NOW FROM tickets WHERE asset_id % 97 = 1 GROUP BY asset_id;
-- Planned maintenance: an annual plan for every unit of the first model,
-- installed 1 to 700 days ago (some overdue, some coming due).
UPDATE assets SET installed_at = date($NOW, 'unixepoch', '-' || (1 + id % 700) || ' days');
INSERT INTO maintenance_plans(name, model_id, interval_months, lead_days, created_at, updated_at)
VALUES ('KYN28 annual service', 1, 12, 14, $NOW, $NOW);
COMMIT;
ANALYZE;
SQL
echo "generated in $(($(date +%s) - t0)) s: $(sqlite3 "$DB" 'SELECT count(*) FROM assets') units," \
	"$(sqlite3 "$DB" 'SELECT count(*) FROM tickets') requests"
echo "$PASSWORD" | "$BIN" user add --db "$DB" --username bench.admin --role admin \
	--password-stdin >/dev/null

cleanup() {
	[ -n "${FT_PID:-}" ] && kill "$FT_PID" 2>/dev/null && wait "$FT_PID" 2>/dev/null || true
	[ -f "$DIR/nginx/nginx.pid" ] && kill "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
"$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" --access-log=false \
	--scheduler-interval-ms 0 --tls-cert certs/server.pem --tls-key certs/server.key \
	--data-dir "$DIR/data" >"$DIR/server.log" 2>&1 &
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

for c in 1 2 3; do
	curl -sf --cacert "$CA" -H "Authorization: Bearer $TOKEN" \
		"https://localhost:$PORT/v1/customers/$c/overview" >"$DIR/nginx/www/overview-$c.json"
done
cat >"$DIR/nginx/nginx.conf" <<NGINX
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
NGINX
nginx -c "$PWD/$DIR/nginx/nginx.conf"
sleep 0.3

# latency URL -> "p50_ms p99_ms req/s" from wrk with one connection.
latency() {
	wrk -t1 -c1 -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" "$1" >"$DIR/wrk.txt"
	awk '
	function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
		if (v ~ /s$/) return v * 1000; return v }
	$1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
	$1 == "Requests/sec:" { rate = $2 }
	END { printf "%.2f %.2f %d\n", p50, p99, rate }' "$DIR/wrk.txt"
}

echo
echo "| customer | units | requests | answer KB | p50 ms | p99 ms | nginx p50 ms | p50 ratio to nginx |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for c in 1 2 3; do
	units=$(sqlite3 "$DB" "SELECT count(*) FROM assets WHERE customer_id = $c")
	reqs=$(sqlite3 "$DB" "SELECT count(*) FROM tickets WHERE customer_id = $c")
	kb=$(($(wc -c <"$DIR/nginx/www/overview-$c.json") / 1024))
	set -- $(latency "https://localhost:$PORT/v1/customers/$c/overview")
	p50=$1 p99=$2
	set -- $(latency "https://localhost:$NGINX_PORT/overview-$c.json")
	ratio=$(awk -v a="$p50" -v b="$1" 'BEGIN { printf "%.1f", a / b }')
	echo "| C-$units | $units | $reqs | $kb | $p50 | $p99 | $1 | $ratio |"
done
echo
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
