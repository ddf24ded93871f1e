#!/bin/bash
# irsendd sending e-mail and I-Fax through real servers (tests/lib/mailpeers.sh:
# Postfix with Cyrus SASL, Dovecot): the delivered message is checked against
# the document the same job stored in a box; broadcasts, I-Fax simple and
# full mode, POP before SMTP, a temporary failure retried until it goes
# through (also across a kill -9), and failures that are not retried.
# Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh
. tests/lib/mailpeers.sh

irsendd_need_root
for t in python3 pbmtext tiffinfo postfix dovecot; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed (scripts/setup-deps installs it)"
		exit 0
	}
done
tap_plan 12
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
irsendd_start "$work" || {
	tap_fail "start irsendd"
	tap_done
}

# set KEY VALUE...: user settings through the agent.
set_all() {
	while [ $# -ge 2 ]; do
		ctl settings set "$1" "$2" >/dev/null || echo "cannot set $1" >&2
		shift 2
	done
}
# The CA is read by the agent's user.
cp "$MAILPEERS_CA" "$work/ca.pem" && chmod 0644 "$work/ca.pem"
set_all smtp.server 127.0.0.1 smtp.port "$MAILPEERS_SMTP_TLSREQ_PORT" smtp.starttls on \
	smtp.auth on smtp.user "$MAILPEERS_USER" smtp.password "$MAILPEERS_PASSWORD" \
	tls.ca_file "$work/ca.pem" mail.from "scanner@$MAILPEERS_DOMAIN" \
	mail.subject "Scan from irsend" mail.retry_s 1 mail.retries 20

{ echo "irsend mail test"; seq 1 20 | sed 's/^/line /'; } | pbmtext >"$work/page.pbm"
chmod 0644 "$work/page.pbm"
rcpt=alice@$MAILPEERS_DOMAIN

# job_field ID EXPR: a field of the ended job (python expression on e).
job_field() {
	ctl job show "$1" --json | python3 -c "import json,sys; e=json.load(sys.stdin); print($2)"
}

# 1. STARTTLS + AUTH; the attachment equals the PDF the same job put in box 1.
out=$(ctl send --box 1 --to "$rcpt" --format pdf --name mailtest "$work/page.pbm" 2>&1)
rc=$?
msg=$(mailpeers_wait_delivery "$rcpt" 30)
mkdir -p "$work/exp"
ctl box export 1 1 --out "$work/exp" >/dev/null 2>&1
if [ $rc -eq 0 ] && [ -n "$msg" ] && python3 - "$msg" "$work/exp/mailtest.pdf" "$rcpt" <<'PY'; then
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
att = [p for p in m.iter_attachments()]
assert m["Subject"] == "Scan from irsend", m["Subject"]
assert sys.argv[3] in m["To"], m["To"]
assert len(att) == 1 and att[0].get_content_type() == "application/pdf", att
assert att[0].get_filename() == "mailtest.pdf"
assert att[0].get_content() == open(sys.argv[2], "rb").read(), "attachment differs"
PY
	tap_ok "e-mail over STARTTLS + AUTH: delivered, the PDF byte for byte the box's"
else
	tap_fail "e-mail over STARTTLS + AUTH: delivered, the PDF byte for byte the box's" \
		"exit $rc" "$out" "${msg:-no message}" "$(mailpeers_log | tail -5)"
fi

# 2. A broadcast to 120 addresses: every one gets it once, To: names them all.
addrs=$(for i in $(seq 1 120); do printf 'u%03d@%s,' "$i" "$MAILPEERS_DOMAIN"; done)
addrs=${addrs%,}
out=$(ctl send --to "$addrs" --format pdf "$work/page.pbm" 2>&1)
rc=$?
got=0
for i in 1 60 120; do
	f=$(mailpeers_wait_delivery "$(printf 'u%03d@%s' "$i" "$MAILPEERS_DOMAIN")" 30) &&
		grep -qi "u120@$MAILPEERS_DOMAIN" "$f" && got=$((got + 1))
done
total=0
for i in $(seq 1 120); do
	total=$((total + $(mailpeers_count "$(printf 'u%03d@%s' "$i" "$MAILPEERS_DOMAIN")")))
done
[ $rc -eq 0 ] && [ $got -eq 3 ] && [ $total -eq 120 ] &&
	tap_ok "a broadcast to 120 addresses: 120 deliveries, every To: names all (two transactions)" ||
	tap_fail "a broadcast to 120 addresses" "exit $rc" "$out" "got $got, total $total"

# 3. I-Fax simple mode: the TIFF of profile S, image/tiff; application=faxbw.
ifax=fax@$MAILPEERS_DOMAIN
out=$(ctl send --to "$ifax" --ifax simple --format pdf "$work/page.pbm" 2>&1)
rc=$?
msg=$(mailpeers_wait_delivery "$ifax" 30)
if [ $rc -eq 0 ] && [ -n "$msg" ] && python3 - "$msg" "$work/fax.tif" <<'PY' &&
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
att = list(m.iter_attachments())
assert len(att) == 1, [a.get_content_type() for a in att]
assert att[0].get_content_type() == "image/tiff", att[0]["Content-Type"]
assert "faxbw" in att[0]["Content-Type"], att[0]["Content-Type"]
assert m["Disposition-Notification-To"] is None
open(sys.argv[2], "wb").write(att[0].get_content())
PY
	tiffinfo "$work/fax.tif" 2>/dev/null | grep -q 'Image Width: 1728'; then
	tap_ok "I-Fax simple: one TIFF-F attachment (application=faxbw, 1728 wide), no MDN request"
else
	tap_fail "I-Fax simple: one TIFF-F attachment" "exit $rc" "$out" "${msg:-no message}"
fi

# 4. I-Fax full mode asks for an MDN.
out=$(ctl send --to "$ifax" --ifax full "$work/page.pbm" 2>&1)
msg=$(mailpeers_wait_delivery "$ifax" 30)
[ -n "$msg" ] && grep -qi '^Disposition-Notification-To:' "$msg" &&
	tap_ok "I-Fax full: Disposition-Notification-To asks for an MDN" ||
	tap_fail "I-Fax full: Disposition-Notification-To asks for an MDN" "$out" "${msg:-none}"

# 5. A temporary failure (nobody listening) is retried; once the server is
# there the job goes through, also after a kill -9 between two tries.
closed=$((MAILPEERS_SMTP_PORT + 50))
set_all smtp.port "$closed"
out=$(ctl send --to "bob@$MAILPEERS_DOMAIN" --no-wait "$work/page.pbm" 2>&1)
id=$(awk '/accepted/ {print $2}' <<<"$out")
sleep 4
tries=$(ctl job show "$id" --json 2>/dev/null | python3 -c '
import json, sys
e = json.load(sys.stdin)
print(e["state"]["stage"], e["state"]["destinations"][0]["attempts"], e["state"]["destinations"][0]["code"])')
irsendd_kill9
irsendd_start "$work"
set_all smtp.port "$MAILPEERS_SMTP_TLSREQ_PORT"
msg=$(mailpeers_wait_delivery "bob@$MAILPEERS_DOMAIN" 60)
sleep 1
read -r stage n code <<<"$tries"
if [ "$stage" = storing ] && [ "${n:-0}" -ge 2 ] && [ "$code" = 752 ] && [ -n "$msg" ] &&
	[ "$(job_field "$id" 'e["state"]["result"]')" = ok ] &&
	[ "$(mailpeers_count "bob@$MAILPEERS_DOMAIN")" = 1 ]; then
	tap_ok "connection refused (#752) retried ($n tries in 4 s), kept across kill -9, delivered once later"
else
	tap_fail "connection refused (#752) retried, kept across kill -9, delivered once later" \
		"before the kill: $tries" "$(ctl job show "$id" 2>&1 | head -30)"
fi

# 6. Rejected credentials: #839 at once, not retried.
set_all smtp.password wrong-password
out=$(ctl send --to "carol@$MAILPEERS_DOMAIN" "$work/page.pbm" 2>&1)
rc=$?
set_all smtp.password "$MAILPEERS_PASSWORD"
[ $rc -eq 1 ] && grep -q '#839' <<<"$out" && [ "$(mailpeers_count "carol@$MAILPEERS_DOMAIN")" = 0 ] &&
	tap_ok "a wrong password: #839, not retried, nothing delivered" ||
	tap_fail "a wrong password: #839, not retried, nothing delivered" "exit $rc" "$out"

# 7. TLS asked for, the handshake fails: #841 and nothing in plaintext.
set_all smtp.port "$MAILPEERS_SMTP_BADTLS_PORT"
out=$(ctl send --to "dave@$MAILPEERS_DOMAIN" "$work/page.pbm" 2>&1)
rc=$?
set_all smtp.port "$MAILPEERS_SMTP_TLSREQ_PORT"
[ $rc -eq 1 ] && grep -q '#841' <<<"$out" && [ "$(mailpeers_count "dave@$MAILPEERS_DOMAIN")" = 0 ] &&
	tap_ok "a failing TLS handshake: #841, never sent in plaintext" ||
	tap_fail "a failing TLS handshake: #841, never sent in plaintext" "exit $rc" "$out"

# 8. Implicit TLS (port 465 style).
set_all smtp.port "$MAILPEERS_SMTPS_PORT" smtp.starttls off smtp.implicit_tls on
out=$(ctl send --to "erin@$MAILPEERS_DOMAIN" "$work/page.pbm" 2>&1)
rc=$?
set_all smtp.port "$MAILPEERS_SMTP_TLSREQ_PORT" smtp.starttls on smtp.implicit_tls off
[ $rc -eq 0 ] && [ -n "$(mailpeers_wait_delivery "erin@$MAILPEERS_DOMAIN" 30)" ] &&
	tap_ok "implicit TLS: delivered" || tap_fail "implicit TLS: delivered" "exit $rc" "$out"

# 9-10. POP before SMTP: the relay refuses a stranger, then takes the mail
# once the agent has logged in to Dovecot first.
remote=frank@$MAILPEERS_REMOTE_DOMAIN
mailpeers_popb4smtp_reset
set_all smtp.port "$MAILPEERS_SMTP_POPB4_PORT" smtp.starttls off smtp.auth off
out=$(ctl send --to "$remote" "$work/page.pbm" 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$(mailpeers_count "$remote")" = 0 ] &&
	tap_ok "POP before SMTP off: the relay refuses ($(grep -o '#[0-9]*' <<<"$out" | head -1))" ||
	tap_fail "POP before SMTP off: the relay refuses" "exit $rc" "$out"
set_all smtp.pop_before_smtp on pop.server 127.0.0.1 pop.port "$MAILPEERS_POP3_PORT" \
	pop.user "$MAILPEERS_USER" pop.password "$MAILPEERS_PASSWORD" pop.auth apop
out=$(ctl send --to "$remote" "$work/page.pbm" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ -n "$(mailpeers_wait_delivery "$remote" 30)" ] &&
	tap_ok "POP before SMTP (APOP): logged in to Dovecot, then relayed" ||
	tap_fail "POP before SMTP (APOP): logged in to Dovecot, then relayed" "exit $rc" "$out"
set_all pop.password wrong-password
mailpeers_popb4smtp_reset
out=$(ctl send --to "$remote" "$work/page.pbm" 2>&1)
rc=$?
set_all pop.password "$MAILPEERS_PASSWORD" smtp.pop_before_smtp off smtp.auth on \
	smtp.starttls on smtp.port "$MAILPEERS_SMTP_TLSREQ_PORT"
[ $rc -eq 1 ] && grep -q '#846\|#813' <<<"$out" &&
	tap_ok "POP before SMTP with a wrong password: $(grep -o '#8[0-9]*' <<<"$out" | head -1), nothing sent" ||
	tap_fail "POP before SMTP with a wrong password: #846" "exit $rc" "$out"

# 12. No server set: #752 at once, with the setting named.
set_all smtp.server ""
out=$(ctl send --to "gina@$MAILPEERS_DOMAIN" "$work/page.pbm" 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q 'smtp.server' <<<"$out" &&
	tap_ok "no SMTP server set: the job fails at once and says which setting" ||
	tap_fail "no SMTP server set: the job fails at once and says which setting" "exit $rc" "$out"

tap_done
