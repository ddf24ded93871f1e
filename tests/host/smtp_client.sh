#!/bin/bash
# The SMTP client against real servers (tests/lib/mailpeers.sh: Postfix
# with Cyrus SASL, MIT krb5kdc, one KDC under faketime): every AUTH
# mechanism in the seed's order and the NS-* switches that remove them,
# SCRAM-SHA-256, GSSAPI and its clock skew (#843), no AUTH / nothing in
# common (sent without login) and "require authentication" (#839), wrong
# password (#839), STARTTLS required and optional, implicit TLS, a failing
# handshake (#841), an untrusted certificate and pins (#841), a demanded
# client certificate (#842) and one presented, the SIZE limit (#705),
# per-recipient refusals (#806), 150 recipients in one transaction, DSN
# parameters, and the delivered message byte for byte (dot-stuffing, line
# ends). Drives build/tests/host/smtp_client_test --send. Needs root and
# the servers of scripts/setup-deps; build first: make tests.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/mailpeers.sh

T=build/tests/host/smtp_client_test
[ "$(id -u)" -eq 0 ] || {
	echo "1..0 # SKIP needs root for the mail peers"
	exit 0
}
[ -x "$T" ] || {
	echo "1..1"
	echo "not ok 1 $T is not built: run make tests"
	exit 1
}
work=$(mktemp -d)
trap 'mailpeers_stop; rm -rf "$work"' EXIT
mailpeers_start "$work/peers" postfix krb5 >"$work/start.log" 2>&1 || {
	echo "1..1"
	echo "not ok 1 the mail peers did not start"
	sed 's/^/# /' "$work/start.log"
	exit 1
}

tap_plan 39
H=127.0.0.1
LOCAL=dest@$MAILPEERS_DOMAIN
REMOTE=far@$MAILPEERS_REMOTE_DOMAIN
FROM=scanner@$MAILPEERS_DOMAIN
AUTH=(--auth --user "$MAILPEERS_USER" --password "$MAILPEERS_PASSWORD")
printf 'Subject: peer test\n\nbody\n' >"$work/msg"

