# Minimal TAP producer for shell tests: source it, call tap_plan N, then
# tap_ok / tap_fail / tap_skip / tap_check, and end with tap_done.
tap_n=0
tap_failed=0

tap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $1"
}

tap_fail() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n $1"
	shift
	for line in "$@"; do echo "# $line"; done
}

tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $1 # SKIP $2"
}

# tap_check NAME CMD...: ok when CMD succeeds; its output is shown on failure.
tap_check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$name"
	else
		tap_fail "$name" "command failed: $*" "$out"
	fi
}

tap_done() {
	[ "$tap_failed" -eq 0 ]
	exit $?
}
