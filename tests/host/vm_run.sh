#!/bin/bash
# scripts/vm-run itself: exit status pass-through, kernel-log failure,
# hung-guest timeout and option errors. Each case is one short boot.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tap_plan 5

scripts/vm-run --no-module --log "$tmp/c1" -- sh -c 'exit 3' >/dev/null 2>&1
rc=$?
[ $rc -eq 3 ] && tap_ok "the command's exit status 3 comes back" ||
	tap_fail "the command's exit status 3 comes back" "exit $rc" "$(tail -n 5 "$tmp/c1")"

out=$(scripts/vm-run --no-module --log "$tmp/c2" -- \
	sh -c 'echo "WARNING: CPU: 0 PID: 1 at injected-by-test" >/dev/kmsg' 2>&1)
rc=$?
if [ $rc -eq 120 ] && grep -q 'injected-by-test' <<<"$out"; then
	tap_ok "a WARNING in the guest kernel log fails the run (120) and is shown"
else
	tap_fail "a WARNING in the guest kernel log fails the run (120) and is shown" "exit $rc: $out"
fi

start=$SECONDS
out=$(scripts/vm-run --no-module --timeout 8 --log "$tmp/c3" -- sleep 600 2>&1)
rc=$?
took=$((SECONDS - start))
if [ $rc -eq 124 ] && grep -q 'did not finish within 8s' <<<"$out" && [ $took -lt 60 ]; then
	tap_ok "a hung guest is killed at the timeout with a clear message (${took}s)"
else
	tap_fail "a hung guest is killed at the timeout with a clear message" "exit $rc after ${took}s: $out"
fi

out=$(scripts/vm-run --bogus -- true 2>&1)
rc=$?
[ $rc -eq 125 ] && grep -q "unknown option '--bogus'" <<<"$out" &&
	tap_ok "unknown option: exit 125 with the option named" ||
	tap_fail "unknown option: exit 125 with the option named" "exit $rc: $out"

out=$(scripts/vm-run --disk /nonexistent.img -- true 2>&1)
rc=$?
[ $rc -eq 125 ] && grep -q 'no disk image' <<<"$out" &&
	tap_ok "missing disk image: exit 125 before booting" ||
	tap_fail "missing disk image: exit 125 before booting" "exit $rc: $out"
tap_done
