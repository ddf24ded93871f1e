#!/bin/bash
# Licensing on an agent without the module (its NVRAM a directory), with
# keys from the real vendor tool, irsend-lms: the seed's two messages and
# the detail under them (letters, 23 and 25 digits, a typo, another
# device's key), keys typed with spaces, dashes or on stdin; pending until
# a restart, then active and SEND opens e-mail destinations; only root and
# the agent's user may register; invalidate prints a certificate that the
# LMS turns into a key for another device, SEND is off at once and the old
# key is dead for good; the persistent lock after wrong keys; provisioning
# records refused when malformed or for another serial; no key in the log.
# Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh

irsendd_need_root
for t in python3 pbmtext setpriv; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
tap_plan 37
work=$(mktemp -d)
trap 'irsendd_cleanup; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
export IRSEND_LMS_DIR=$work/lms
WRONG="The number of the license key is not correct. Check the license key."
lms() { "$IRSD_LMS" "$@"; }

# expect NAME STATUS PATTERN CMD...: CMD exits STATUS and its output matches PATTERN.
expect() {
	local name=$1 status=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq "$status" ] && grep -Eq -- "$pattern" <<<"$out"; then
		tap_ok "$name"
	else
		tap_fail "$name" "expected exit $status and /$pattern/, got exit $rc:" "$out"
	fi
}

# state OPTION: its state in license list --json.
state() {
	ctl license list --json | python3 -c '
import json, sys
for o in json.load(sys.stdin)["options"]:
    if o["option"] == sys.argv[1]:
        print(o["state"], o["running"])' "$1"
}

expect "license --help: usage, options, messages, exit status" 0 \
	'Usage: irsendctl license register KEY' "$IRSD_CTL" license --help
expect "license without a verb: usage error" 2 'Usage: irsendctl license' "$IRSD_CTL" license

# No NVRAM at all: the agent runs, says why, and refuses keys.
irsendd_start "$work" || {
	tap_fail "start irsendd"
	tap_done
}
expect "no NVRAM: list says licenses are unavailable" 0 'Licenses unavailable: no NVRAM' \
	ctl license list
expect "no NVRAM: register refused" 1 'cannot be registered: no NVRAM' \
	ctl license register 0100-0001-0000-0000-0000-0000
irsendd_stop

irsendd_provision "$work" && irsendd_start "$work" || {
	tap_fail "provision and start irsendd"
	tap_done
}
expect "provisioned: list shows the serial and every option off" 0 \
	"Serial number: $IRSD_SERIAL" ctl license list
