#!/bin/bash
# The SMTP server library (user/mail/smtpd*.c) against real clients: swaks
# (plain, PIPELINING, STARTTLS, implicit TLS refused, --quit-after, raw
# --data with dot-stuffing and a smuggling attempt, TLS 1.1 refused),
# openssl s_client (-starttls smtp: certificate verified, TLS 1.3, a
# TLS 1.2 cipher without forward secrecy refused), and a real Postfix
# relaying to us (tests/lib/mailpeers.sh mailpeers_relay_start) with
# smtp_tls_security_level may and encrypt, a 451 retried, DSN parameters
# from Postfix's sendmail, three recipients in one transaction. Each mode
# of STARTTLS: off, on, required (530 and close). What arrives is compared
# byte for byte with what was sent (after the Received: headers).
# Drives build/tests/lib/smtpd_serve. Needs root (Postfix) and the
# packages of scripts/setup-deps; build first: make tests.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/mailpeers.sh

S=build/tests/lib/smtpd_serve
[ "$(id -u)" -eq 0 ] || {
	echo "1..0 # SKIP needs root for the mail peers"
	exit 0
}
for t in swaks openssl postfix python3; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed (scripts/setup-deps)"
		exit 0
	}
done
[ -x "$S" ] || {
	echo "1..1"
	echo "not ok 1 $S is not built: run make tests"
	exit 1
}
work=$(mktemp -d)
serve_pid=
stop_serve() {
	[ -n "$serve_pid" ] || return 0
	kill -TERM "$serve_pid" 2>/dev/null
	wait "$serve_pid"
	serve_rc=$?
	serve_pid=
}
trap 'stop_serve; mailpeers_stop; rm -rf "$work"' EXIT
mailpeers_start "$work/peers" postfix >"$work/start.log" 2>&1 || {
	echo "1..1"
	echo "not ok 1 the mail peers did not start"
	sed 's/^/# /' "$work/start.log"
	exit 1
}
# our server's port, in the range mailpeers_start found free
SP=$((MAILPEERS_SMTP_PORT + 37))
mailpeers_relay_start "$SP" >>"$work/start.log" 2>&1 || {
	echo "1..1"
	echo "not ok 1 the relay Postfix did not start"
	sed 's/^/# /' "$work/start.log"
	exit 1
}

tap_plan 28
KEY=$MAILPEERS_DIR/tls/server.key
FROM=scanner@$MAILPEERS_DOMAIN
RCPT=fax@rx.test
n=0

# serve MODE [OPTIONS...]: our server on $SP with a fresh spool and out
# directory ($spool, $out), STARTTLS MODE, the test CA's certificate for localhost.
serve() {
	local mode=$1 i
	shift
	stop_serve
	n=$((n + 1))
	spool=$work/spool.$n out=$work/out.$n events=$work/events.$n
	mkdir -p "$spool" "$out"
	: >"$events"
	"$S" --spool "$spool" --out "$out" --port "$SP" --tls "$mode" \
		--cert "$MAILPEERS_SERVER_CERT" --key "$KEY" --events "$events" "$@" \
		>"$work/serve.out" 2>"$work/serve.err" &
	serve_pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q '^listening ' "$work/serve.out" && return 0
		sleep 0.05
	done
	echo "# smtpd_serve did not start: $(cat "$work/serve.err")"
	return 1
}

# delivered: how many messages arrived in $out.
delivered() {
	find "$out" -name '*.env' | wc -l
}

