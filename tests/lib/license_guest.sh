#!/bin/bash
# The guest half of tests/host/license_vm.sh: two devices, each a whole
# disk (/dev/vda: device A, /dev/vdb: device B), used one at a time as
# the same board would use a swapped disk. Keys come from the host's
# irsend-lms through the shared directory $2; results go back as lines
# "PASS name" or "FAIL name: detail".
#
# Usage: tests/lib/license_guest.sh 1|2 SHARED_DIR
cd "$(dirname "$0")/../.." || exit 1
phase=$1 s=$2
ctl=$PWD/build/bin/irsendctl
agentd=$PWD/build/bin/irsendd
export IRSEND_SOCKET=/run/irsend/irsendd.sock
log=/tmp/irsendd.log
pid=

pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1: $(tr '\n' '|' <<<"$2" | cut -c1-600)"
}
# check NAME DETAIL CMD...: PASS when CMD succeeds.
check() {
	local name=$1 detail=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$detail"; fi
}

start_agent() {
	"$agentd" >>"$log" 2>&1 &
	pid=$!
	for _ in $(seq 150); do
		$ctl jobs >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
stop_agent() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pid=
	umount /var/lib/irsend 2>/dev/null
	return 0
}
# use_device DISK: the agent on that device's disk (whatever was attached before is let go).
use_device() {
	stop_agent
	$ctl hdd detach >/dev/null 2>&1
	$ctl hdd attach "$1" >/dev/null && start_agent
}
# state OPTION: "state running" from license list --json.
state() {
	$ctl license list --json 2>/dev/null | python3 -c '
import json, sys
for o in json.load(sys.stdin)["options"]:
    if o["option"] == sys.argv[1]:
        print(o["state"], o["running"])' "$1"
}
page() {
	echo "irsend license" | pbmtext >/tmp/page.pbm 2>/dev/null
	chmod 0644 /tmp/page.pbm
}
# mail_accepted: a send to an e-mail address is accepted (its delivery may fail).
mail_accepted() {
	local out
	out=$($ctl send --to a@example.com /tmp/page.pbm 2>&1)
	grep -q '^job [0-9]* accepted$' <<<"$out" && ! grep -q SEND <<<"$out"
}
mail_refused() {
	$ctl send --to a@example.com /tmp/page.pbm 2>&1 | grep -q 'need the SEND option'
}

trap stop_agent EXIT
id irsend >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin irsend
getent group irsend >/dev/null || groupadd --system irsend
page

if [ "$phase" = 1 ]; then
	$ctl hdd format /dev/vda --yes >/dev/null 2>&1
	out=$($ctl nvram provision "$s/provA.txt" 2>&1)
	check "A: provisioned from the LMS record" "$out" grep -q 'provisioned: serial IRS-VM-A' <<<"$out"
	start_agent || fail "A: start irsendd" "$(tail -5 $log)"
	out=$($ctl license register "$(cat "$s/keyA_SEND")" 2>&1; $ctl license register "$(cat "$s/keyA_HDCLR")" 2>&1)
	check "A: SEND and HDCLR registered, pending" "$out" \
		test "$(state SEND)/$(state HDCLR)" = "pending False/pending False"
	check "A: pending SEND does not open e-mail" "" mail_refused
	out=$($ctl erase --mode random1 --yes 2>&1)
	check "A: pending HDCLR does not allow a random erase" "$out" \
		grep -q 'registered and becomes active when irsendd next starts' <<<"$out"
	stop_agent && start_agent
	check "A: active after the agent restarts" "$($ctl license list 2>&1)" \
		test "$(state SEND)/$(state HDCLR)" = "active True/active True"
	check "A: e-mail accepted with SEND" "" mail_accepted

	stop_agent
	$ctl hdd detach >/dev/null
	rmmod irsend && insmod kmod/irsend.ko && $ctl hdd attach /dev/vda >/dev/null && start_agent
	check "A: licenses survive a module reload" "$($ctl license list 2>&1)" \
		test "$(state SEND)/$(state HDCLR)" = "active True/active True"

	stop_agent
	out=$($ctl erase --mode random1 --yes 2>&1)
	check "A: HDCLR allows the random erase" "$out" grep -q '^erase done' <<<"$out"
	start_agent
	check "A: licenses survive the erase (and the agent making a new file system)" \
		"$($ctl license list 2>&1)" test "$(state SEND)/$(state HDCLR)" = "active True/active True"

	out=$($ctl license invalidate SEND --yes 2>&1)
	sed -n 's/^Invalidation certificate: //p' <<<"$out" >"$s/certA"
	check "A: invalidate SEND prints a certificate" "$out" grep -Eq '^[0-9-]{29}$' "$s/certA"
	check "A: SEND is off at once" "" mail_refused

	stop_agent
	$ctl hdd detach >/dev/null
	$ctl hdd format /dev/vdb --yes >/dev/null 2>&1
	out=$($ctl nvram provision "$s/provB.txt" 2>&1)
	check "B: provisioned" "$out" grep -q 'provisioned: serial IRS-VM-B' <<<"$out"
	out=$($ctl erase --mode random3 --yes 2>&1)
	check "B: no HDCLR, no random erase" "$out" grep -q 'needs the HDCLR option, which is not active' <<<"$out"
	$ctl hdd detach >/dev/null
else
	use_device /dev/vda || fail "A: start irsendd after the reboot" "$(tail -5 $log)"
	out=$($ctl license list 2>&1)
	check "A after a VM reboot: SEND off, HDCLR active, the certificate listed" "$out" \
		test "$(state SEND)/$(state HDCLR)" = "off False/active True" -a \
		-n "$(grep -F "$(cat "$s/certA")" <<<"$out")"
	out=$($ctl license register "$(cat "$s/keyA_SEND")" 2>&1)
	check "A: the invalidated key is refused" "$out" grep -q 'was invalidated on this device' <<<"$out"
	out=$($ctl license register "$(cat "$s/keyB")" 2>&1)
	check "A: the transferred key (for B) is refused" "$out" grep -q 'not issued for this device' <<<"$out"
	check "A: still no e-mail" "" mail_refused
	out=$($ctl nvram get softid 2>&1; $ctl nvram get license 2>&1)
	check "A: nvram get softid|license decode the records" "$out" \
		test "$(head -1 <<<"$out")" = HDCLR=active/000002 -a \
		-n "$(grep -E '^1 invalidations, 1 wrong keys, locked until 0' <<<"$out")"

	use_device /dev/vdb || fail "B: start irsendd" "$(tail -5 $log)"
	out=$($ctl license register "$(cat "$s/keyA_SEND")" 2>&1)
	check "B: A's key is refused" "$out" grep -q 'The number of the license key is not correct' <<<"$out"
	out=$($ctl license register "$(cat "$s/keyB")" 2>&1)
	check "B: the transferred key registers" "$out" grep -q 'SEND is registered' <<<"$out"
	stop_agent && start_agent
	check "B: SEND active after the restart, HDCLR not" "$($ctl license list 2>&1)" \
		test "$(state SEND)/$(state HDCLR)" = "active True/off False"
	check "B: e-mail accepted" "" mail_accepted
	out=$($ctl nvram get softid 2>&1)
	check "B: nvram get softid shows SEND active with the transferred key's sequence" "$out" \
		test "$out" = "SEND=active/000001"
	stop_agent
	$ctl hdd detach >/dev/null
fi
echo "DONE $phase"
