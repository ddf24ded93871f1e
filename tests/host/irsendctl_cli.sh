#!/bin/bash
# irsendctl on a machine without the module: help, usage errors and the
# "module not loaded" message.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
ctl=build/bin/irsendctl

tap_plan 6

out=$($ctl --device /nonexistent/irsend info 2>&1)
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q 'not loaded' <<<"$out" &&
	grep -q 'insmod kmod/irsend.ko' <<<"$out"; then
	tap_ok "without the module: one line saying how to load it, exit 1"
else
	tap_fail "without the module: one line saying how to load it, exit 1" "exit $rc: $out"
fi

out=$(IRSEND_DEVICE=/nonexistent/irsend $ctl info --json 2>/dev/null)
rc=$?
[ $rc -eq 1 ] && [ -z "$out" ] && tap_ok "--json failure prints nothing on stdout" ||
	tap_fail "--json failure prints nothing on stdout" "exit $rc: $out"

out=$($ctl --help)
rc=$?
if [ $rc -eq 0 ] && grep -q '^Usage: irsendctl' <<<"$out" && grep -q '^  info ' <<<"$out" &&
	grep -q 'Exit status' <<<"$out"; then
	tap_ok "--help documents usage, commands and exit status"
else
	tap_fail "--help documents usage, commands and exit status" "$out"
fi

$ctl >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && tap_ok "no command: usage, exit 2" || tap_fail "no command: usage, exit 2" "exit $rc"

out=$($ctl --bogus info 2>&1)
rc=$?
[ $rc -eq 2 ] && grep -q "unknown option '--bogus'" <<<"$out" &&
	tap_ok "unknown option named in the error, exit 2" ||
	tap_fail "unknown option named in the error, exit 2" "exit $rc: $out"

out=$($ctl info --device 2>&1)
rc=$?
[ $rc -eq 2 ] && grep -q 'needs a path' <<<"$out" &&
	tap_ok "--device without a path is a usage error" ||
	tap_fail "--device without a path is a usage error" "exit $rc: $out"
tap_done