# send NAME EXPECT [KEY=VALUE...] -- OPTIONS...: one --send, checked.
send() {
	local name=$1 want=$2 out k bad=""
	shift 2
	local checks=()
	while [ "$1" != -- ]; do
		checks+=("$1")
		shift
	done
	shift
	out=$("$T" --send --timeout 20000 --from "$FROM" "$@" --trace 2>"$work/trace")
	grep -qx "code=$want" <<<"$out" || bad="code"
	for k in "${checks[@]}"; do
		grep -qxF "$k" <<<"$out" || bad="$bad $k"
	done
	# The password never appears in our trace (AUTH payloads are redacted there, and
	# nowhere else would it belong).
	grep -qF "$MAILPEERS_PASSWORD" "$work/trace" && bad="$bad password-in-trace"
	if [ -z "$bad" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "wanted code=$want${checks[*]:+ ${checks[*]}}; missing:$bad" \
			"$out" "$(tail -n 12 "$work/trace")"
	fi
}

P=$MAILPEERS_SMTP_PORT
R=(--to "$REMOTE" --file "$work/msg")
# Seed 2.1.1's order, one switch more each time (relaying to a remote domain needs the login).
send "CRAM-MD5 first" 899 mech=CRAM-MD5 tls=0 -- --host $H --port "$P" "${AUTH[@]}" "${R[@]}"
send "NS-CMD5: NTLM, user as DOMAIN\\user" 899 mech=NTLM -- --host $H --port "$P" --auth \
	--user "$MAILPEERS_NTLM_DOMAIN\\$MAILPEERS_USER" --password "$MAILPEERS_PASSWORD" \
	--disable cmd5 "${R[@]}"
send "NS-CMD5: NTLM, user as user@domain" 899 mech=NTLM -- --host $H --port "$P" --auth \
	--user "$MAILPEERS_USER@$MAILPEERS_NTLM_DOMAIN" --password "$MAILPEERS_PASSWORD" \
	--disable cmd5 "${R[@]}"
send "NS-CMD5,NS-NTLM without TLS: LOGIN" 899 mech=LOGIN -- --host $H --port "$P" \
	"${AUTH[@]}" --disable cmd5,ntlm "${R[@]}"
send "NS-LGN without TLS: PLAIN" 899 mech=PLAIN -- --host $H --port "$P" "${AUTH[@]}" \
	--disable cmd5,ntlm,lgn "${R[@]}"
send "STARTTLS: PLAIN under TLS before LOGIN" 899 mech=PLAIN tls=1 -- --host localhost \
	--port "$P" --tls starttls --ca-file "$MAILPEERS_CA" "${AUTH[@]}" --disable cmd5,ntlm "${R[@]}"
send "SCRAM-SHA-256 preferred when enabled" 899 mech=SCRAM-SHA-256 -- --host $H --port "$P" \
	--scram "${AUTH[@]}" "${R[@]}"
send "NS-PLNWS under TLS: nothing left, sent without login, relay refused" 806 mech= tls=1 \
	-- --host localhost --port "$P" --tls starttls --ca-file "$MAILPEERS_CA" "${AUTH[@]}" \
	--disable cmd5,ntlm,plnws "${R[@]}"
send "no mechanism in common: sent without login, no error" 899 mech= -- --host $H --port "$P" \
	"${AUTH[@]}" --disable cmd5,ntlm,pln --to "$LOCAL" --file "$work/msg"
send "no mechanism in common, login required: #839" 839 -- --host $H --port "$P" "${AUTH[@]}" \
	--disable cmd5,ntlm,pln --auth-required --to "$LOCAL" --file "$work/msg"
send "server without AUTH: sent, no error" 899 mech= -- --host $H \
	--port "$MAILPEERS_SMTP_NOAUTH_PORT" "${AUTH[@]}" --to "$LOCAL" --file "$work/msg"
send "server without AUTH, login required: #839" 839 -- --host $H \
	--port "$MAILPEERS_SMTP_NOAUTH_PORT" "${AUTH[@]}" --auth-required --to "$LOCAL" \
	--file "$work/msg"
send "wrong password: #839, permanent" 839 temporary=0 -- --host $H --port "$P" --auth \
	--user "$MAILPEERS_USER" --password "not-the-password" "${R[@]}"

# TLS modes.
send "STARTTLS required by the server, used" 899 tls=1 mech=CRAM-MD5 -- --host localhost \
	--port "$MAILPEERS_SMTP_TLSREQ_PORT" --tls starttls --ca-file "$MAILPEERS_CA" "${AUTH[@]}" \
	"${R[@]}"
send "STARTTLS required by the server, not used: refused (#801), no AUTH" 801 mech= -- \
	--host $H --port "$MAILPEERS_SMTP_TLSREQ_PORT" "${AUTH[@]}" "${R[@]}"
if grep -q '^> AUTH' "$work/trace"; then
	tap_fail "no AUTH in the clear to a TLS-only server" "$(cat "$work/trace")"
else
	tap_ok "no AUTH in the clear to a TLS-only server"
fi
send "implicit TLS (465 style)" 899 tls=1 -- --host localhost --port "$MAILPEERS_SMTPS_PORT" \
	--tls implicit --ca-file "$MAILPEERS_CA" "${AUTH[@]}" "${R[@]}"
send "STARTTLS offered, handshake fails: #841, no plaintext" 841 tls=0 -- --host localhost \
	--port "$MAILPEERS_SMTP_BADTLS_PORT" --tls starttls --ca-file "$MAILPEERS_CA" "${AUTH[@]}" \
	"${R[@]}"
if grep -qE '^> (AUTH|MAIL)' "$work/trace"; then
	tap_fail "nothing sent after the failed handshake" "$(cat "$work/trace")"
else
	tap_ok "nothing sent after the failed handshake"
fi
send "TLS asked for, server without TLS: #841" 841 -- --host $H \
	--port "$MAILPEERS_SMTP_PLAIN_PORT" --tls starttls --ca-file "$MAILPEERS_CA" "${AUTH[@]}" \
	--to "$LOCAL" --file "$work/msg"
send "certificate from an unknown CA: #841" 841 -- --host localhost --port "$P" --tls starttls \
	"${AUTH[@]}" "${R[@]}"
pin=$(openssl x509 -in "$MAILPEERS_SERVER_CERT" -pubkey -noout | openssl pkey -pubin -outform der |
	sha256sum | cut -d' ' -f1)
send "verification off, pinned key matches" 899 tls=1 -- --host $H --port "$P" --tls starttls \
	--no-verify --pin "$pin" "${AUTH[@]}" "${R[@]}"
send "verified chain, pinned key differs: #841" 841 -- --host localhost --port "$P" \
	--tls starttls --ca-file "$MAILPEERS_CA" --pin "$(printf '%064d' 0)" "${AUTH[@]}" "${R[@]}"
send "TLS 1.3 minimum" 899 tls=1 -- --host localhost --port "$P" --tls starttls \
	--ca-file "$MAILPEERS_CA" --min-tls 1.3 "${AUTH[@]}" "${R[@]}"
send "client certificate demanded, none: #842" 842 -- --host localhost \
	--port "$MAILPEERS_SMTP_CCERT_PORT" --tls starttls --ca-file "$MAILPEERS_CA" "${AUTH[@]}" \
	"${R[@]}"
send "client certificate demanded and presented" 899 tls=1 -- --host localhost \
	--port "$MAILPEERS_SMTP_CCERT_PORT" --tls starttls --ca-file "$MAILPEERS_CA" \
	--client-cert "$MAILPEERS_CLIENT_CERT" --client-key "$MAILPEERS_CLIENT_KEY" "${AUTH[@]}" \
	"${R[@]}"

# GSSAPI with MIT Kerberos, then the KDC whose clock is off.
export KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG KRB5CCNAME=FILE:$work/cc
echo "$MAILPEERS_PASSWORD" | kinit "$MAILPEERS_KRB5_PRINCIPAL" >/dev/null 2>&1
send "GSSAPI with the ticket of $MAILPEERS_KRB5_PRINCIPAL" 899 mech=GSSAPI -- \
	--host "$MAILPEERS_HOSTNAME" --port "$MAILPEERS_SMTP_GSSAPI_PORT" --auth \
	--user "$MAILPEERS_KRB5_PRINCIPAL" "${R[@]}"
export KRB5CCNAME=FILE:$work/cc-none
send "GSSAPI without a ticket: no mechanism, sent without login" 806 mech= -- \
	--host "$MAILPEERS_HOSTNAME" --port "$MAILPEERS_SMTP_GSSAPI_PORT" --auth \
	--user "$MAILPEERS_KRB5_PRINCIPAL" "${R[@]}"
export KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG_SKEW KRB5CCNAME=FILE:$work/cc-skew
echo "$MAILPEERS_PASSWORD" | kinit "$MAILPEERS_KRB5_PRINCIPAL" >/dev/null 2>&1
send "GSSAPI, KDC clock $MAILPEERS_KDC_SKEW off: #843" 843 -- --host "$MAILPEERS_HOSTNAME" \
	--port "$MAILPEERS_SMTP_GSSAPI_PORT" --auth --user "$MAILPEERS_KRB5_PRINCIPAL" "${R[@]}"
# The device's own login: no kinit, the SMTP user (a principal) and its
# password get the tickets, in a cache of the session's own.
export KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG KRB5CCNAME=FILE:$work/cc-none
send "GSSAPI with our own Kerberos login (no kinit, no ticket before)" 899 mech=GSSAPI -- \
	--host "$MAILPEERS_HOSTNAME" --port "$MAILPEERS_SMTP_GSSAPI_PORT" --auth \
	--user "$MAILPEERS_KRB5_PRINCIPAL" --password "$MAILPEERS_PASSWORD" "${R[@]}"
send "GSSAPI, our own login with a wrong password: #839 from the KDC" 839 -- \
	--host "$MAILPEERS_HOSTNAME" --port "$MAILPEERS_SMTP_GSSAPI_PORT" --auth \
	--user "$MAILPEERS_KRB5_PRINCIPAL" --password not-the-password "${R[@]}"
[ -e "$work/cc-none" ] && tap_fail "our own login leaves no ticket in the default cache" ||
	tap_ok "our own login leaves no ticket in the default cache"
export KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG_SKEW
send "GSSAPI, our own login, KDC clock $MAILPEERS_KDC_SKEW off: #843" 843 -- \
	--host "$MAILPEERS_HOSTNAME" --port "$MAILPEERS_SMTP_GSSAPI_PORT" --auth \
	--user "$MAILPEERS_KRB5_PRINCIPAL" --password "$MAILPEERS_PASSWORD" "${R[@]}"
unset KRB5_CONFIG KRB5CCNAME

# The transaction.
head -c $((MAILPEERS_SMTP_SMALL_LIMIT + 1000)) /dev/zero | tr '\0' 'x' | fold -w 70 >"$work/big"
send "larger than the server's SIZE: #705" 705 -- --host $H --port "$MAILPEERS_SMTP_SMALL_PORT" \
	--to "$LOCAL" --file "$work/big"
send "one recipient refused, one accepted: #806, sent" 806 sent=1 accepted=1 refused=1 -- \
	--host $H --port "$P" --to "$LOCAL,$REMOTE" --file "$work/msg"
rcpts=$(for i in $(seq 1 150); do printf 'r%d@%s,' "$i" "$MAILPEERS_DOMAIN"; done)
send "150 recipients, pipelined, one transaction" 899 accepted=150 -- --host $H --port "$P" \
	--to "${rcpts%,}" --file "$work/msg"
send "DSN: NOTIFY, RET and ENVID" 899 -- --host $H --port "$P" --to "$LOCAL" --file "$work/msg" \
	--dsn-notify SUCCESS,FAILURE --dsn-ret HDRS --envid "job 7+1"
if grep -q '^> MAIL FROM:<.*> SIZE=[0-9]* RET=HDRS ENVID=job+207+2B1$' "$work/trace" &&
	grep -q '^> RCPT TO:<.*> NOTIFY=SUCCESS,FAILURE$' "$work/trace"; then
	tap_ok "DSN parameters on MAIL and RCPT"
else
	tap_fail "DSN parameters on MAIL and RCPT" "$(grep -E '^> (MAIL|RCPT)' "$work/trace")"
fi

# Byte for byte: leading dots, CRLF, bare LF and bare CR line ends, no final newline.
mailpeers_clear
printf 'Subject: dots\r\n\r\n.one\n..two\r\n.\nmiddle\rend' >"$work/dots"
"$T" --send --host $H --port "$P" --from "$FROM" --to "byte@$MAILPEERS_DOMAIN" \
	--file "$work/dots" >"$work/out" 2>&1
printf 'Subject: dots\n\n.one\n..two\n.\nmiddle\nend\n' >"$work/want"
if f=$(mailpeers_wait_delivery "byte@$MAILPEERS_DOMAIN" 20) &&
	mailpeers_strip_received "$f" | grep -v '^\(Return-Path\|X-Original-To\|Delivered-To\):' |
	cmp -s - "$work/want"; then
	tap_ok "delivered byte for byte (dot-stuffing, line ends)"
else
	tap_fail "delivered byte for byte (dot-stuffing, line ends)" "$(cat "$work/out")" \
		"$(mailpeers_strip_received "${f:-/dev/null}" | od -c | head -20)"
fi
tap_done
