#!/bin/sh
# Runs fuzz harnesses for a bounded time each: sh tests/fuzz/run.sh
# BUILD_DIR SECONDS NAME... (what `make fuzz` calls). Each runs on a copy
# of tests/fuzz/corpus/NAME/ in BUILD_DIR/corpus/NAME/ (the seeds stay
# small; what a run finds stays in the build folder), with its dictionary
# tests/fuzz/NAME.dict when there is one. Crashes are written to
# BUILD_DIR/crashes/NAME/ (emptied first); the script prints each harness's executions and
# ends non-zero when any harness found one.
set -u

build=$1
seconds=$2
shift 2
failed=""

for name in "$@"; do
	bin=$build/fuzz_$name
	work=$build/corpus/$name
	crashes=$build/crashes/$name
	log=$build/logs/$name.log
	rm -rf "$crashes"
	mkdir -p "$work" "$crashes" "$build/logs"
	[ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	printf 'fuzz %-10s %ss ... ' "$name" "$seconds"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 \
		-max_len=8192 -print_final_stats=1 -artifact_prefix="$crashes/" $dict \
		"$work" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "${runs:-?} executions, $cov, no crash"
	else
		echo "FAILED (exit $rc) after ${runs:-?} executions; see $log"
		ls "$crashes" 2>/dev/null | sed 's/^/    input: '"$(echo "$crashes" | sed 's/[\/&]/\\&/g')"'\//'
		grep -m 3 -E 'ERROR|fuzz(_[a-z0-9]+)?: |runtime error' "$log" | sed 's/^/    /'
		failed="$failed $name"
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz: findings in:$failed"
	exit 1
fi
