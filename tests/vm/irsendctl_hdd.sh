#!/bin/bash
# The operator's story with irsendctl hdd, nvram and erase on the scratch
# disk $IRSEND_TEST_DATA: partition and attach it, set the serial, erase the
# data partition with verification and progress lines, read the certificate,
# and check the refusals. Leaves the disk detached and without partitions.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
ctl=$PWD/build/bin/irsendctl
disk=${IRSEND_TEST_DATA:-/dev/vdb}
d=$(mktemp -d)
cleanup() {
	umount "$d/mnt" 2>/dev/null
	$ctl hdd detach >/dev/null 2>&1
	wipefs -qa "$disk" >/dev/null 2>&1
	blockdev --rereadpt "$disk" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT
# name OUT_VAR_PREFIX: run irsendctl, keep stdout+stderr and the status.
run() {
	out=$("$ctl" "$@" 2>&1)
	rc=$?
}
serial=IRS-TEST-0001

tap_plan 18

# An earlier test may have left a disk attached.
$ctl hdd detach >/dev/null 2>&1

run hdd format "$disk"
if [ $rc -eq 2 ] && grep -q 'destroys every partition' <<<"$out" && grep -q -- '--yes' <<<"$out" &&
	[ ! -e "${disk}1" ]; then
	tap_ok "hdd format without --yes explains and touches nothing (exit 2)"
else
	tap_fail "hdd format without --yes explains and touches nothing (exit 2)" "exit $rc" "$out"
fi

run hdd format "$disk" --yes
if [ $rc -eq 0 ] && [ -b "${disk}1" ] && [ -b "${disk}2" ] &&
	grep -q "attached: NVRAM ${disk}1, data ${disk}2" <<<"$out" &&
	[ "$(blkid -s PARTLABEL -o value "${disk}1")" = irsend-nvram ] &&
	[ "$(blkid -s PARTLABEL -o value "${disk}2")" = irsend-data ] &&
	[ "$(blockdev --getsize64 "${disk}1")" -eq 1048576 ]; then
	tap_ok "hdd format --yes: GPT, 1 MiB irsend-nvram and irsend-data, attached"
else
	tap_fail "hdd format --yes: GPT, 1 MiB irsend-nvram and irsend-data, attached" "exit $rc" \
		"$out" "$(blkid "${disk}"* 2>&1)"
fi

run hdd info --json
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["attached"] == 1 and d["nvram_path"].endswith("1") and d["data_path"].endswith("2"), d
assert d["nvram_bytes"] == 1 << 20 and d["data_bytes"] > 60 << 20, d
' "$out" && tap_ok "hdd info --json shows both partitions" ||
	tap_fail "hdd info --json shows both partitions" "$out"

run nvram set serial "$serial"
out2=$("$ctl" nvram get serial 2>&1)
[ $rc -eq 0 ] && [ "$out2" = "$serial" ] && tap_ok "nvram set serial, get serial" ||
	tap_fail "nvram set serial, get serial" "exit $rc" "$out" "$out2"

run nvram set serial OTHER-2
[ $rc -eq 1 ] && grep -q -- '--force' <<<"$out" && [ "$("$ctl" nvram get serial)" = "$serial" ] &&
	tap_ok "a second serial is refused without --force" ||
	tap_fail "a second serial is refused without --force" "exit $rc" "$out"

run nvram set device-key 00112233
[ $rc -eq 1 ] && grep -q 'only the serial' <<<"$out" &&
	tap_ok "nvram set of anything but the serial is refused" ||
	tap_fail "nvram set of anything but the serial is refused" "exit $rc" "$out"

# A device key as the factory would provision it; its bytes must never show.
python3 -c '
import sys; sys.path.insert(0, "tests/lib")
import irsend_ioctl as io
io.nvram_set(io.open_dev(), 8, bytes.fromhex("c0ffee42" * 8))
'
run nvram dump
json=$("$ctl" nvram dump --json 2>&1)
if [ $rc -eq 0 ] && grep -q '^device-key .*set (32 bytes)' <<<"$out" &&
	grep -q "^serial .*$serial" <<<"$out" &&
	! grep -qi 'c0 *ff *ee' <<<"$out$json" && ! grep -qi 'c0ffee' <<<"$out$json" &&
	python3 -c 'import json,sys; r=json.loads(sys.argv[1])["records"]; assert r[7]["value"] == "set"' "$json"; then
	tap_ok "nvram dump shows the device key only as set (32 bytes)"
else
	tap_fail "nvram dump shows the device key only as set (32 bytes)" "exit $rc" "$out" "$json"
fi

mkdir -p "$d/mnt"
mkfs.ext2 -q "${disk}2" && mount "${disk}2" "$d/mnt"
run erase --mode zero1 --yes
umount "$d/mnt"
[ $rc -eq 1 ] && grep -q 'mounted or in use' <<<"$out" &&
	tap_ok "erase refused while the data partition is mounted" ||
	tap_fail "erase refused while the data partition is mounted" "exit $rc" "$out"

run erase --mode zero1
[ $rc -eq 2 ] && grep -q 'not started' <<<"$out" && grep -q 'NVRAM' <<<"$out" &&
	grep -q 'cannot be stopped' <<<"$out" && grep -q 'off the network' <<<"$out" &&
	[ "$("$ctl" erase status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = idle ] &&
	tap_ok "erase without --yes explains and starts nothing (exit 2)" ||
	tap_fail "erase without --yes explains and starts nothing (exit 2)" "exit $rc" "$out"

# The random modes are the HDCLR option's (tests/host/license_vm.sh has them licensed).
run erase --mode random3 --yes
[ $rc -eq 1 ] && grep -q 'needs the HDCLR option, which is not active' <<<"$out" &&
	[ "$("$ctl" erase status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = idle ] &&
	tap_ok "erase --mode random3 without HDCLR: refused, nothing started" ||
	tap_fail "erase --mode random3 without HDCLR: refused, nothing started" "exit $rc" "$out"

# Throttled so that the progress lines have something to show.
run erase --mode zero1 --verify --max-mbps 40 --yes
[ -n "${IRSEND_TEST_VERBOSE:-}" ] && sed 's/^/# /' <<<"$out"
if [ $rc -eq 0 ] && grep -q '^erase: pass 1 of 1:  *[0-9]*%, .* MB/s, ETA' <<<"$out" &&
	grep -q '^erase: verify: ' <<<"$out" && [ "$(grep -c '^erase: pass 1 of 1: ' <<<"$out")" -ge 3 ] &&
	grep -q '^erase done: ' <<<"$out" && grep -q '^verification: passed$' <<<"$out"; then
	tap_ok "erase --mode zero1 --verify --yes: progress lines per 10%, done, verified"
else
	tap_fail "erase --mode zero1 --verify --yes: progress lines per 10%, done, verified" \
		"exit $rc" "$out"
fi

# The data partition is zeros now: the ext2 superblock (magic 0xef53 at
# byte 1080) is gone. Read past the page cache: see the report on stale cache.
magic=$(dd if="${disk}2" bs=4096 count=1 iflag=direct 2>/dev/null | od -An -tx1 -j1080 -N2 | tr -d ' ')
[ "$magic" != 53ef ] && tap_ok "the data partition no longer has the ext2 superblock" ||
	tap_fail "the data partition no longer has the ext2 superblock" "magic $magic"

run erase report
if [ $rc -eq 0 ] && grep -q "^serial: $serial$" <<<"$out" && grep -q '^verification: passed$' <<<"$out" &&
	grep -q "^data device: ${disk}2$" <<<"$out" && grep -q '^method: Clear: overwrite, zeros' <<<"$out" &&
	grep -q '^started: 20..-..-..T..:..:..Z$' <<<"$out" && grep -q '"Purge"' <<<"$out"; then
	tap_ok "erase report: serial, device, method, verification passed, UTC times, Clear not Purge"
else
	tap_fail "erase report: serial, device, method, verification passed, UTC times, Clear not Purge" \
		"exit $rc" "$out"
fi

[ "$("$ctl" nvram get serial 2>&1)" = "$serial" ] && tap_ok "the serial survives the erase" ||
	tap_fail "the serial survives the erase" "$("$ctl" nvram get serial 2>&1)"

run erase report --history --json
python3 -c '
import json, sys
h = json.loads(sys.argv[1])
assert len(h) == 1, h
assert h[0]["serial"] == sys.argv[2] and h[0]["verification"] == "passed", h
' "$out" "$serial" && tap_ok "erase history in NVRAM holds the certificate once" ||
	tap_fail "erase history in NVRAM holds the certificate once" "$out"

# Detach and attach again: from the whole disk, and the NVRAM comes back.
$ctl hdd detach >/dev/null 2>&1
run hdd attach "$disk"
[ $rc -eq 0 ] && [ "$("$ctl" nvram get serial 2>&1)" = "$serial" ] &&
	"$ctl" erase report --history | grep -q "^serial: $serial$" &&
	tap_ok "hdd detach, hdd attach DISK: serial and history are still there" ||
	tap_fail "hdd detach, hdd attach DISK: serial and history are still there" "exit $rc" "$out"

$ctl hdd detach >/dev/null 2>&1
# The data partition as NVRAM: random bytes, no irsend superblock.
run hdd attach "${disk}2" "${disk}1"
[ $rc -eq 1 ] && grep -q "not formatted for irsend: run 'irsendctl hdd format'" <<<"$out" &&
	tap_ok "attaching an unformatted NVRAM says to run hdd format" ||
	tap_fail "attaching an unformatted NVRAM says to run hdd format" "exit $rc" "$out"

# A fresh NVRAM has had no erase: the module's last status is not its.
"$ctl" hdd format "$disk" --yes >/dev/null 2>&1
run erase report
st=$("$ctl" erase status 2>&1)
[ $rc -eq 1 ] && grep -q 'no erase to report' <<<"$out" && grep -q '^state: idle' <<<"$st" &&
	tap_ok "after a new format, no certificate of the old disk's erase" ||
	tap_fail "after a new format, no certificate of the old disk's erase" "exit $rc" "$out" "$st"
tap_done
