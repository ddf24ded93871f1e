#!/bin/bash
# The real mail peers of tests/lib/mailpeers.sh, proven with independent
# clients (swaks, gsasl, openssl, python3 smtplib/poplib, MIT kinit):
# every SASL mechanism on each Postfix variant, STARTTLS required, no AUTH,
# implicit TLS, client certificates, TLS that cannot succeed, size limits,
# the discarding port, byte-for-byte delivery, Dovecot POP3 (USER/PASS,
# APOP, STLS, AUTH), its submission service, POP before SMTP, Kerberos
# GSSAPI and the clock-skewed KDC.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/mailpeers.sh

plan=46
tap_plan $plan

if [ "$(id -u)" -ne 0 ]; then
	for ((i = 0; i < plan; i++)); do tap_skip "mail peers" "needs root"; done
	exit 0
fi
for tool in postfix dovecot krb5kdc swaks gsasl openssl python3 kinit; do
	if ! command -v "$tool" >/dev/null; then
		tap_fail "tool $tool installed" "run scripts/setup-deps"
		exit 1
	fi
done

work=$(mktemp -d /tmp/irsend-mailpeers.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=$work/out
SECONDS=0
start_t=$(date +%s.%N)
if mailpeers_start "$work/peers"; then
	t=$(awk -v a="$start_t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	tap_ok "peers start (postfix, dovecot, krb5kdc x2) in ${t}s"
else
	tap_fail "peers start" "$(mailpeers_log 2>&1)"
	exit 1
fi
if (env -i bash -c 'set -a; . "$1"; set +a; [ "$MAILPEERS_SMTP_PORT" -gt 1024 ] && [ -s "$MAILPEERS_CA" ] &&
	[ "$MAILPEERS_KRB5_PRINCIPAL" = "$MAILPEERS_USER@$MAILPEERS_REALM" ]' _ "$MAILPEERS_DIR/mailpeers.env"); then
	tap_ok "mailpeers.env: the variables for programs that are not bash"
else
	tap_fail "mailpeers.env" "$(cat "$MAILPEERS_DIR/mailpeers.env")"
fi
U=$MAILPEERS_USER
PW=$MAILPEERS_PASSWORD
H=$MAILPEERS_HOST
R=$MAILPEERS_REMOTE_DOMAIN
D=$MAILPEERS_DOMAIN

# sw PORT ARGS...: swaks quietly against the peer, transcript in $out
sw() {
	local p=$1
	shift
	swaks --server "$H" --port "$p" --from "tests@$D" --helo device.irsend.test \
		--tls-ca-path "$MAILPEERS_CA" "$@" >"$out" 2>&1
}

# smtp_probe PORT SCRIPT: python3 with an smtplib.SMTP connected as `s`
smtp_probe() {
	local p=$1
	shift
	python3 - "$H" "$p" "$MAILPEERS_CA" "$@" >"$out" 2>&1 <<-EOF
		import smtplib, ssl, sys, base64
		host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
		ctx = ssl.create_default_context(cafile=ca)
		s = smtplib.SMTP(host, port, timeout=10)
		$(cat)
	EOF
}

expect_in_out() {
	local name=$1 pat=$2
	if grep -qE -- "$pat" "$out"; then
		tap_ok "$name"
	else
		tap_fail "$name" "expected /$pat/ in:" "$(tail -15 "$out")"
	fi
}

# --- Postfix (a): every mechanism over STARTTLS, relaying only after AUTH
for m in CRAM-MD5 DIGEST-MD5 NTLM PLAIN LOGIN; do
	extra=()
	[ $m = NTLM ] && extra=(--auth-extra "domain=$MAILPEERS_NTLM_DOMAIN")
	rcpt="swaks-$(echo $m | tr A-Z a-z)@$R"
	if sw "$MAILPEERS_SMTP_PORT" --tls --auth "$m" --auth-user "$U" --auth-password "$PW" \
		"${extra[@]}" --to "$rcpt" && grep -q '^<~  235 ' "$out" &&
		mailpeers_wait_delivery "$rcpt" 10 >/dev/null; then
		tap_ok "postfix (a): AUTH $m over STARTTLS relays to $R"
	else
		tap_fail "postfix (a): AUTH $m over STARTTLS" "$(tail -8 "$out")"
	fi
done
for m in SCRAM-SHA-1 SCRAM-SHA-256; do
	# no channel binding: Postfix gives Cyrus none, so no -PLUS variant
	if gsasl --smtp --connect="$H:$MAILPEERS_SMTP_PORT" --starttls --no-cb \
		--x509-ca-file="$MAILPEERS_CA" -m "$m" -a "$U" -p "$PW" </dev/null >"$out" 2>&1 &&
		grep -q '^235 ' "$out"; then
		tap_ok "postfix (a): AUTH $m over STARTTLS (gsasl)"
	else
		tap_fail "postfix (a): AUTH $m (gsasl)" "$(tail -5 "$out")"
	fi
done
ok=1
for m in PLAIN LOGIN CRAM-MD5; do
	sw "$MAILPEERS_SMTP_PORT" --auth "$m" --auth-user "$U" --auth-password "$PW" \
		--to "plain-$m@$R" --quit-after AUTH || { ok=0; break; }
	grep -q STARTTLS "$out" || true
	grep -q '^<~  235 \|^<-  235 ' "$out" || { ok=0; break; }
done
[ $ok = 1 ] && tap_ok "postfix (a): AUTH PLAIN, LOGIN, CRAM-MD5 also without TLS" ||
	tap_fail "postfix (a): AUTH without TLS" "$(tail -8 "$out")"
sw "$MAILPEERS_SMTP_PORT" --tls --auth PLAIN --auth-user "$U" --auth-password wrong --to "x@$R"
expect_in_out "postfix (a): a wrong password gets 535 5.7.8" '^<~\* 535 5\.7\.8'
smtp_probe "$MAILPEERS_SMTP_PORT" <<-'EOF'
	s.ehlo("device.irsend.test")
	print("AUTHLINE", s.esmtp_features.get("auth", "NONE"))
	print("STARTTLS", s.has_extn("starttls"))
	s.mail("tests@irsend.test")
	print("RCPT-REMOTE", s.rcpt("nobody@remote.test"))
	print("RCPT-LOCAL", s.rcpt("someone@irsend.test"))
EOF
if grep -q "AUTHLINE.*CRAM-MD5.*" "$out" && grep -q "RCPT-REMOTE (554, b'5.7.1 <nobody@remote.test>: Relay access denied')" "$out" &&
	grep -q "RCPT-LOCAL (250" "$out"; then
	tap_ok "postfix (a): without AUTH relaying is refused (554 5.7.1), @$D accepted"
else
	tap_fail "postfix (a): relay refused without AUTH" "$(cat "$out")"
fi
adv=$(sed -n 's/^AUTHLINE //p' "$out")
missing=
for m in $MAILPEERS_SASL_MECHS; do
	case " $adv " in *" $m "*) ;; *) missing="$missing $m" ;; esac
done
[ -z "$missing" ] && tap_ok "postfix (a): advertises exactly the configured mechanisms ($adv)" ||
	tap_fail "postfix (a): mechanisms advertised" "missing:$missing" "got: $adv"

# --- Postfix (b): STARTTLS required
smtp_probe "$MAILPEERS_SMTP_TLSREQ_PORT" <<-'EOF'
	s.ehlo("device.irsend.test")
	print("AUTH-BEFORE", s.has_extn("auth"), "STARTTLS", s.has_extn("starttls"))
	print("AUTHREPLY", s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0irsuser\0x").decode()))
	print("MAILREPLY", s.docmd("MAIL", "FROM:<tests@irsend.test>"))
	s.starttls(context=ctx)
	s.ehlo("device.irsend.test")
	print("AUTH-AFTER", s.esmtp_features.get("auth", "NONE"))
EOF
if grep -q "AUTH-BEFORE False STARTTLS True" "$out" &&
	grep -q "AUTHREPLY (530, b'5.7.0 Must issue a STARTTLS command first')" "$out" &&
	grep -q "MAILREPLY (530, b'5.7.0 Must issue a STARTTLS command first')" "$out"; then
	tap_ok "postfix (b): before TLS no AUTH offered; AUTH and MAIL get 530 5.7.0 Must issue a STARTTLS command first"
else
	tap_fail "postfix (b): STARTTLS required" "$(cat "$out")"
fi
expect_in_out "postfix (b): AUTH offered after STARTTLS" 'AUTH-AFTER .*PLAIN'
sw "$MAILPEERS_SMTP_TLSREQ_PORT" --tls --tls-verify --auth CRAM-MD5 --auth-user "$U" --auth-password "$PW" --to "tlsreq@$R"
if grep -q '^<~  235 ' "$out" && mailpeers_wait_delivery "tlsreq@$R" 10 >/dev/null; then
	tap_ok "postfix (b): certificate verified against the test CA, AUTH after STARTTLS, delivered"
else
	tap_fail "postfix (b): AUTH after STARTTLS" "$(tail -8 "$out")"
fi

# --- Postfix (c): no AUTH at all
smtp_probe "$MAILPEERS_SMTP_NOAUTH_PORT" <<-'EOF'
	s.ehlo("device.irsend.test")
	print("PLAIN-AUTH", s.has_extn("auth"))
	s.starttls(context=ctx)
	s.ehlo("device.irsend.test")
	print("TLS-AUTH", s.has_extn("auth"))
	print("AUTHREPLY", s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0irsuser\0x").decode()))
EOF
if grep -q "PLAIN-AUTH False" "$out" && grep -q "TLS-AUTH False" "$out" && grep -q "AUTHREPLY (503" "$out"; then
	tap_ok "postfix (c): no AUTH offered, before or after STARTTLS (503 to AUTH)"
else
	tap_fail "postfix (c): no AUTH" "$(cat "$out")"
fi
sw "$MAILPEERS_SMTP_NOAUTH_PORT" --tls --to "noauth@$D"
if grep -q '^<~  250 2.0.0 Ok: queued' "$out" && mailpeers_wait_delivery "noauth@$D" 10 >/dev/null; then
	tap_ok "postfix (c): mail to @$D accepted and delivered without AUTH"
else
	tap_fail "postfix (c): delivery without AUTH" "$(tail -8 "$out")"
fi

# --- Postfix (d): implicit TLS
sw "$MAILPEERS_SMTPS_PORT" --tls-on-connect --tls-verify --auth LOGIN --auth-user "$U" --auth-password "$PW" --to "smtps@$R"
if grep -q '^<~  235 ' "$out" && mailpeers_wait_delivery "smtps@$R" 10 >/dev/null; then
	tap_ok "postfix (d): implicit TLS, AUTH LOGIN, delivered"
else
	tap_fail "postfix (d): implicit TLS" "$(tail -8 "$out")"
fi
if timeout 5 bash -c "exec 3<>/dev/tcp/$H/$MAILPEERS_SMTPS_PORT; timeout 2 head -c 3 <&3" 2>/dev/null | grep -q 220; then
	tap_fail "postfix (d): no plaintext greeting on the smtps port"
else
	tap_ok "postfix (d): no plaintext greeting on the smtps port"
fi

# --- Postfix (e): client certificate demanded
sw "$MAILPEERS_SMTP_CCERT_PORT" --tls --auth PLAIN --auth-user "$U" --auth-password "$PW" --to "nocert@$R"
if ! grep -q '^<~  235 ' "$out" && grep -q '^<~\* 421 4.7.1 .*No client certificate presented' "$out" &&
	[ "$(mailpeers_count "nocert@$R")" = 0 ]; then
	tap_ok "postfix (e): a client without a certificate gets 421 4.7.1 No client certificate presented"
else
	tap_fail "postfix (e): client without certificate refused" "$(tail -8 "$out")"
fi
sw "$MAILPEERS_SMTP_CCERT_PORT" --tls --tls-cert "$MAILPEERS_CLIENT_CERT" --tls-key "$MAILPEERS_CLIENT_KEY" \
	--auth PLAIN --auth-user "$U" --auth-password "$PW" --to "withcert@$R"
if grep -q '^<~  235 ' "$out" && mailpeers_wait_delivery "withcert@$R" 10 >/dev/null; then
	tap_ok "postfix (e): the test CA's client certificate is accepted"
else
	tap_fail "postfix (e): client certificate accepted" "$(tail -8 "$out")"
fi

# --- no TLS at all; TLS that never succeeds
smtp_probe "$MAILPEERS_SMTP_PLAIN_PORT" <<-'EOF'
	s.ehlo("device.irsend.test")
	print("STARTTLS", s.has_extn("starttls"), "AUTH", s.has_extn("auth"))
	print("REPLY", s.docmd("STARTTLS"))
EOF
if grep -q "STARTTLS False AUTH False" "$out" && grep -qE "REPLY \((502|500)" "$out"; then
	tap_ok "postfix plain: neither STARTTLS nor AUTH offered; STARTTLS refused"
else
	tap_fail "postfix plain: no STARTTLS" "$(cat "$out")"
fi
if sw "$MAILPEERS_SMTP_BADTLS_PORT" --quit-after EHLO && grep -q '250-STARTTLS' "$out" &&
	! timeout 10 openssl s_client -connect "$H:$MAILPEERS_SMTP_BADTLS_PORT" -starttls smtp \
		-CAfile "$MAILPEERS_CA" </dev/null >"$out" 2>&1 && grep -q 'error:0A' "$out"; then
	tap_ok "postfix badtls: STARTTLS offered, the TLS 1.2+ handshake fails ($(grep -m1 -oE 'error:0A[0-9A-F]*:SSL routines:[^:]*:[^:]*' "$out"))"
else
	tap_fail "postfix badtls: handshake must fail" "$(tail -8 "$out")"
fi

# --- SIZE limit, discarding port
head -c 1500000 /dev/urandom | base64 >"$work/big.txt"
sw "$MAILPEERS_SMTP_SMALL_PORT" --tls --auth PLAIN --auth-user "$U" --auth-password "$PW" \
	--to "big@$R" --attach "@$work/big.txt"
if grep -q "250-SIZE $MAILPEERS_SMTP_SMALL_LIMIT" "$out" && grep -qE '^<~\*? *552 5\.3\.4' "$out" &&
	[ "$(mailpeers_count "big@$R")" = 0 ]; then
	tap_ok "postfix small: SIZE $MAILPEERS_SMTP_SMALL_LIMIT advertised, a 2 MB message gets 552 5.3.4"
else
	tap_fail "postfix small: size limit" "$(grep -E 'SIZE|552|250 ' "$out" | tail -5)"
fi
sw "$MAILPEERS_SMTP_DISCARD_PORT" --tls --auth PLAIN --auth-user "$U" --auth-password "$PW" \
	--to "discard@$R" --attach "@$work/big.txt"
sleep 1
if grep -q '^<~  250 2.0.0 Ok' "$out" && [ "$(mailpeers_count "discard@$R")" = 0 ]; then
	tap_ok "postfix discard: a 2 MB message is accepted (250) and nothing is delivered"
else
	tap_fail "postfix discard" "$(tail -5 "$out")"
fi

# --- byte for byte: headers, every recipient, the attachment
python3 - "$work/msg.eml" "$work/attach.bin" <<-'EOF'
	import sys, os
	from email.message import EmailMessage
	att = os.urandom(300000)
	open(sys.argv[2], "wb").write(att)
	m = EmailMessage()
	m["From"] = "Scanner <scanner@irsend.test>"
	m["To"] = "one@remote.test, two@remote.test, three@irsend.test"
	m["Subject"] = "Scan 0001"
	m["Date"] = "Tue, 02 Jan 2024 10:00:00 +0000"
	m["Message-ID"] = "<scan-0001@irsend.test>"
	m.set_content("Scanned document attached.\n.\n..leading dots survive\n")
	m.add_attachment(att, maintype="application", subtype="pdf", filename="scan.pdf")
	import email.policy
	open(sys.argv[1], "wb").write(m.as_bytes(policy=email.policy.SMTP))
EOF
python3 - "$H" "$MAILPEERS_SMTP_TLSREQ_PORT" "$MAILPEERS_CA" "$U" "$PW" "$work/msg.eml" >"$out" 2>&1 <<-'EOF'
	import smtplib, ssl, sys
	host, port, ca, user, pw, path = sys.argv[1:]
	s = smtplib.SMTP(host, int(port), timeout=10)
	s.starttls(context=ssl.create_default_context(cafile=ca))
	s.login(user, pw)
	r = s.sendmail("scanner@irsend.test", ["one@remote.test", "two@remote.test", "three@irsend.test"],
		open(path, "rb").read())
	print("refused", r)
	s.quit()
EOF
ok=1
for r in one@remote.test two@remote.test three@irsend.test; do
	f=$(mailpeers_wait_delivery "$r" 10) || { ok=0; echo "no delivery for $r" >>"$out"; break; }
	mailpeers_strip_received "$f" >"$work/got.eml"
	tr -d '\r' <"$work/msg.eml" | cmp -s - "$work/got.eml" || { ok=0; echo "$r differs" >>"$out"; diff <(tr -d '\r' <"$work/msg.eml") "$work/got.eml" | head -5 >>"$out"; break; }
	grep -qx "recipient $r" "${f%.eml}.env" && grep -qx "sender scanner@irsend.test" "${f%.eml}.env" ||
		{ ok=0; echo "envelope of $r: $(cat "${f%.eml}.env")" >>"$out"; break; }
	python3 - "$work/got.eml" "$work/attach.bin" <<-'EOF' >>"$out" 2>&1 || { ok=0; break; }
		import sys, email, email.policy
		m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
		att = [p for p in m.iter_attachments()]
		assert len(att) == 1 and att[0].get_filename() == "scan.pdf", att
		assert att[0].get_content() == open(sys.argv[2], "rb").read(), "attachment differs"
	EOF
done
[ $ok = 1 ] && tap_ok "delivery: 3 recipients, each message identical byte for byte (LF) after Received:, envelope and decoded attachment match" ||
	tap_fail "delivery byte for byte" "$(cat "$out")"


# --- the benchmark's clients: msmtp and curl over STARTTLS + AUTH
printf 'From: tests@irsend.test\r\nTo: msmtp@remote.test\r\nSubject: msmtp\r\n\r\nbody\r\n' >"$work/small.eml"
if msmtp --host="$H" --port="$MAILPEERS_SMTP_PORT" --tls=on --tls-starttls=on \
	--tls-trust-file="$MAILPEERS_CA" --auth=on --user="$U" --passwordeval="echo $PW" \
	--from="tests@$D" "msmtp@$R" <"$work/small.eml" >"$out" 2>&1 &&
	mailpeers_wait_delivery "msmtp@$R" 10 >/dev/null; then
	tap_ok "msmtp: STARTTLS + AUTH, delivered"
else
	tap_fail "msmtp: STARTTLS + AUTH" "$(tail -5 "$out")"
fi
if curl -sS --url "smtp://$H:$MAILPEERS_SMTP_PORT" --ssl-reqd --cacert "$MAILPEERS_CA" \
	--user "$U:$PW" --mail-from "tests@$D" --mail-rcpt "curl@$R" \
	--upload-file "$work/small.eml" >"$out" 2>&1 &&
	mailpeers_wait_delivery "curl@$R" 10 >/dev/null; then
	tap_ok "curl: STARTTLS + AUTH, delivered"
else
	tap_fail "curl: STARTTLS + AUTH" "$(tail -5 "$out")"
fi

# --- Dovecot POP3
# pop_probe PORT SCRIPT: python3 with poplib, `p` connected (POP3S if the
# port is the pop3s one), `U`, `PW`, `ctx` defined
pop_probe() {
	python3 - "$H" "$1" "$MAILPEERS_POP3S_PORT" "$MAILPEERS_CA" "$U" "$PW" >"$out" 2>&1 <<-EOF
		import poplib, ssl, sys, base64, hmac, hashlib
		host, port, sport, ca, U, PW = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
		ctx = ssl.create_default_context(cafile=ca)
		p = poplib.POP3_SSL(host, port, context=ctx, timeout=10) if port == sport else poplib.POP3(host, port, timeout=10)
		$(cat)
	EOF
}
pop_probe "$MAILPEERS_POP3_PORT" <<-'PY'
	print("CAPA", sorted(p.capa()))
	p.user(U); p.pass_(PW)
	print("STAT", p.stat())
	print("BODY", b"\n".join(p.retr(1)[1]).decode())
	p.quit()
PY
if grep -q "STAT (1, " "$out" && grep -q "The first message of the POP3 test peer." "$out" &&
	grep -q "'STLS'" "$out" && grep -q "'SASL'" "$out"; then
	tap_ok "dovecot: USER/PASS without TLS, STAT and RETR of the mailbox"
else
	tap_fail "dovecot: USER/PASS" "$(cat "$out")"
fi
pop_probe "$MAILPEERS_POP3_PORT" <<-'PY'
	print("GREETING", p.getwelcome().decode())
	p.apop(U, PW)
	print("STAT", p.stat())
	p.quit()
	q = poplib.POP3(host, port, timeout=10)
	try:
	    q.apop(U, "wrong")
	    print("WRONG-ACCEPTED")
	except poplib.error_proto as e:
	    print("WRONG", e)
PY
if grep -qE "GREETING \+OK .*<[^>]+@[^>]+>" "$out" && grep -q "STAT (1, " "$out" &&
	grep -q "WRONG b'-ERR" "$out"; then
	tap_ok "dovecot: APOP (timestamp in the greeting); a wrong APOP digest gets -ERR"
else
	tap_fail "dovecot: APOP" "$(cat "$out")"
fi
pop_probe "$MAILPEERS_POP3_PORT" <<-'PY'
	p.stls(context=ctx)
	print("CIPHER", p.sock.version())
	p.user(U); p.pass_(PW)
	print("STAT", p.stat())
	p.quit()
	q = poplib.POP3_SSL(host, sport, context=ctx, timeout=10)
	q.user(U); q.pass_(PW)
	print("POP3S", q.stat())
	q.quit()
PY
if grep -qE "CIPHER TLSv1\.[23]" "$out" && grep -q "STAT (1, " "$out" && grep -q "POP3S (1, " "$out"; then
	tap_ok "dovecot: STLS (certificate verified) then USER/PASS; implicit TLS on the pop3s port"
else
	tap_fail "dovecot: STLS / POP3S" "$(cat "$out")"
fi
pop_probe "$MAILPEERS_POP3_PORT" <<-'PY'
	def ok(r):
	    print(r)
	    assert r.startswith(b"+OK"), r
	r = p._shortcmd("AUTH PLAIN " + base64.b64encode(("\0%s\0%s" % (U, PW)).encode()).decode())
	ok(r); p.quit()
	p = poplib.POP3(host, port, timeout=10)
	r = p._shortcmd("AUTH LOGIN")
	assert r.startswith(b"+ "), r
	r = p._shortcmd(base64.b64encode(U.encode()).decode())
	assert r.startswith(b"+ "), r
	ok(p._shortcmd(base64.b64encode(PW.encode()).decode())); p.quit()
	p = poplib.POP3(host, port, timeout=10)
	r = p._shortcmd("AUTH CRAM-MD5")
	chal = base64.b64decode(r[2:])
	dig = hmac.new(PW.encode(), chal, hashlib.md5).hexdigest()
	ok(p._shortcmd(base64.b64encode(("%s %s" % (U, dig)).encode()).decode()))
	print("STAT", p.stat()); p.quit()
	p = poplib.POP3(host, port, timeout=10)
	r = p._shortcmd("AUTH CRAM-MD5")
	dig = hmac.new(b"wrong", base64.b64decode(r[2:]), hashlib.md5).hexdigest()
	try:
	    p._shortcmd(base64.b64encode(("%s %s" % (U, dig)).encode()).decode())
	    print("WRONG-ACCEPTED")
	except poplib.error_proto as e:
	    print("WRONG", e)
	print("ALL-DONE")
PY
if grep -q "ALL-DONE" "$out" && grep -q "STAT (1, " "$out" && grep -q "WRONG b'-ERR" "$out"; then
	tap_ok "dovecot: POP3 AUTH PLAIN, LOGIN and CRAM-MD5; a wrong CRAM-MD5 digest gets -ERR"
else
	tap_fail "dovecot: POP3 AUTH" "$(cat "$out")"
fi
if [ -n "$MAILPEERS_SUBMISSION_PORT" ]; then
	sw "$MAILPEERS_SUBMISSION_PORT" --tls --tls-verify --auth PLAIN --auth-user "$U" --auth-password "$PW" --to "submission@$D"
	if grep -q '^<~  235 ' "$out" && mailpeers_wait_delivery "submission@$D" 10 >/dev/null; then
		tap_ok "dovecot submission: STARTTLS + AUTH PLAIN, relayed to Postfix and delivered"
	else
		tap_fail "dovecot submission" "$(tail -8 "$out")"
	fi
else
	tap_skip "dovecot submission" "dovecot-submissiond not installed"
fi

# --- POP before SMTP
mailpeers_popb4smtp_reset
popb4() {
	smtp_probe "$MAILPEERS_SMTP_POPB4_PORT" <<-'PY'
		s.ehlo("device.irsend.test")
		print("AUTH", s.has_extn("auth"))
		s.mail("tests@irsend.test")
		print("RCPT", s.rcpt("popb4smtp@remote.test"))
		s.rset()
		s.quit()
	PY
}
popb4
if grep -q "AUTH False" "$out" && grep -q "RCPT (554, b'5.7.1 <popb4smtp@remote.test>: Relay access denied')" "$out"; then
	tap_ok "POP before SMTP: before a POP login relaying is refused (554 5.7.1 Relay access denied)"
else
	tap_fail "POP before SMTP: refused before POP" "$(cat "$out")"
fi
pop_probe "$MAILPEERS_POP3_PORT" <<-'PY'
	p.user(U); p.pass_(PW); print("STAT", p.stat()); p.quit()
PY
sleep 0.3
sw "$MAILPEERS_SMTP_POPB4_PORT" --to "popb4smtp@$R"
if grep -qE '^<[-~]  250 2.0.0 Ok: queued' "$out" && mailpeers_wait_delivery "popb4smtp@$R" 10 >/dev/null; then
	tap_ok "POP before SMTP: after the POP login the same client relays, delivered"
else
	tap_fail "POP before SMTP: allowed after POP" "$(tail -8 "$out")"
fi
echo 1 >"$MAILPEERS_DIR/popb4smtp/window"
sleep 1.5
popb4
echo "$MAILPEERS_POPB4SMTP_WINDOW" >"$MAILPEERS_DIR/popb4smtp/window"
if grep -q "RCPT (554, b'5.7.1 <popb4smtp@remote.test>: Relay access denied')" "$out"; then
	tap_ok "POP before SMTP: refused again once the window is over"
else
	tap_fail "POP before SMTP: window expiry" "$(cat "$out")"
fi

# --- Kerberos, GSSAPI, clock skew
# gss_login KRB5_CONFIG CCACHE: gsasl GSSAPI to the GSSAPI port, as "localhost"
gss_login() {
	KRB5_CONFIG=$1 KRB5CCNAME=FILE:$2 gsasl --smtp --connect="$MAILPEERS_HOSTNAME:$MAILPEERS_SMTP_GSSAPI_PORT" \
		--starttls --no-cb --x509-ca-file="$MAILPEERS_CA" -m GSSAPI -a "$U" \
		--service=smtp --hostname="$MAILPEERS_HOSTNAME" </dev/null >"$out" 2>&1
}
cc=$work/ccache
if echo "$PW" | KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG KRB5CCNAME=FILE:$cc kinit "$MAILPEERS_KRB5_PRINCIPAL" >"$out" 2>&1 &&
	KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG KRB5CCNAME=FILE:$cc kvno "$MAILPEERS_KRB5_SERVICE" >>"$out" 2>&1; then
	tap_ok "krb5: kinit $MAILPEERS_KRB5_PRINCIPAL with the password, kvno $MAILPEERS_KRB5_SERVICE"
else
	tap_fail "krb5: kinit + kvno" "$(cat "$out")"
fi
echo wrong | KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG KRB5CCNAME=FILE:$work/cc-wrong kinit "$MAILPEERS_KRB5_PRINCIPAL" >"$out" 2>&1
expect_in_out "krb5: a wrong password is refused by the KDC" 'Password incorrect|Preauthentication failed'
if KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG klist -k "$MAILPEERS_KEYTAB" >"$out" 2>&1 &&
	grep -q "$MAILPEERS_KRB5_SERVICE" "$out"; then
	tap_ok "krb5: the keytab holds $MAILPEERS_KRB5_SERVICE"
else
	tap_fail "krb5: keytab" "$(cat "$out")"
fi
sw "$MAILPEERS_SMTP_GSSAPI_PORT" --quit-after EHLO --tls
expect_in_out "postfix gssapi: offers exactly AUTH GSSAPI" '^<~  250-AUTH GSSAPI$'
gss_login "$MAILPEERS_KRB5_CONFIG" "$cc"
if grep -q '^235 ' "$out"; then
	tap_ok "postfix gssapi: AUTH GSSAPI with the kinit'ed ccache (235)"
else
	tap_fail "postfix gssapi: AUTH GSSAPI" "$(tail -5 "$out")" "$(grep -i gssapi "$MAILPEERS_DIR/postfix/maillog" | tail -3)"
fi
gss_login "$MAILPEERS_KRB5_CONFIG" "$work/cc-none"
if ! grep -q '^235 ' "$out"; then
	tap_ok "postfix gssapi: no ticket, no login"
else
	tap_fail "postfix gssapi: no ticket, no login" "$(tail -5 "$out")"
fi
ccs=$work/ccache-skew
if echo "$PW" | KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG_SKEW KRB5CCNAME=FILE:$ccs kinit "$MAILPEERS_KRB5_PRINCIPAL" >"$out" 2>&1; then
	gss_login "$MAILPEERS_KRB5_CONFIG_SKEW" "$ccs"
	if grep -q '^535 5.7.8' "$out" && tail -5 "$MAILPEERS_DIR/postfix/maillog" | grep -q 'Clock skew too great'; then
		tap_ok "krb5 skew: KDC $MAILPEERS_KDC_SKEW off, kinit adopts its clock, the SMTP server refuses GSSAPI (535, Clock skew too great)"
	else
		tap_fail "krb5 skew: GSSAPI must fail" "$(tail -3 "$out")" "$(tail -3 "$MAILPEERS_DIR/postfix/maillog")"
	fi
else
	tap_fail "krb5 skew: kinit (kdc_timesync) should succeed" "$(cat "$out")"
fi
echo "$PW" | KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG_SKEW_NOSYNC KRB5CCNAME=FILE:$work/cc-nosync kinit "$MAILPEERS_KRB5_PRINCIPAL" >"$out" 2>&1
expect_in_out "krb5 skew: without kdc_timesync the KDC refuses kinit (Clock skew too great)" 'Clock skew too great'

t0=$SECONDS
mailpeers_stop
left=$(pgrep -f "$work/peers" | wc -l)
if [ "$left" = 0 ] && [ ! -e "$work/peers/postfix/spool/pid/master.pid" ]; then
	tap_ok "mailpeers_stop: every peer process gone in $((SECONDS - t0))s (whole test ${SECONDS}s)"
else
	tap_fail "mailpeers_stop: processes left" "$(pgrep -af "$work/peers")"
fi
tap_done
