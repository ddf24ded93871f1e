# Run TAP-producing test programs and count their results.
# run_program NAME TIMEOUT CMD...: runs CMD, shows its output as TAP
# comments, prints one top-level result line and adds the program's own
# test results to the totals.
run_passed=0
run_failed=0
run_skipped=0
run_programs=0

run_program() {
	local name=$1 limit=$2 out rc pass fail skip
	shift 2
	out=$(mktemp)
	timeout --kill-after=10 "$limit" "$@" >"$out" 2>&1
	rc=$?
	sed 's/^/# /' "$out"
	pass=$(grep -E '^ok [0-9]+' "$out" | grep -vc '# SKIP')
	skip=$(grep -E '^ok [0-9]+' "$out" | grep -c '# SKIP')
	fail=$(grep -cE '^not ok [0-9]+' "$out")
	rm -f "$out"
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "# $name: timed out after ${limit}s"
		fail=$((fail + 1))
	elif [ $rc -eq 4 ] && [ $((pass + fail + skip)) -eq 0 ]; then
		skip=1
	elif [ $rc -ne 0 ] && [ "$fail" -eq 0 ]; then
		echo "# $name: exited with status $rc without reporting a failed test"
		fail=1
	fi
	run_programs=$((run_programs + 1))
	run_passed=$((run_passed + pass))
	run_failed=$((run_failed + fail))
	run_skipped=$((run_skipped + skip))
	if [ "$fail" -gt 0 ]; then
		echo "not ok $run_programs $name"
	elif [ "$pass" -eq 0 ] && [ "$skip" -gt 0 ]; then
		echo "ok $run_programs $name # SKIP"
	else
		echo "ok $run_programs $name"
	fi
}

# "N passed, N failed" with ", N skipped" only when something skipped.
run_summary() {
	local s="$run_passed passed, $run_failed failed"
	[ "$run_skipped" -gt 0 ] && s="$s, $run_skipped skipped"
	echo "$s"
}
