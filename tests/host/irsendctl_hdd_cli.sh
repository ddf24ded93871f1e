#!/bin/bash
# irsendctl hdd, nvram and erase without the module: help texts, usage
# errors, refusals that come before the device is opened, and the
# "module not loaded" message.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
ctl=build/bin/irsendctl
nodev=/nonexistent/irsend

# expect NAME STATUS PATTERN ARGS...: irsendctl ARGS exits STATUS and its
# output (stdout and stderr) matches the extended regex PATTERN.
expect() {
	local name=$1 status=$2 pattern=$3 out rc
	shift 3
	out=$("$ctl" --device "$nodev" "$@" 2>&1)
	rc=$?
	if [ $rc -eq "$status" ] && grep -Eq -- "$pattern" <<<"$out"; then
		tap_ok "$name"
	else
		tap_fail "$name" "expected exit $status and /$pattern/, got exit $rc:" "$out"
	fi
}

tap_plan 30

out=$($ctl --help)
grep -q '^  hdd ' <<<"$out" && grep -q '^  nvram ' <<<"$out" && grep -q '^  erase ' <<<"$out" &&
	tap_ok "irsendctl --help lists hdd, nvram and erase" ||
	tap_fail "irsendctl --help lists hdd, nvram and erase" "$out"

expect "hdd --help: usage, partitions and type GUIDs, exit status" 0 \
	'8DA63339-0007-60C0-C436-083AC8230908' hdd --help
expect "hdd format --help documents --yes" 0 'Exit status: 0 success, 1 .*' hdd format --help
expect "nvram --help: serial is set once, --force replaces" 0 'needs --force' nvram --help
expect "nvram --help: the device key is never printed" 0 'never read into this program' nvram --help
expect "erase --help: Clear, not Purge" 0 '"Purge" needs the drive' erase --help
expect "erase --help: Ctrl-C only stops watching" 0 'Ctrl-C only' erase --help

expect "hdd without subcommand: usage error" 2 'expected format, attach, detach or info' hdd
expect "hdd bogus subcommand: usage error" 2 "unknown subcommand 'bogus'" hdd bogus
expect "hdd format without DEVICE: usage error" 2 'format takes one whole-disk DEVICE' hdd format
expect "hdd attach with three devices: usage error" 2 'attach takes DISK' hdd attach a b c
expect "hdd detach with an argument: usage error" 2 'detach takes no arguments' hdd detach x
expect "hdd --yes outside format: usage error" 2 "--yes belongs to 'hdd format'" hdd info --yes
expect "hdd format of a non-block device is refused" 1 '/dev/null: not a block device' \
	hdd format /dev/null --yes
expect "hdd info without the module: no such device" 1 'no such device.*not loaded' hdd info
expect "hdd detach without the module: no such device" 1 'no such device' hdd detach

expect "nvram without subcommand: usage error" 2 'expected dump, get, set or provision' nvram
expect "nvram get of an unknown record: usage error" 2 "unknown record 'bogus'" nvram get bogus
expect "nvram set of the device key is refused before anything" 1 \
	'device-key cannot be set here: provisioned once by the factory; only the serial' \
	nvram set device-key 00
expect "nvram set of a serial with a space: usage error" 2 'printable ASCII' \
	nvram set serial 'A B'
expect "nvram set of a 32-character serial: usage error" 2 'expected 1..31' \
	nvram set serial 0123456789abcdef0123456789abcdef
expect "nvram dump without the module: no such device" 1 'no such device' nvram dump
expect "nvram set serial without the module: no such device" 1 'no such device' \
	nvram set serial IRS-1

expect "erase without --mode: usage error" 2 '--mode is required' erase
expect "erase --mode bogus: usage error" 2 'expected zero1, random1 or random3' erase --mode bogus
expect "erase --max-mbps 0: usage error" 2 'expected 1..100000' erase --mode zero1 --max-mbps 0
expect "erase without --yes: explains and refuses (exit 2)" 2 \
	'cannot be stopped' erase --mode zero1
expect "erase status with start options: usage error" 2 "'status' takes none" \
	erase status --verify
expect "erase --history outside report: usage error" 2 "--history belongs to 'erase report'" \
	erase status --history
expect "erase --yes without the module: no such device" 1 'no such device' \
	erase --mode random1 --yes
tap_done
