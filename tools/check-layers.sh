#!/bin/sh
# The layer rule, checked (make test runs it; README "Architecture").
#
#   1. Includes: a file under server/<layer>/ (or include/<layer>/) may
#      include headers of its own layer and of the layers below it only:
#        core < lib < db < domain < api < http;  jobs, cli, demo sit
#      beside http (they call domain and below, never api or each other);
#      server/main.c and server/app.c may include anything.
#   2. Calls: the same rule over the symbols each object file calls in
#      another (nm on the build's objects), so a call through a
#      declaration written by hand cannot hide an upward dependency.
#   3. No circle of files: the graph of cross-file calls, with each file
#      a node, has no cycle.
# Usage: tools/check-layers.sh BUILD_DIR (the objects of a finished build).
# Prints one line per breach and fails; `make test` runs it.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."

rank() {
	case $1 in
	core) echo 0 ;; lib) echo 1 ;; db) echo 2 ;; domain) echo 3 ;; api) echo 4 ;;
	http | jobs | cli | demo) echo 5 ;; app) echo 6 ;; *) echo 9 ;;
	esac
}
# May a file of layer $1 use layer $2?
allowed() {
	[ "$1" = "$2" ] && return 0
	[ "$1" = app ] && return 0
	case $1 in jobs | cli | demo) [ "$2" = api ] && return 1 ;; esac
	[ "$(rank "$2")" -lt "$(rank "$1")" ]
}
layer_of() { # server/api/x.c, include/api/x.h, build/server/api/x.o -> api
	p=${1#"$build"/}
	case $p in
	server/*/*) p=${p#server/} ;;
	include/*/*) p=${p#include/} ;;
	server/*) echo app; return ;;
	*) echo none; return ;;
	esac
	echo "${p%%/*}"
}

bad=0
# 1. includes
for f in $(find server include -name '*.c' -o -name '*.h' | grep -v '^server/console/'); do
	from=$(layer_of "$f")
	for h in $(sed -n 's/^#include "\([a-z_]*\/[a-z_0-9]*\.h\)".*/\1/p' "$f"); do
		to=${h%%/*}
		if ! allowed "$from" "$to"; then
			echo "layers: $f ($from) includes $h ($to)"
			bad=1
		fi
	done
	# A private header of another folder (server/http/http_internal.h).
	if grep -q '^#include "http_internal.h"' "$f" && [ "$from" != http ]; then
		echo "layers: $f ($from) includes http's private http_internal.h"
		bad=1
	fi
done

# 2. and 3. calls between object files
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The objects of today's sources only (a moved file leaves its old object).
objs=$(find server -name '*.c' ! -path 'server/console/*' | sort | sed "s#^\(.*\)\.c\$#$build/\1.o#")
for o in $objs; do
	nm -g --defined-only "$o" | awk -v f="$o" '$2 ~ /^[TDRBC]$/ { print $3, f }'
done | sort >"$tmp/defs"
for o in $objs; do
	nm -u "$o" | awk -v f="$o" '{ print $2, f }'
done | sort >"$tmp/uses"
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 { print $2, $3, $1 }' | sort -u >"$tmp/calls"
while read -r from to sym; do
	lf=$(layer_of "$from")
	lt=$(layer_of "$to")
	if ! allowed "$lf" "$lt"; then
		echo "layers: ${from#"$build"/} ($lf) calls $sym in ${to#"$build"/} ($lt)"
		bad=1
	fi
done <"$tmp/calls"
# tsort reports a cycle on stderr ("input contains a loop").
awk '{ print $1, $2 }' "$tmp/calls" | sort -u | sed "s#$build/##g" >"$tmp/edges"
if ! tsort "$tmp/edges" >/dev/null 2>"$tmp/loops"; then
	grep -v 'input contains a loop' "$tmp/loops" | sed 's/^tsort: //' | sort -u |
		sed 's/^/layers: in a circle of calls: /'
	bad=1
fi
[ $bad -eq 0 ] && echo "layers: ok ($(wc -l <"$tmp/edges") file-to-file call pairs, all downward, no circle)"
exit $bad
