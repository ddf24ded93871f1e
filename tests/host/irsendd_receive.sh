#!/bin/bash
# I-Fax reception by POP3 into the Memory RX Inbox, with a real Dovecot:
# messages dropped into the POP mailbox (an I-Fax of MH pages made by
# tiffcp, a text mail, a broken TIFF) are fetched by 'receive check',
# deleted from the server only once spooled, stored as documents of box
# "rx" whose TIFF has the source's pixels, and logged with their codes;
# each POP login method (USER/PASS, APOP, STLS, POP AUTH) works; a wrong
# password is #813 and nothing is lost; a message left in the spool by a
# stopped agent is stored at the next start; a message fetched twice is
# stored once. Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/tiffpages.sh
. tests/lib/irsendd.sh
. tests/lib/mailpeers.sh

irsendd_need_root
for t in python3 pbmtext pnmtotiff tiffcp tiffsplit tifftopnm dovecot; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
tap_plan 22
work=$(mktemp -d)
trap 'irsendd_cleanup; mailpeers_stop; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
if ! mailpeers_start "$work/peers" postfix dovecot >"$work/peers.log" 2>&1; then
	tap_fail "start Postfix and Dovecot" "$(tail -20 "$work/peers.log")"
	tap_done
fi
irsendd_provision "$work" && irsendd_start "$work" && irsendd_license SEND || {
	tap_fail "start irsendd with SEND"
	tap_done
}
md=$MAILPEERS_POP_MAILDIR
cp "$MAILPEERS_CA" "$work/ca.pem" && chmod 0644 "$work/ca.pem"
for kv in pop.server=127.0.0.1 pop.port="$MAILPEERS_POP3_PORT" pop.user="$MAILPEERS_USER" \
	pop.password="$MAILPEERS_PASSWORD" pop.interval=0 tls.ca_file="$work/ca.pem" \
	smtp.server=127.0.0.1 smtp.port="$MAILPEERS_SMTP_PORT" smtp.starttls=on \
	mail.from="fax@$MAILPEERS_DOMAIN"; do
	ctl settings set "${kv%%=*}" "${kv#*=}" >/dev/null || echo "cannot set $kv"
done