# wait_delivered N [SECONDS]: until N messages arrived.
wait_delivered() {
	local i t=${2:-10}
	for ((i = 0; i <= t * 20; i++)); do
		[ "$(delivered)" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

last_env() {
	ls -t "$out"/*.env 2>/dev/null | head -1
}

# same_as_sent FILE ORIGINAL: FILE without its leading Received: headers is ORIGINAL.
same_as_sent() {
	python3 - "$1" "$2" <<'PY'
import sys
got, want = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
lines, i, n = got.split(b"\r\n"), 0, 0
while i < len(lines) and lines[i].startswith(b"Received:"):
    i += 1
    n += 1
    while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
        i += 1
body = b"\r\n".join(lines[i:])
if body != want:
    k = next((j for j in range(min(len(body), len(want))) if body[j] != want[j]), min(len(body), len(want)))
    sys.exit(f"differs at byte {k} of {len(want)} (got {len(body)}): {body[k:k+40]!r} vs {want[k:k+40]!r}")
print(f"{n} Received: header(s), then {len(body)} bytes as sent")
PY
}

# check NAME CONDITION: ok when the shell CONDITION (evaluated here) holds;
# on failure its output and the server's last words are shown.
check() {
	local out_
	if out_=$(eval "$2" 2>&1); then
		tap_ok "$1"
	else
		tap_fail "$1" "condition: $2" "$out_" "server: $(tail -5 "$work/serve.err")"
	fi
}

newest_eml() {
	ls -t "$out"/*.eml 2>/dev/null | head -1
}

# The message: dot lines, 8-bit text, a tab, a trailing space, a 998-octet line.
python3 - "$work/msg.eml" "$work/msg.wire" <<'PY'
import sys
lines = [b"From: Scanner <scanner@irsend.test>", b"To: fax@rx.test", b"Subject: smtpd peers",
         b"Date: Mon, 01 Jan 2024 00:00:00 +0000", b"Message-ID: <peers-1@irsend.test>",
         b"MIME-Version: 1.0", b"Content-Type: text/plain; charset=utf-8",
         b"Content-Transfer-Encoding: 8bit", b"",
         b".a line that starts with a dot", b"..two dots", b".", b"(only a dot above)",
         "\u00e9t\u00e9 8-bit text".encode(), b"tab\tand trailing space ", b"x" * 998, b"",
         b"last line"]
msg = b"".join(l + b"\r\n" for l in lines)
open(sys.argv[1], "wb").write(msg)
# on the wire (swaks --data ... --no-data-fixup): stuffed, and the final "." that swaks ends with CRLF
wire = b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines) + b"."
open(sys.argv[2], "wb").write(wire)
PY
SW=(swaks --server 127.0.0.1 --port "$SP" --from "$FROM" --to "$RCPT" --helo client.test --timeout 20)
RAW=(--data "@$work/msg.wire" --no-data-fixup)

# --- STARTTLS off
serve off || exit 1
"${SW[@]}" "${RAW[@]}" >"$work/sw.log" 2>&1
check "off: swaks delivers, byte for byte after our Received:" \
	'[ "$(delivered)" = 1 ] && same_as_sent "$(newest_eml)" "$work/msg.eml"'
check "off: EHLO has PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, DSN; no STARTTLS, no AUTH" \
	'grep -q "250-PIPELINING" "$work/sw.log" && grep -q "250-SIZE 10485760" "$work/sw.log" &&
	grep -q "250-8BITMIME" "$work/sw.log" && grep -q "250-ENHANCEDSTATUSCODES" "$work/sw.log" &&
	grep -q "250 DSN" "$work/sw.log" && ! grep -qE "STARTTLS|AUTH" "$work/sw.log"'
"${SW[@]}" --pipeline "${RAW[@]}" >"$work/sw.log" 2>&1
check "off: swaks --pipeline delivers the same bytes" \
	'grep -q "PIPELINING" "$work/sw.log" && [ "$(delivered)" = 2 ] && same_as_sent "$(newest_eml)" "$work/msg.eml"'
"${SW[@]}" --quit-after RCPT >"$work/sw.log" 2>&1
check "off: swaks --quit-after RCPT: nothing delivered, nothing left in the spool" \
	'[ "$(delivered)" = 2 ] && [ -z "$(ls "$spool")" ] && grep -q "221 2.0.0 Bye" "$work/sw.log"'
"${SW[@]}" --tls >"$work/sw.log" 2>&1
check "off: swaks --tls finds no STARTTLS and sends nothing" \
	'grep -q "STARTTLS" "$work/sw.log" && ! grep -q "MAIL FROM" "$work/sw.log" && [ "$(delivered)" = 2 ]'
"${SW[@]}" --tls-on-connect >"$work/sw.log" 2>&1
sw_rc=$?
"${SW[@]}" --body "after the TLS client" >/dev/null 2>&1
check "off: swaks --tls-on-connect turned away at once (no implicit TLS); the server serves on" \
	'[ "$sw_rc" != 0 ] && grep -q "^PROTOCOL 127.0.0.1 TLS handshake without STARTTLS" "$events" &&
	[ "$(delivered)" = 3 ]'
# smuggling: "<LF>.<LF>" with a second transaction behind it
printf 'Subject: one\r\n\r\nfirst\r\n.\nMAIL FROM:<evil@attacker.test>\r\nRCPT TO:<victim@rx.test>\r\nDATA\r\nsmuggled\r\n.' >"$work/smuggle.wire"
"${SW[@]}" --data "@$work/smuggle.wire" --no-data-fixup >"$work/sw.log" 2>&1
check "off: <LF>.<LF> in DATA (SMTP smuggling): 521 5.5.2, closed, nothing delivered" \
	'grep -q "521 5.5.2 Error: bare <LF> received" "$work/sw.log" && [ "$(delivered)" = 3 ] &&
	[ -z "$(ls "$spool")" ]'
stop_serve

# --- limits
serve off --max-size 2000 || exit 1
python3 -c "print('Subject: big\r\n\r\n' + ('y' * 70 + '\r\n') * 40, end='')" >"$work/big.eml"
"${SW[@]}" --data "@$work/big.eml" >"$work/sw.log" 2>&1
check "size: a message over SIZE 2000 is refused with 552 5.3.4 after its end" \
	'grep -q "250-SIZE 2000" "$work/sw.log" && grep -q "552 5.3.4" "$work/sw.log" &&
	[ "$(delivered)" = 0 ] && [ -z "$(ls "$spool")" ]'
stop_serve

# --- STARTTLS on
serve on || exit 1
"${SW[@]}" --tls "${RAW[@]}" >"$work/sw.log" 2>&1
check "on: swaks --tls delivers under TLS 1.3, byte for byte" \
	'grep -q "TLS started" "$work/sw.log" && grep -q "^tls 1 TLSv1.3 " "$(last_env)" &&
	same_as_sent "$(newest_eml)" "$work/msg.eml"'
check "on: our Received: header says ESMTPS and names the cipher" \
	'grep -q " with ESMTPS id " "$(newest_eml)" && grep -q "(using TLSv1.3 with cipher TLS_" "$(newest_eml)"'
"${SW[@]}" "${RAW[@]}" >"$work/sw.log" 2>&1
check "on: STARTTLS offered, plaintext mail accepted too" \
	'[ "$(delivered)" = 2 ] && grep -q "250-STARTTLS\|250 STARTTLS" "$work/sw.log" && grep -q "^tls 0 " "$(last_env)"'
"${SW[@]}" --tls --tls-protocol tlsv1_1 >"$work/sw.log" 2>&1
check "on: a TLS 1.1 client: handshake refused (SMTPD_EV_TLS_ERROR), nothing delivered" \
	'grep -q "^TLS_ERROR 127.0.0.1 TLS handshake failed" "$events" && [ "$(delivered)" = 2 ]'
printf 'EHLO s-client.test\nQUIT\n' | timeout 20 openssl s_client -starttls smtp \
	-connect "127.0.0.1:$SP" -CAfile "$MAILPEERS_CA" -verify_hostname localhost \
	-verify_return_error -crlf -ign_eof -brief >"$work/ossl.out" 2>"$work/ossl.err"
check "on: openssl s_client -starttls smtp: certificate verified, TLSv1.3, EHLO again under TLS" \
	'grep -q "Verification: OK" "$work/ossl.err" && grep -q "Protocol version: TLSv1.3" "$work/ossl.err" &&
	grep -q "^250-rx.test" "$work/ossl.out" && ! grep -q STARTTLS "$work/ossl.out" &&
	grep -q "^221 2.0.0 Bye" "$work/ossl.out"'
printf 'QUIT\n' | timeout 20 openssl s_client -starttls smtp -connect "127.0.0.1:$SP" -tls1_2 \
	-crlf -ign_eof -brief >"$work/ossl.out" 2>"$work/ossl.err"
check "on: openssl s_client -tls1_2 gets a forward-secret AEAD suite" \
	'grep -qE "Ciphersuite: ECDHE-RSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)" "$work/ossl.err"'
printf 'QUIT\n' | timeout 20 openssl s_client -starttls smtp -connect "127.0.0.1:$SP" -tls1_2 \
	-cipher AES128-SHA -crlf -ign_eof -brief >"$work/ossl.out" 2>"$work/ossl.err"
ossl_rc=$?
check "on: openssl s_client -tls1_2 -cipher AES128-SHA (no forward secrecy) refused" \
	'[ "$ossl_rc" != 0 ] && grep -q "^TLS_ERROR 127.0.0.1 TLS handshake failed: no shared cipher" "$events"'
stop_serve

# --- STARTTLS required
serve required || exit 1
"${SW[@]}" >"$work/sw.log" 2>&1
check "required: MAIL before STARTTLS gets exactly '530 Must issue a STARTTLS command first', closed" \
	'grep -q "<\*\* 530 Must issue a STARTTLS command first" "$work/sw.log" &&
	grep -q "Remote host closed connection" "$work/sw.log" &&
	grep -q "^TLS_REJECT 127.0.0.1 MAIL before STARTTLS" "$events" && [ "$(delivered)" = 0 ]'
"${SW[@]}" --tls "${RAW[@]}" >"$work/sw.log" 2>&1
check "required: swaks --tls delivers, byte for byte" \
	'[ "$(delivered)" = 1 ] && same_as_sent "$(newest_eml)" "$work/msg.eml"'

# --- a real Postfix relaying to us
PF=(swaks --server 127.0.0.1 --from "$FROM" --to "$RCPT" --helo client.test --timeout 20)
l0=$(wc -l <"$MAILPEERS_RELAY_LOG")
"${PF[@]}" --port "$MAILPEERS_RELAY_ENCRYPT_PORT" "${RAW[@]}" >"$work/sw.log" 2>&1
wait_delivered 2 15
id=$(basename "$(last_env)" .env)
relay_log() { tail -n +$((l0 + 1)) "$MAILPEERS_RELAY_LOG"; }
check "Postfix encrypt -> required: relayed under TLS, byte for byte after two Received:" \
	'[ "$(delivered)" = 2 ] && grep -q "^tls 1 " "$out/$id.env" && same_as_sent "$out/$id.eml" "$work/msg.eml" |
	grep -q "^2 Received"'
check "Postfix encrypt -> required: its log: verified TLS 1.3 to us, status=sent (250 ... queued as $id)" \
	'relay_log | grep -q "Trusted TLS connection established to 127.0.0.1\[127.0.0.1\]:$SP: TLSv1.3" &&
	relay_log | grep -q "status=sent (250 2.0.0 Ok: queued as $id)"'
"${PF[@]}" --port "$MAILPEERS_RELAY_PORT" --to "a@rx.test,b@rx.test,c@rx.test" "${RAW[@]}" >"$work/sw.log" 2>&1
wait_delivered 3 15
check "Postfix may -> required: three recipients in one transaction, under TLS, 8BITMIME" \
	'[ "$(delivered)" = 3 ] && [ "$(grep -c "^rcpt " "$(last_env)")" = 3 ] && grep -q "^tls 1 " "$(last_env)" &&
	grep -qx "body 8BITMIME" "$(last_env)"'
stop_serve

serve off || exit 1
l0=$(wc -l <"$MAILPEERS_RELAY_LOG")
"${PF[@]}" --port "$MAILPEERS_RELAY_ENCRYPT_PORT" --body "must not go in the clear" >"$work/sw.log" 2>&1
for ((i = 0; i < 100; i++)); do
	relay_log | grep -q "TLS is required, but was not offered" && break
	sleep 0.1
done
check "Postfix encrypt -> off: nothing delivered; Postfix keeps it: TLS required, not offered" \
	'[ "$(delivered)" = 0 ] && relay_log | grep -q "TLS is required, but was not offered" &&
	! mailpeers_relay_queue_empty 0'
mailpeers_relay_flush
"${PF[@]}" --port "$MAILPEERS_RELAY_PORT" "${RAW[@]}" >"$work/sw.log" 2>&1
wait_delivered 1 15
check "Postfix may -> off: relayed in plaintext, byte for byte" \
	'[ "$(delivered)" = 1 ] && grep -q "^tls 0 " "$(last_env)" && same_as_sent "$(newest_eml)" "$work/msg.eml"'
stop_serve

# deliver() refuses the first try: Postfix keeps the message and tries again; it arrives once
serve on --refuse-first 1 --refuse-reply "451 4.3.0 Memory RX Inbox busy, try again" || exit 1
l0=$(wc -l <"$MAILPEERS_RELAY_LOG")
"${PF[@]}" --port "$MAILPEERS_RELAY_PORT" --body "second time lucky" >"$work/sw.log" 2>&1
# Postfix retries on its own within a second or two, except when its queue manager met the
# file while the refusal was still being written ("skipped, still being delivered"): then
# only its next full scan does; a flush asks for that scan now.
for ((i = 0; i < 10; i++)); do
	wait_delivered 1 2 && break
	postqueue -c "$MAILPEERS_RELAY_CONFIG" -f >/dev/null 2>&1
done
sleep 2 # a second copy would be here by now
check "Postfix gets 451 from deliver(): deferred, retried, delivered exactly once" \
	'[ "$(delivered)" = 1 ] && relay_log | grep -q "451 4.3.0 Memory RX Inbox busy" &&
	relay_log | grep -q "status=sent (250 2.0.0 Ok: queued as"'
check "nothing lost or left behind: the spool is empty after the refusal and the retry" \
	'[ -z "$(ls "$spool")" ]'
# DSN parameters as Postfix passes them on (a local submission: sendmail -N -R -V)
printf 'Subject: dsn\n\nplease tell me\n' |
	sendmail -C "$MAILPEERS_RELAY_CONFIG" -N success,delay -R hdrs -V peers-envid-7 -f "$FROM" "$RCPT"
wait_delivered 2 20
check "Postfix sendmail -N success,delay -R hdrs -V: RET, ENVID, NOTIFY and ORCPT reach deliver()" \
	'grep -qx "ret HDRS" "$(last_env)" && grep -qx "envid peers-envid-7" "$(last_env)" &&
	grep -qx "rcpt $RCPT notify=SUCCESS,DELAY, orcpt=rfc822;$RCPT" "$(last_env)"'
stop_serve
check "smtpd_serve stopped cleanly and counted 2 accepted, 1 refused, 0 aborted" \
	'[ "$serve_rc" = 0 ] && grep -q "messages accepted 2 refused 1 aborted 0" "$work/serve.err"'

# --- 20 at once through Postfix, then a stop with a session open
serve on || exit 1
pids=()
for i in $(seq 1 20); do
	"${PF[@]}" --port "$MAILPEERS_RELAY_PORT" --body "message $i" >/dev/null 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
wait_delivered 20 30
check "20 messages through Postfix at once: all 20 arrive" '[ "$(delivered)" = 20 ]'
exec 7<>"/dev/tcp/127.0.0.1/$SP"
read -r -t 5 greeting <&7
stop_serve
read -r -t 5 bye <&7
exec 7<&-
check "stop with a session open: it gets 421 4.3.2, the server exits 0, the spool is empty" \
	'[[ "$greeting" == 220* ]] && [[ "$bye" == "421 4.3.2 "* ]] && [ "$serve_rc" = 0 ] &&
	[ -z "$(ls "$spool")" ]'
tap_done