key=$(irsendd_key SEND)
hdclr=$(irsendd_key HDCLR)
lms provision --serial IRS-OTHER-2 --out "$work/other.txt" >/dev/null 2>&1
n=$(lms access-number new --option SEND)
other=$(lms issue --access-number "$n" --serial IRS-OTHER-2)
digits=${key//-/}
typo=${digits:0:10}$(((${digits:10:1} + 1) % 10))${digits:11}

expect "letters: not correct, 24 digits expected" 1 "$WRONG"$'\n'".*24 digits" \
	ctl license register "${digits:0:20}ABCD"
expect "23 digits: not correct" 1 "24 digits" ctl license register "${digits:0:23}"
expect "25 digits: not correct" 1 "24 digits" ctl license register "${digits}7"
expect "one digit mistyped: not correct, the check digit says so" 1 \
	"$WRONG"$'\n'"A digit is mistyped or two neighbouring digits are swapped" \
	ctl license register "$typo"
expect "another device's key: not correct, not for this serial" 1 \
	"not issued for this device \\(serial $IRSD_SERIAL\\)" ctl license register "$other"
# shellcheck disable=SC2086
expect "a key typed in groups of digits (several arguments): registered, pending" 0 \
	'SEND is registered \(sequence [0-9]{6}\)\. It becomes active when irsendd next starts' \
	ctl license register ${key//-/ }
expect "the same key again: already enabled" 1 '^irsendctl license: The function has already been enabled' \
	ctl license register "$key"
if [ "$(state SEND)" = "pending False" ] &&
	ctl license list | grep -Eq '^SEND +pending +[0-9]{6} +no \(from the next start of irsendd\)'; then
	tap_ok "list: SEND pending, not in use until the next start"
else
	tap_fail "list: SEND pending, not in use until the next start" "$(ctl license list 2>&1)"
fi
{ echo "irsend license test"; } | pbmtext >"$work/page.pbm"
chmod 0644 "$work/page.pbm"
expect "pending SEND does not open e-mail yet" 1 'need the SEND option' \
	ctl send --to a@example.com "$work/page.pbm"
expect "a key on standard input ('-')" 0 'HDCLR is registered' \
	ctl license register - <<<"$hdclr"
expect "a user in the socket group may list" 0 "SEND +pending" as_peer --group \
	"$IRSD_CTL" license list
n=$(lms access-number new --option SPDF)
spdf=$(lms issue --access-number "$n" --serial "$IRSD_SERIAL")
expect "... but not register" 1 'root and the agent.s user only' as_peer --group \
	"$IRSD_CTL" license register "$spdf"

irsendd_stop && irsendd_start "$work"
if [ "$(state SEND)" = "active True" ] && [ "$(state HDCLR)" = "active True" ] &&
	grep -q 'license: SEND is active' "$work/irsendd.log"; then
	tap_ok "after a restart SEND and HDCLR are active and in use"
else
	tap_fail "after a restart SEND and HDCLR are active and in use" "$(ctl license list 2>&1)"
fi
# No SMTP server is set: accepted, then the delivery fails (#752), not the license.
out=$(ctl send --to a@example.com "$work/page.pbm" 2>&1)
job=$(sed -n 's/^job \([0-9]*\) accepted$/\1/p' <<<"$out")
if [ -n "$job" ] && ! grep -q 'SEND' <<<"$out"; then
	tap_ok "active SEND: an e-mail destination is accepted"
else
	tap_fail "active SEND: an e-mail destination is accepted" "exit $rc" "$out"
fi

expect "invalidate without --yes: usage error, nothing done" 2 'cannot be undone: add --yes' \
	ctl license invalidate SEND
expect "invalidate an unknown option" 1 'no option "FAX"' ctl license invalidate FAX --yes
expect "invalidate an option never registered" 1 'SPDF is not registered' \
	ctl license invalidate SPDF --yes
out=$(ctl license invalidate send --yes 2>&1)
rc=$?
cert=$(sed -n 's/^Invalidation certificate: //p' <<<"$out")
if [ $rc -eq 0 ] && grep -Eq '^[0-9]{4}(-[0-9]{4}){5}$' <<<"$cert" &&
	grep -q "is invalidated on this device and is off now" <<<"$out"; then
	tap_ok "invalidate SEND: off now, a certificate of 24 digits printed"
else
	tap_fail "invalidate SEND: off now, a certificate of 24 digits printed" "exit $rc" "$out"
fi
expect "SEND is off at once: e-mail refused without a restart" 1 'need the SEND option' \
	ctl send --to a@example.com "$work/page.pbm"
expect "list shows the invalidation certificate" 0 "^SEND +sequence [0-9]{6}  $cert" \
	ctl license list
out=$(lms transfer --certificate "$cert" --from "$IRSD_SERIAL" --to IRS-OTHER-2 2>&1)
if grep -Eq '^[0-9]{4}(-[0-9]{4}){5}$' <<<"$out"; then
	tap_ok "the LMS verifies the certificate and issues a key for the other device"
else
	tap_fail "the LMS verifies the certificate and issues a key for the other device" "$out"
fi
expect "the transferred key is not for this device" 1 "not issued for this device" \
	ctl license register "$(tail -1 <<<"$out")"
irsendd_stop && irsendd_start "$work"
expect "the invalidated key can never be registered again (after a restart too)" 1 \
	'was invalidated on this device and cannot be registered again' \
	ctl license register "$key"
if [ "$(state SEND)" = "off False" ] && [ "$(state HDCLR)" = "active True" ]; then
	tap_ok "after the restart SEND stays off, HDCLR stays active"
else
	tap_fail "after the restart SEND stays off, HDCLR stays active" "$(ctl license list 2>&1)"
fi

# Wrong keys: 4 free, the 5th locks (2 s here), restarting keeps the lock.
irsendd_stop && irsendd_start "$work" -s license_lock_s=2
for i in 1 2 3 4; do ctl license register "$other" >/dev/null 2>&1; done
expect "the 5th wrong key locks registration" 1 'registration is locked for 2 s' \
	ctl license register "$other"
irsendd_stop && irsendd_start "$work" -s license_lock_s=2
expect "locked across a restart: even the right key waits" 1 \
	'Too many wrong license keys: registration is locked for [12] s more' \
	ctl license register "$spdf"
sleep 2.2
expect "after the lock the right key registers" 0 'SPDF is registered' \
	ctl license register "$spdf"

# Every other option: an LMS key each, pending, active after a restart.
ok=1
for o in ENPDF EXPDF LIPS PDFDR SCR BRDIM VNC WEB; do
	ctl license register "$(irsendd_key $o)" >/dev/null || ok=0
	[ "$(state $o)" = "pending False" ] || ok=0
done
irsendd_stop && irsendd_start "$work"
for o in ENPDF SPDF EXPDF LIPS PDFDR SCR HDCLR BRDIM VNC WEB; do
	[ "$(state $o)" = "active True" ] || ok=0
done
[ "$(state SEND)" = "off False" ] || ok=0
if [ $ok = 1 ]; then
	tap_ok "every option: LMS key -> registered -> pending -> active after a restart"
else
	tap_fail "every option: LMS key -> registered -> pending -> active after a restart" \
		"$(ctl license list 2>&1)"
fi

# Provisioning records.
printf 'serial=IRS-HOST-TEST-1\ndevice-key=zz\n' >"$work/bad.txt"
expect "provision: a malformed record is refused by line" 1 'line 2 is not a provisioning record line' \
	"$IRSD_CTL" nvram provision --dir "$work/scratch" "$work/bad.txt"
printf 'serial=IRS-HOST-TEST-1\n' >"$work/bad.txt"
expect "provision: a record without the key is refused" 1 'no device-key line' \
	"$IRSD_CTL" nvram provision --dir "$work/scratch" "$work/bad.txt"
expect "provision: another serial's record needs --force" 1 "serial is 'IRS-HOST-TEST-1', the record is for 'IRS-OTHER-2'" \
	"$IRSD_CTL" nvram provision --dir "$IRSD_NVRAM" "$work/other.txt"
if ! grep -Eq "${digits:8:12}|${spdf//-/}|$(sed -n 's/^device-key=//p' "$work/provision.txt")" \
	"$work/irsendd.log"; then
	tap_ok "no key or device key in the agent's log"
else
	tap_fail "no key or device key in the agent's log"
fi
tap_done
