#!/bin/bash
# Printing received I-Faxes (ifax.print): an I-Fax taken by irsendd's SMTP
# server is stored in the Memory RX Inbox and printed through a real,
# private cupsd; what the printer got is the stored document byte for
# byte, under the agent's user; with a queue that does not exist the
# document stays stored and the reception log says why it was not
# printed. Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh
. tests/lib/cupspeer.sh

irsendd_need_root
for t in python3 swaks pbmtext pnmtotiff tiffcp lp cupsd; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
tap_plan 3
work=$(mktemp -d)
trap 'irsendd_cleanup; cupspeer_stop; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
if ! cupspeer_start "$work/cups" >"$work/cups.log" 2>&1; then
	tap_fail "start cupsd" "$(tail -5 "$work/cups.log")"
	tap_done
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
irsendd_start "$work" || {
	tap_fail "start irsendd"
	tap_done
}
for kv in smtpd.enabled=on ifax.print=on ifax.print_server="$CUPSPEER_SERVER" \
	ifax.print_queue="$CUPSPEER_QUEUE"; do
	ctl settings set "${kv%%=*}" "${kv#*=}" >/dev/null || echo "cannot set $kv"
done
ctl service set SMTPRXPN "$port" >/dev/null
irsendd_stop && irsendd_start "$work"
{ echo "print me"; seq 1 10; } | pbmtext >"$work/p.pbm"
pnmtotiff "$work/p.pbm" >"$work/p.tif" 2>/dev/null && tiffcp -c g3 "$work/p.tif" "$work/fax.tif"
sw() { swaks --server 127.0.0.1 --port "$port" --from a@example.org --to fax@irsend.test \
	--attach-type image/tiff --attach "@$work/fax.tif" --header "Subject: $1" 2>&1; }
entry() { # SUBJECT FIELD: that field of the reception log entry, once there
	for _ in $(seq 100); do
		v=$(ctl receive log --json | python3 -c '
import json, sys
r = [e for e in json.load(sys.stdin)["receptions"] if e["subject"] == sys.argv[1]]
print(r[0].get(sys.argv[2], "") if r else "")' "$1" "$2")
		[ -n "$v" ] && { echo "$v"; return 0; }
		sleep 0.1
	done
	return 1
}

sw "to paper" >/dev/null
job=$(entry "to paper" print_job)
state=$(cupspeer_wait_job "$job" 20)
doc=$(entry "to paper" doc)
rm -rf "$work/exp" && mkdir "$work/exp"
ctl box export rx "$doc" --out "$work/exp" >/dev/null 2>&1
# One job: the TIFF, then swaks' text body as a second document.
if [ -n "$job" ] && [ "$state" = completed ] && [ -s "$work/exp/text.txt" ] &&
	cat "$work/exp/document.tif" "$work/exp/text.txt" | cmp -s - "$CUPSPEER_OUT"; then
	tap_ok "ifax.print: the stored I-Fax (TIFF and text) printed through cupsd, byte for byte ($job)"
else
	tap_fail "ifax.print: the stored I-Fax printed through cupsd, byte for byte" "job '$job' state '$state' out $(stat -c %s "$CUPSPEER_OUT" 2>&1) doc $(stat -c %s "$work/exp/document.tif" 2>&1) $(ls "$work/exp")" \
		"$(tail -3 "$work/irsendd.log")"
fi
owner=$(cupspeer_job_attr "$job" job-originating-user-name 2>/dev/null | head -1)
[ "$owner" = "$IRSD_USER" ] && tap_ok "the print job is the agent's user's" ||
	tap_fail "the print job is the agent's user's" "owner '$owner'"

ctl settings set ifax.print_queue no-such-queue >/dev/null
sw "no queue" >/dev/null
why=$(entry "no queue" print_error)
doc=$(entry "no queue" doc)
if [ -n "$why" ] && [ "${doc:-0}" -gt 0 ] && ctl box show rx | grep -q 'no queue'; then
	tap_ok "a missing queue: not printed, the reason logged, the document stays stored"
else
	tap_fail "a missing queue: not printed, the reason logged, the document stays stored" "why '$why' doc '$doc'"
fi
tap_done