# A 2-page MH I-Fax (profile S), a text mail, a TIFF that is not one.
{ echo "irsend reception test page one"; seq 1 30; } | pbmtext >"$work/p1.pbm"
{ echo "page two"; seq 100 140; } | pbmtext >"$work/p2.pbm"
pnmtotiff "$work/p1.pbm" >"$work/p1.tif" 2>/dev/null
pnmtotiff "$work/p2.pbm" >"$work/p2.tif" 2>/dev/null
tiffcp -c g3 "$work/p1.tif" "$work/p2.tif" "$work/fax.tif"
# drop NAME PYTHON: a message made by Python's email library into the mailbox.
drop() {
	python3 - "$md/new/$1" "$work/fax.tif" "$MAILPEERS_USER@$MAILPEERS_DOMAIN" <<PY
import sys, email.message, email.utils
m = email.message.EmailMessage()
m["From"] = "sender@example.org"
m["To"] = sys.argv[3]
m["Date"] = email.utils.formatdate()
m["Message-ID"] = email.utils.make_msgid()
$2
open(sys.argv[1], "wb").write(bytes(m))
PY
	chown "$(stat -c %u:%g "$md")" "$md/new/$1"
}
rm -f "$md"/new/* "$md"/cur/*
drop 1.M1.t 'm["Subject"] = "fax one"
m.set_content("")
m.add_attachment(open(sys.argv[2], "rb").read(), maintype="image", subtype="tiff", filename="fax.tif")'
drop 2.M2.t 'm["Subject"] = "just text"
m.set_content("hello\nfrom a mail\n")'
drop 3.M3.t 'm["Subject"] = "broken"
m.set_content("")
m.add_attachment(b"II*\x00garbage" * 10, maintype="image", subtype="tiff", filename="bad.tif")'

out=$(ctl receive check --wait 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q '3 new messages' <<<"$out"; then
	tap_ok "receive check --wait: USER/PASS, 3 messages fetched"
else
	tap_fail "receive check --wait: USER/PASS, 3 messages fetched" "exit $rc" "$out" \
		"$(tail -5 "$work/irsendd.log")"
fi
left=$(find "$md/new" "$md/cur" -type f | wc -l)
[ "$left" = 0 ] && tap_ok "the POP server deleted them (after they were spooled)" ||
	tap_fail "the POP server deleted them (after they were spooled)" "$left left"

# The worker may still be storing: wait for three log entries.
for _ in $(seq 50); do
	[ "$(ctl receive log --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["receptions"]))')" -ge 3 ] && break
	sleep 0.1
done
log=$(ctl receive log --json)
if python3 - "$log" <<'PY'; then
import json, sys
r = {e["subject"]: e for e in json.loads(sys.argv[1])["receptions"]}
assert r["fax one"]["kind"] == "ifax" and r["fax one"]["pages"] == 2 and r["fax one"]["code"] == 0, r
assert r["fax one"]["doc"] > 0 and r["fax one"]["source"] == "pop"
assert r["just text"]["kind"] == "text" and r["just text"]["code"] == 0, r
assert r["broken"]["code"] == 821, r["broken"]
PY
	tap_ok "reception log: the I-Fax (2 pages), the text mail, the broken TIFF as #821"
else
	tap_fail "reception log: the I-Fax (2 pages), the text mail, the broken TIFF as #821" "$log"
fi
doc=$(python3 -c 'import json,sys; print([e["doc"] for e in json.loads(sys.argv[1])["receptions"] if e["subject"] == "fax one"][0])' "$log")
mkdir -p "$work/exp"
out=$(ctl box export rx "$doc" --out "$work/exp" 2>&1)
why=$(same_pages "$work/fax.tif" "$work/exp/document.tif" 2>&1)
if [ $? -eq 0 ] && [ -f "$work/exp/document.tif" ]; then
	tap_ok "box export rx: the received TIFF has the sent pixels, page by page"
else
	tap_fail "box export rx: the received TIFF has the sent pixels, page by page" "$why" "$out" "$(ls "$work/exp")"
fi
bdoc=$(python3 -c 'import json,sys; print([e["doc"] for e in json.loads(sys.argv[1])["receptions"] if e["subject"] == "broken"][0])' "$log")
rm -rf "$work/rep" && mkdir -p "$work/rep"
ctl box export rx "$bdoc" --out "$work/rep" >/dev/null 2>&1
if grep -q '^Error: *#821 ' "$work/rep/error-report.txt" 2>/dev/null &&
	grep -q '^Subject: *broken$' "$work/rep/error-report.txt" && [ ! -e "$work/rep/document.tif" ]; then
	tap_ok "a reception error leaves a reception error report in the Memory RX Inbox"
else
	tap_fail "a reception error leaves a reception error report in the Memory RX Inbox" "$(ls "$work/rep")" \
		"$(cat "$work/rep/error-report.txt" 2>&1)"
fi
out=$(ctl box show rx 2>&1)
grep -q 'fax one' <<<"$out" && grep -q 'just text' <<<"$out" &&
	tap_ok "box show rx lists the received documents" ||
	tap_fail "box show rx lists the received documents" "$out"

# Full mode: the sender asks for an MDN (RFC 3298), which goes out through smtp.server.
mdn_to=mdnback@$MAILPEERS_DOMAIN
drop 4.M4.t 'm["Subject"] = "full mode"
m["Disposition-Notification-To"] = "'"$mdn_to"'"
del m["Message-ID"]; m["Message-ID"] = "<full-mode-1@example.org>"
m.set_content("")
m.add_attachment(open(sys.argv[2], "rb").read(), maintype="image", subtype="tiff", filename="fax.tif")'
ctl receive check --wait >/dev/null 2>&1
msg=$(mailpeers_wait_delivery "$mdn_to" 20)
if [ -n "$msg" ] && python3 - "$msg" "fax@$MAILPEERS_DOMAIN" <<'PY'; then
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert m.get_content_type() == "multipart/report", m.get_content_type()
assert m.get_param("report-type") == "disposition-notification"
assert sys.argv[2] in m["From"], m["From"]
parts = list(m.iter_parts())
dn = [p for p in parts if p.get_content_type() == "message/disposition-notification"][0]
text = dn.get_payload()[0].as_string() if dn.is_multipart() else dn.get_content()
text = text if isinstance(text, str) else text.decode()
assert "<full-mode-1@example.org>" in text, text
assert "processed" in text and "error" not in text.split("Disposition:")[1].split("\n")[0], text
PY
	tap_ok "full mode: an MDN (processed) for the message goes back through Postfix"
else
	tap_fail "full mode: an MDN (processed) for the message goes back through Postfix" "${msg:-no MDN delivered}" \
		"$(tail -3 "$work/irsendd.log")" "$(cat "$msg" 2>/dev/null | head -40)"
fi
drop 5.M5.t 'm["Subject"] = "full mode broken"
m["Disposition-Notification-To"] = "'"$mdn_to"'"
del m["Message-ID"]; m["Message-ID"] = "<full-mode-2@example.org>"
m.set_content("")
m.add_attachment(b"II*\x00garbage" * 10, maintype="image", subtype="tiff", filename="bad.tif")'
ctl receive check --wait >/dev/null 2>&1
msg=$(mailpeers_wait_delivery "$mdn_to" 20)
if [ -n "$msg" ] && grep -q 'full-mode-2@example.org' "$msg" && grep -Eiq 'processed/error' "$msg"; then
	tap_ok "full mode with a reception error: the MDN says processed/error"
else
	tap_fail "full mode with a reception error: the MDN says processed/error" "${msg:-no MDN delivered}"
fi
ctl settings set smtp.port 1 >/dev/null
drop 6.M6.t 'm["Subject"] = "full mode no smtp"
m["Disposition-Notification-To"] = "'"$mdn_to"'"
m.set_content("x\n")'
ctl receive check --wait >/dev/null 2>&1
for _ in $(seq 50); do
	e=$(ctl receive log --json | python3 -c 'import json,sys; r=[e for e in json.load(sys.stdin)["receptions"] if e["subject"] == "full mode no smtp"]; print(r[0].get("mdn_code", "") if r else "")')
	[ -n "$e" ] && break
	sleep 0.1
done
[ "$e" = 833 ] && tap_ok "an MDN that cannot be sent is #833 in the reception log" ||
	tap_fail "an MDN that cannot be sent is #833 in the reception log" "mdn_code '$e'"
ctl settings set smtp.port "$MAILPEERS_SMTP_PORT" >/dev/null

# Our own e-mail comes back as a DSN (failed) and an I-Fax as an MDN
# (processed/error): the jobs get #830 and #834.
# report KIND RCPT JOB: a DSN or MDN about the message job JOB delivered to RCPT.
report() {
	local sent
	sent=$(mailpeers_wait_delivery "$2" 30) || return 1
	python3 - "$md/new/r$3.M1.t" "$sent" "$1" "fax@$MAILPEERS_DOMAIN" <<'PY'
import sys, email, email.policy, email.utils
orig = email.message_from_binary_file(open(sys.argv[2], "rb"), policy=email.policy.default)
msgid, to, kind = orig["Message-ID"], orig["To"], sys.argv[3]
if kind == "dsn":
    rtype, frm, body = "delivery-status", "MAILER-DAEMON@example.org", (
        "--B\nContent-Type: text/plain\n\nreturned\n\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        "Final-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\n\n"
        "--B\nContent-Type: text/rfc822-headers\n\nMessage-ID: %s\nSubject: x\n\n--B--\n" % (to, msgid))
else:
    rtype, frm, body = "disposition-notification", "fax@remote.example.org", (
        "--B\nContent-Type: text/plain\n\nnot processed\n\n"
        "--B\nContent-Type: message/disposition-notification\n\nReporting-UA: remote; fax\n"
        "Final-Recipient: rfc822; %s\nOriginal-Message-ID: %s\n"
        "Disposition: automatic-action/MDN-sent-automatically; processed/error\n"
        "Error: decoding failed\n\n--B--\n" % (to, msgid))
head = ("From: %s\nTo: %s\nSubject: report\nDate: %s\nMessage-ID: %s\nMIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=%s; boundary=B\n\n" %
        (frm, sys.argv[4], email.utils.formatdate(), email.utils.make_msgid(), rtype))
open(sys.argv[1], "w").write(head + body)
PY
	chown "$(stat -c %u:%g "$md")" "$md/new/r$3.M1.t"
}
job_code() {
	ctl job show "$1" --json | python3 -c 'import json,sys; s=json.load(sys.stdin)["state"]; print(s["code"], s["result"], s["destinations"][0]["code"])'
}
out=$(ctl send --to "bounce@$MAILPEERS_DOMAIN" --format pdf "$work/p1.pbm" 2>&1)
mjob=$(sed -n 's/^job \([0-9]*\) accepted$/\1/p' <<<"$out")
report dsn "bounce@$MAILPEERS_DOMAIN" "$mjob"
ctl receive check --wait >/dev/null 2>&1
for _ in $(seq 50); do [ "$(job_code "$mjob" 2>/dev/null | cut -d' ' -f1)" = 830 ] && break; sleep 0.1; done
got=$(job_code "$mjob" 2>&1)
[ "$got" = "830 failed 830" ] && ctl jobs | grep -c "^ *$mjob " | grep -qx 1 &&
	tap_ok "a DSN (failed) about our e-mail: the job becomes #830, listed once" ||
	tap_fail "a DSN (failed) about our e-mail: the job becomes #830, listed once" "job $mjob: $got" "$(ctl jobs 2>&1 | tail -5)"
out=$(ctl send --to "ifaxpeer@$MAILPEERS_DOMAIN" --ifax full "$work/p1.pbm" 2>&1)
fjob=$(sed -n 's/^job \([0-9]*\) accepted$/\1/p' <<<"$out")
report mdn "ifaxpeer@$MAILPEERS_DOMAIN" "$fjob"
ctl receive check --wait >/dev/null 2>&1
for _ in $(seq 50); do [ "$(job_code "$fjob" 2>/dev/null | cut -d' ' -f1)" = 834 ] && break; sleep 0.1; done
got=$(job_code "$fjob" 2>&1)
[ "$got" = "834 failed 834" ] && tap_ok "an MDN (processed/error) about our I-Fax: the job becomes #834" ||
	tap_fail "an MDN (processed/error) about our I-Fax: the job becomes #834" "job $fjob: $got" "$(tail -5 "$work/irsendd.log")"

# Service mode: RAW-DATA keeps the raw message; IFAX-LIM cuts long text (#835).
ctl service set RAW-DATA 1 >/dev/null
ctl service set IFAX-LIM 5 >/dev/null
drop 7.M7.t 'm["Subject"] = "raw and long"
m.set_content("".join("line %d\n" % i for i in range(40)))'
ctl receive check --wait >/dev/null 2>&1
for _ in $(seq 50); do ctl box show rx 2>/dev/null | grep -q 'raw and long' && break; sleep 0.1; done
doc=$(ctl box show rx --json | python3 -c 'import json,sys; print([d["doc"] for d in json.load(sys.stdin)["docs"] if d["name"] == "raw and long"][0])')
rm -rf "$work/raw" && mkdir -p "$work/raw"
ctl box export rx "$doc" --out "$work/raw" >/dev/null 2>&1
if [ -f "$work/raw/raw.eml" ] && grep -q '^Subject: raw and long' "$work/raw/raw.eml"; then
	tap_ok "RAW-DATA 1: the raw message is kept with the document"
else
	tap_fail "RAW-DATA 1: the raw message is kept with the document" "$(ls "$work/raw")"
fi
code=$(ctl receive log --json | python3 -c 'import json,sys; print([e["code"] for e in json.load(sys.stdin)["receptions"] if e["subject"] == "raw and long"][0])')
if [ "$code" = 835 ] && [ "$(wc -l <"$work/raw/text.txt")" -le 5 ]; then
	tap_ok "IFAX-LIM 5: 40 lines of text are #835 and cut to 5"
else
	tap_fail "IFAX-LIM 5: 40 lines of text are #835 and cut to 5" "code $code" "$(wc -l <"$work/raw/text.txt" 2>&1)"
fi
ctl service set RAW-DATA 0 >/dev/null
ctl service set IFAX-LIM 0 >/dev/null

# Each login method Dovecot offers; a wrong password.
login() { # NAME SETTINGS...: a check with those settings fetches the new message
	local name=$1 n
	shift
	for kv in "$@"; do ctl settings set "${kv%%=*}" "${kv#*=}" >/dev/null; done
	drop "x$RANDOM.M9.t" 'm["Subject"] = "login '"$name"'"
m.set_content("x\n")'
	out=$(ctl receive check --wait 2>&1)
	if [ $? -eq 0 ] && grep -q '1 new message' <<<"$out"; then
		tap_ok "POP login: $name"
	else
		tap_fail "POP login: $name" "$out"
	fi
}
login "APOP" pop.auth=apop
login "STLS, then USER/PASS" pop.auth=standard pop.stls=on
login "POP AUTH (SASL) under STLS" pop.auth=popauth
login "implicit TLS (POP3S)" pop.stls=off pop.implicit_tls=on pop.port="$MAILPEERS_POP3S_PORT" pop.auth=standard
ctl settings set pop.implicit_tls off >/dev/null
ctl settings set pop.port "$MAILPEERS_POP3_PORT" >/dev/null
ctl settings set pop.password wrong-password >/dev/null
drop 9.M9.t 'm["Subject"] = "kept"
m.set_content("x\n")'
out=$(ctl receive check --wait 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q '#813' <<<"$out" && [ -f "$md/new/9.M9.t" ]; then
	tap_ok "a wrong password: #813, the message stays on the server"
else
	tap_fail "a wrong password: #813, the message stays on the server" "exit $rc" "$out"
fi
ctl settings set pop.password "$MAILPEERS_PASSWORD" >/dev/null

# A message the previous run left in the spool is stored at the next start.
irsendd_stop
cp "$work/exp/document.tif" "$work/again.tif" 2>/dev/null
python3 - "$work/data/rx/spool/smtp-000000000001-1-000001.eml" "$work/fax.tif" <<'PY'
import sys, email.message
m = email.message.EmailMessage()
m["From"] = "left@example.org"; m["Subject"] = "left in the spool"
m.set_content("")
m.add_attachment(open(sys.argv[2], "rb").read(), maintype="image", subtype="tiff", filename="f.tif")
open(sys.argv[1], "wb").write(bytes(m))
PY
chown -R "$IRSD_USER:$IRSD_USER" "$work/data/rx/spool"
irsendd_start "$work"
for _ in $(seq 50); do ctl box show rx 2>/dev/null | grep -q 'left in the spool' && break; sleep 0.1; done
if ctl box show rx | grep -q 'left in the spool' && [ -z "$(ls "$work/data/rx/spool")" ]; then
	tap_ok "a message left in the spool is stored at the next start, the spool is empty"
else
	tap_fail "a message left in the spool is stored at the next start, the spool is empty" \
		"$(ls "$work/data/rx/spool")" "$(tail -5 "$work/irsendd.log")"
fi

# Fetched twice (a crash between spooling and DELE): stored once.
before=$(ctl box show rx --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["docs"]))')
name=$(python3 -c 'import json,sys; print([e["key"] for e in json.loads(sys.argv[1])["receptions"] if e["subject"] == "fax one"][0])' "$log")
irsendd_stop
python3 - "$work/data/rx/spool/$name.eml" "$work/fax.tif" <<'PY'
import sys, email.message
m = email.message.EmailMessage()
m["From"] = "sender@example.org"; m["Subject"] = "fax one"
m.set_content("")
m.add_attachment(open(sys.argv[2], "rb").read(), maintype="image", subtype="tiff", filename="fax.tif")
open(sys.argv[1], "wb").write(bytes(m))
PY
chown -R "$IRSD_USER:$IRSD_USER" "$work/data/rx/spool"
irsendd_start "$work"
for _ in $(seq 50); do [ -z "$(ls "$work/data/rx/spool")" ] && break; sleep 0.1; done
after=$(ctl box show rx --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["docs"]))')
[ "$before" = "$after" ] && tap_ok "the same POP message twice: one document" ||
	tap_fail "the same POP message twice: one document" "$before before, $after after"

ctl settings set pop.interval 1 >/dev/null
next=$(ctl receive status --json | python3 -c 'import json,sys,time; s=json.load(sys.stdin); print(s["next_poll"] - int(time.time()))')
if [ "$next" -ge 55 ] && [ "$next" -le 60 ]; then
	tap_ok "pop.interval 1: the next POP check is due in a minute"
else
	tap_fail "pop.interval 1: the next POP check is due in a minute" "in $next s"
fi
ctl settings set pop.interval 0 >/dev/null
out=$(ctl receive status 2>&1)
grep -q 'next check: -' <<<"$out" && grep -q 'in the spool: 0' <<<"$out" &&
	tap_ok "receive status: no polling with pop.interval 0, nothing spooled" ||
	tap_fail "receive status: no polling with pop.interval 0, nothing spooled" "$out"
tap_done
