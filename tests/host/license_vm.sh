#!/bin/bash
# License transfer between two devices in the test VM, with the module's
# NVRAM: the vendor's irsend-lms runs here on the host, the devices in
# the guest (tests/lib/license_guest.sh), each on its own disk image.
# Boot 1: device A is provisioned, SEND and HDCLR registered (pending,
# then active after the agent restarts), survive a module reload and a
# random erase, and SEND is invalidated with a certificate; device B is
# provisioned. Here the LMS turns the certificate into a key for B.
# Boot 2: A still has HDCLR and not SEND after the reboot and refuses its
# old key and B's; B refuses A's key and takes its own. Two VM boots.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
lms=$PWD/build/bin/irsend-lms
[ -x "$lms" ] || {
	echo "1..0 # SKIP $lms is not built: run make all"
	exit 0
}
# Shared with the guest, which has its own /tmp: under build/.
mkdir -p build/vm
s=$(mktemp -d "$PWD/build/vm/license.XXXXXX")
trap 'rm -rf "$s"' EXIT
chmod 0777 "$s"
export IRSEND_LMS_DIR=$s/lms
truncate -s 64M "$s/a.img" "$s/b.img"
disks=(--disk "$s/a.img" --disk "$s/b.img")

phase1=(
	"A: provisioned from the LMS record"
	"A: SEND and HDCLR registered, pending"
	"A: pending SEND does not open e-mail"
	"A: pending HDCLR does not allow a random erase"
	"A: active after the agent restarts"
	"A: e-mail accepted with SEND"
	"A: licenses survive a module reload"
	"A: HDCLR allows the random erase"
	"A: licenses survive the erase (and the agent making a new file system)"
	"A: invalidate SEND prints a certificate"
	"A: SEND is off at once"
	"B: provisioned"
	"B: no HDCLR, no random erase"
)
phase2=(
	"A after a VM reboot: SEND off, HDCLR active, the certificate listed"
	"A: the invalidated key is refused"
	"A: the transferred key (for B) is refused"
	"A: still no e-mail"
	"A: nvram get softid|license decode the records"
	"B: A's key is refused"
	"B: the transferred key registers"
	"B: SEND active after the restart, HDCLR not"
	"B: e-mail accepted"
	"B: nvram get softid shows SEND active with the transferred key's sequence"
)
tap_plan $((${#phase1[@]} + ${#phase2[@]} + 4))

# report OUTPUT NAME...: one TAP line per expected guest check.
report() {
	local out=$1 name line
	shift
	for name in "$@"; do
		line=$(grep -F -m1 -e "PASS $name" -e "FAIL $name:" <<<"$out")
		case "$line" in
		"PASS $name") tap_ok "$name" ;;
		FAIL*) tap_fail "$name" "${line#FAIL }" ;;
		*) tap_fail "$name" "the guest did not get there" ;;
		esac
	done
}

# key OPTION SERIAL: a key from a new access number.
key() {
	"$lms" issue --access-number "$("$lms" access-number new --option "$1")" --serial "$2"
}
"$lms" init >/dev/null 2>&1 &&
	"$lms" provision --serial IRS-VM-A --out "$s/provA.txt" >/dev/null 2>&1 &&
	"$lms" provision --serial IRS-VM-B --out "$s/provB.txt" >/dev/null 2>&1 &&
	key SEND IRS-VM-A >"$s/keyA_SEND" && key HDCLR IRS-VM-A >"$s/keyA_HDCLR"
chmod 0644 "$s"/*.txt "$s"/key*

out=$(scripts/vm-run "${disks[@]}" --share "$s" --log "$s/boot1.log" --timeout 600 -- \
	bash tests/lib/license_guest.sh 1 "$s" 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q '^DONE 1$' <<<"$out"; then
	tap_ok "boot 1 ran to the end, no kernel warning"
else
	tap_fail "boot 1 ran to the end, no kernel warning" "vm-run exit $rc" "$(tail -5 <<<"$out")"
fi
report "$out" "${phase1[@]}"

out=$("$lms" transfer --certificate "$(cat "$s/certA" 2>/dev/null)" --from IRS-VM-A --to IRS-VM-B 2>&1)
if grep -Eq '^[0-9]{4}(-[0-9]{4}){5}$' <<<"$out"; then
	tail -1 <<<"$out" >"$s/keyB"
	tap_ok "the LMS verifies A's certificate and issues a key for B"
else
	tap_fail "the LMS verifies A's certificate and issues a key for B" "$out"
	: >"$s/keyB"
fi
chmod 0644 "$s/keyB"
out=$("$lms" transfer --certificate "$(cat "$s/certA" 2>/dev/null)" --from IRS-VM-A --to IRS-VM-C 2>&1)
if grep -q 'already' <<<"$out"; then
	tap_ok "the LMS refuses the same certificate for a third device"
else
	tap_fail "the LMS refuses the same certificate for a third device" "$out"
fi

out=$(scripts/vm-run "${disks[@]}" --share "$s" --log "$s/boot2.log" --timeout 600 -- \
	bash tests/lib/license_guest.sh 2 "$s" 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q '^DONE 2$' <<<"$out"; then
	tap_ok "boot 2 ran to the end, no kernel warning"
else
	tap_fail "boot 2 ran to the end, no kernel warning" "vm-run exit $rc" "$(tail -5 <<<"$out")"
fi
report "$out" "${phase2[@]}"
tap_done
