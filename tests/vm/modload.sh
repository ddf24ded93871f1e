#!/bin/bash
# Load/unload cycles of irsend.ko with the device used in between; the
# kernel log must stay free of warnings. vm-run has loaded the module; this
# test leaves it loaded.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
ko=kmod/irsend.ko
bad='BUG:|WARNING:|Oops|general protection|refcount_t:|list_(add|del) corruption'
cycles=50

tap_plan 8
bad_before=$(dmesg | grep -cE "$bad")

exec 3<>/dev/irsend
if rmmod irsend 2>/dev/null; then
	tap_fail "rmmod is refused while /dev/irsend is open"
	insmod $ko
else
	tap_ok "rmmod is refused while /dev/irsend is open"
fi
exec 3>&-

refs=$(awk '$1 == "irsend" { print $3 }' /proc/modules)
if [ "$refs" = 0 ]; then
	tap_ok "closing the device drops the module reference"
else
	tap_fail "closing the device drops the module reference" "refcount $refs"
fi

err=""
for i in $(seq $cycles); do
	rmmod irsend || { err="rmmod failed in cycle $i"; break; }
	[ -e /dev/irsend ] && { err="/dev/irsend still there after rmmod (cycle $i)"; break; }
	insmod $ko || { err="insmod failed in cycle $i"; break; }
	[ -c /dev/irsend ] || { err="no /dev/irsend after insmod (cycle $i)"; break; }
	{ exec 3<>/dev/irsend && exec 3>&-; } || { err="open failed in cycle $i"; break; }
	build/bin/irsendctl info >/dev/null || { err="irsendctl info failed in cycle $i"; break; }
done
if [ -z "$err" ]; then
	tap_ok "$cycles insmod/rmmod cycles with the device opened and closed"
else
	tap_fail "$cycles insmod/rmmod cycles with the device opened and closed" "$err"
	grep -q '^irsend ' /proc/modules || insmod $ko
fi

if grep -q '^irsend ' /proc/modules && [ -c /dev/irsend ]; then
	tap_ok "module loaded and device present after the cycles"
else
	tap_fail "module loaded and device present after the cycles"
fi

# Ring parameters are checked at load; a bad value refuses the load.
rmmod irsend
err=""
for args in ring_slots=3 ring_slots=2048 ring_slots=0 slot_kb=1 slot_kb=66 \
	slot_kb=16388 "ring_slots=1024 slot_kb=16384"; do
	# shellcheck disable=SC2086
	if insmod $ko $args 2>/dev/null; then
		err="$err '$args' was accepted;"
		rmmod irsend
	fi
done
[ -z "$err" ] && tap_ok "bad ring parameters refuse the load" ||
	tap_fail "bad ring parameters refuse the load" "$err"
if insmod $ko ring_slots=4 slot_kb=64 &&
	[ "$(cat /sys/module/irsend/parameters/ring_slots)" = 4 ]; then
	tap_ok "a small ring (4 x 64 KiB) loads"
else
	tap_fail "a small ring (4 x 64 KiB) loads"
fi
rmmod irsend
insmod $ko

# A second load of the same module is refused without side effects.
if insmod $ko 2>/dev/null; then
	tap_fail "a second insmod is refused"
else
	tap_ok "a second insmod is refused"
fi

bad_after=$(dmesg | grep -cE "$bad")
if [ "$bad_after" -eq "$bad_before" ]; then
	tap_ok "no kernel warning during the cycles"
else
	tap_fail "no kernel warning during the cycles" "$(dmesg | grep -E "$bad" | tail -n 5)"
fi
tap_done
