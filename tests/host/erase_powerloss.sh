#!/bin/bash
# Power loss in the middle of an erase: the guest is cut off (sysrq reboot,
# no sync) after the first NVRAM checkpoint; the next boot attaches the
# same disks, the erase resumes by itself and ends verified. Also covers
# the checkpoint surviving a reboot. Two VM boots.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
truncate -s 1M "$tmp/nvram.img"
truncate -s 64M "$tmp/data.img"
disks=(--disk "$tmp/nvram.img" --disk "$tmp/data.img")

tap_plan 5

# Boot 1: format, record a serial, start random x1 + verify at 8 MB/s and
# pull the plug after 20 MiB (one checkpoint every 16 MiB).
out=$(scripts/vm-run "${disks[@]}" --log "$tmp/boot1.log" --timeout 300 -- python3 -c '
import os, sys
sys.path.insert(0, "tests/lib")
import irsend_ioctl as io
fd = io.open_dev()
io.attach(fd, "/dev/vda", "/dev/vdb", fmt=True)
io.nvram_set(fd, 1, b"REBOOT-SERIAL-42")
io.erase_start(fd, mode=2, flags=1, max_mbps=8)
st = io.wait_until(fd, lambda s: s["bytes_done"] > 20 << 20, 60)
print("cut at", st["bytes_done"], flush=True)
os.system("echo b > /proc/sysrq-trigger")
' 2>&1)
rc=$?
if [ $rc -eq 125 ] && grep -q 'cut at' <<<"$out"; then
	tap_ok "boot 1: erase started, guest cut off mid-pass"
else
	tap_fail "boot 1: erase started, guest cut off mid-pass" "exit $rc" "$out"
fi

# Boot 2: attaching resumes the erase, which ends verified.
out=$(scripts/vm-run "${disks[@]}" --log "$tmp/boot2.log" --timeout 300 -- python3 -c '
import sys
sys.path.insert(0, "tests/lib")
import irsend_ioctl as io
fd = io.open_dev()
io.attach(fd, "/dev/vda", "/dev/vdb")
print("serial:", io.nvram_get(fd, 1).decode(), flush=True)
st = io.erase_status(fd)
print("after attach:", st["state"], st["resumed"], st["bytes_done"], flush=True)
st = io.wait_until(fd, lambda s: s["state"] != 1, 200)
print("final:", " ".join("%s=%d" % kv for kv in sorted(st.items())))
' 2>&1)
rc=$?
final="$(grep "^final:" <<<"$out") "
if [ $rc -eq 0 ] && grep -q '^after attach: 1 1 ' <<<"$out"; then
	tap_ok "boot 2: attach resumes the erase from its checkpoint"
else
	tap_fail "boot 2: attach resumes the erase from its checkpoint" "exit $rc" "$out"
fi
if grep -q ' state=2 ' <<<"$final" && grep -q ' verify_result=1 ' <<<"$final" &&
	grep -q ' resumed=1 ' <<<"$final"; then
	tap_ok "the resumed erase ends done and verified"
else
	tap_fail "the resumed erase ends done and verified" "$final"
fi
if grep -q '^serial: REBOOT-SERIAL-42$' <<<"$out"; then
	tap_ok "an NVRAM record written before the power cut reads back after reboot"
else
	tap_fail "an NVRAM record written before the power cut reads back after reboot" "$out"
fi
if grep -q 'resuming the erase cut short' "$tmp/boot2.log"; then
	tap_ok "the kernel log says it resumed"
else
	tap_fail "the kernel log says it resumed"
fi
tap_done
