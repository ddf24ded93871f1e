#!/bin/bash
# The POP3 client (user/mail/pop3_*.c) against a real Dovecot
# (tests/lib/mailpeers.sh) through build/tests/host/pop3_test --tool:
# USER/PASS, APOP and POP AUTH (PLAIN, LOGIN, CRAM-MD5), each in plaintext,
# after STLS and over implicit TLS; PLAIN/LOGIN refused without TLS; wrong
# passwords give #813/#845/#846 and never show the password; an untrusted
# certificate after STLS is #844 with no login; a closed port is #810;
# UIDL, RETR of the stored message byte for byte, DELE taking effect at
# QUIT; POP before SMTP. Hostile servers are pop3_test.c's business.
# Needs root (the peers); build first: make tests.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/mailpeers.sh

tool=build/tests/host/pop3_test
plan=21
tap_plan $plan
skip_all() {
	for ((i = 0; i < plan; i++)); do tap_skip "pop3 client" "$1"; done
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (the Dovecot peer)"
[ -x "$tool" ] || skip_all "$tool is not built: run make tests"
command -v dovecot >/dev/null || skip_all "dovecot is not installed: run scripts/setup-deps"

work=$(mktemp -d /tmp/irsend-pop3.XXXXXX)
trap 'mailpeers_stop; rm -rf "$work"' EXIT
if ! mailpeers_start "$work/peers" dovecot >"$work/start.log" 2>&1; then
	tap_fail "dovecot starts" "$(cat "$work/start.log")"
	exit 1
fi
H=$MAILPEERS_HOST
U=$MAILPEERS_USER
P3=$MAILPEERS_POP3_PORT
P3S=$MAILPEERS_POP3S_PORT
CA=(--ca "$MAILPEERS_CA")
export POP3_PASSWORD=$MAILPEERS_PASSWORD

# pop N NAME EXPECT ARGS...: run the tool; ok when its output matches the regex EXPECT
# and never contains the password.
pop() {
	local name=$1 want=$2 out
	shift 2
	out=$("$tool" --tool "$@" 2>&1)
	if ! grep -qE -- "$want" <<<"$out"; then
		tap_fail "$name" "wanted /$want/" "$out"
	elif grep -qF -- "$POP3_PASSWORD" <<<"$out"; then
		tap_fail "$name" "the password appears in the output" "$out"
	else
		tap_ok "$name"
	fi
}

pop "USER/PASS in plaintext" "login ok tls=0" "$H" "$P3" "$U" standard
pop "USER/PASS after STLS" "login ok tls=1" "$H" "$P3" "$U" standard --stls "${CA[@]}"
pop "USER/PASS over implicit TLS" "login ok tls=1" "$H" "$P3S" "$U" standard --implicit-tls \
	"${CA[@]}"
pop "APOP in plaintext" "login ok tls=0" "$H" "$P3" "$U" apop
pop "APOP after STLS" "login ok tls=1" "$H" "$P3" "$U" apop --stls "${CA[@]}"
pop "POP AUTH after STLS picks PLAIN" "login ok tls=1 mech=PLAIN" "$H" "$P3" "$U" sasl --stls \
	"${CA[@]}"
pop "POP AUTH LOGIN after STLS (PLAIN off: NS-PLNWS-like)" "login ok tls=1 mech=LOGIN" "$H" "$P3" \
	"$U" sasl --stls "${CA[@]}" --mechs login
pop "POP AUTH over implicit TLS" "login ok tls=1 mech=PLAIN" "$H" "$P3S" "$U" sasl \
	--implicit-tls "${CA[@]}"
pop "POP AUTH CRAM-MD5 (setting) in plaintext" "login ok tls=0 mech=CRAM-MD5" "$H" "$P3" "$U" \
	sasl --mechs cram-md5,plain,login
pop "POP AUTH without TLS: PLAIN/LOGIN refused (#845)" "error #845 .*without TLS" "$H" "$P3" \
	"$U" sasl

pop "STLS with an untrusted certificate: #844" "error #844 SSL Error \(POP\)" "$H" "$P3" "$U" \
	standard --stls
pop "POP before SMTP" "before-smtp ok" "$H" "$P3" "$U" apop --before-smtp
# A port nothing listens on: bind one and let it go.
free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pop "closed port: #810" "error #810 POP server connection error" "$H" "$free_port" "$U" \
	standard --before-smtp

# The mailbox: the stored message comes back byte for byte; DELE takes effect at QUIT.
mkdir -p "$work/got"
out=$("$tool" --tool "$H" "$P3" "$U" standard --stls "${CA[@]}" --retr-all "$work/got" 2>&1)
if grep -q "^stat 1 " <<<"$out" && grep -qE "^uid 1 [0-9A-Fa-f]{16} [0-9]+$" <<<"$out"; then
	tap_ok "STAT and UIDL/LIST of the one stored message"
else
	tap_fail "STAT and UIDL/LIST" "$out"
fi
stored=$(ls "$MAILPEERS_POP_MAILDIR"/{new,cur}/* 2>/dev/null | head -1)
got=$(ls "$work/got"/*.eml 2>/dev/null | head -1)
if [ -n "$stored" ] && [ -n "$got" ] && cmp -s <(tr -d '\r' <"$stored") <(tr -d '\r' <"$got") &&
	! grep -qvP '\r$' "$got"; then
	tap_ok "RETR: the message as stored, CRLF lines"
else
	tap_fail "RETR: the message as stored" "stored $stored, got $got" "$(diff <(tr -d '\r' <"$stored") <(tr -d '\r' <"$got") 2>&1 | head -5)"
fi
# A dot-stuffed line and a long one, delivered straight into the Maildir.
printf '%s\r\n' "Subject: dots" "" ".leading dot" ".." "$(head -c 5000 /dev/zero | tr '\0' x)" \
	>"$MAILPEERS_POP_MAILDIR/new/1000000001.M2P2.mailpeers"
chown "$(id -u "$MAILPEERS_MAIL_USER"):$(id -g "$MAILPEERS_MAIL_USER")" \
	"$MAILPEERS_POP_MAILDIR/new/1000000001.M2P2.mailpeers"
rm -rf "$work/got" && mkdir -p "$work/got"
out=$("$tool" --tool "$H" "$P3" "$U" apop --retr-all "$work/got" --dele-all 2>&1)
dots=$(grep -l "Subject: dots" "$work/got"/*.eml 2>/dev/null | head -1)
if grep -q "^stat 2 " <<<"$out" && [ -n "$dots" ] &&
	[ "$(sed -n 3,4p "$dots" | tr -d '\r')" = "$(printf '.leading dot\n..')" ] &&
	[ "$(sed -n 5p "$dots" | tr -d '\r' | wc -c)" -eq 5001 ]; then
	tap_ok "RETR: dot-stuffed lines come back unstuffed, long lines whole"
else
	tap_fail "RETR: dot-stuffed lines" "$out" "$(head -c 300 "$dots" 2>/dev/null)"
fi
out=$("$tool" --tool "$H" "$P3" "$U" standard 2>&1)
if grep -q "^stat 0 0" <<<"$out"; then
	tap_ok "DELE then QUIT: the maildrop is empty"
else
	tap_fail "DELE then QUIT: the maildrop is empty" "$out"
fi

# Refused logins last: Dovecot delays every later answer to this address (auth penalty).
POP3_PASSWORD=wrong-Password.1 pop "USER/PASS, wrong password: #813" "error #813 POP server address error" \
	"$H" "$P3" "$U" standard --timeout 40000
POP3_PASSWORD=wrong-Password.1 pop "APOP, wrong password: #846" "error #846 APOP Authentication Error" \
	"$H" "$P3" "$U" apop --timeout 40000
POP3_PASSWORD=wrong-Password.1 pop "POP AUTH, wrong password: #845" \
	"error #845 POP AUTH Encryption Error" "$H" "$P3" "$U" sasl --stls "${CA[@]}" --timeout 40000
pop "unknown user: #813" "error #813" "$H" "$P3" "nobody-here" standard --timeout 40000
tap_done
