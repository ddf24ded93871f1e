#!/bin/bash
# irsendctl info against the loaded module, human and JSON output.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
ctl=build/bin/irsendctl

tap_plan 7

out=$($ctl info 2>&1)
if [ $? -eq 0 ] && grep -q '^ABI version: *1$' <<<"$out" &&
	grep -q "^Kernel: *$(uname -r)$" <<<"$out" && grep -q '^Capabilities: .*info' <<<"$out"; then
	tap_ok "info prints ABI version, kernel and capabilities"
else
	tap_fail "info prints ABI version, kernel and capabilities" "$out"
fi

# json_ok ARGS...: irsendctl ARGS prints JSON with this device's values.
json_ok() {
	$ctl "$@" | python3 -c '
import json, os, sys
d = json.load(sys.stdin)
assert d["abi_version"] == 1, d
assert d["kernel_release"] == os.uname().release, d
assert "info" in d["caps"] and d["caps_mask"] & 1, d
assert d["build_id"].startswith("0."), d
'
}
tap_check "info --json is valid JSON with the device's values" json_ok info --json
tap_check "--json before the command means the same" json_ok --json info

$ctl info extra >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && tap_ok "extra argument is a usage error (exit 2)" ||
	tap_fail "extra argument is a usage error (exit 2)" "exit $rc"

$ctl frobnicate >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && tap_ok "unknown command is a usage error (exit 2)" ||
	tap_fail "unknown command is a usage error (exit 2)" "exit $rc"

out=$(setpriv --reuid=65534 --regid=65534 --clear-groups $ctl info 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q 'permission denied' <<<"$out" && [ "$(wc -l <<<"$out")" -eq 1 ]; then
	tap_ok "unprivileged user gets one line saying permission denied"
else
	tap_fail "unprivileged user gets one line saying permission denied" "exit $rc: $out"
fi

out=$(IRSEND_DEVICE=/dev/null $ctl info 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q 'is this the irsend' <<<"$out"; then
	tap_ok "a device that is not irsend is reported as such"
else
	tap_fail "a device that is not irsend is reported as such" "exit $rc: $out"
fi
tap_done
