#!/bin/bash
# POP3 reception through the agent (irsendctl receive check --wait, the
# pop.* settings) against more real servers than irsendd_receive.sh, each
# server's own log telling what happened on its side:
#   - Cyrus pop3d with Cyrus SASL (sasldb): POP AUTH NTLM without TLS, the
#     message delivered by Cyrus's own LMTP path lands in the Memory RX
#     Inbox; PLAIN and LOGIN (offered in plaintext) are not used without TLS
#     (#845, only CAPA on the wire) and are used under STLS; a wrong
#     password is #845;
#   - Dovecot: USER/PASS with STLS off and on, CRAM-MD5 by setting, APOP;
#     "Allow SSL (POP)" against a Dovecot without STLS is #844 for every
#     login method with no login tried; APOP against a Dovecot without APOP
#     is #846 with nothing sent;
#   - a server without UIDL: none is packaged (see tests/lib/mailpeers.sh),
#     so that case is skipped here and left to pop3_test.c.
# Whenever a check fails, the message stays on the server. A recording
# relay in front of a real server shows what the agent sent. Needs root
# and scripts/setup-deps; build first: make user tests.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh
. tests/lib/mailpeers.sh

irsendd_need_root
for t in python3 dovecot setpriv /usr/sbin/cyrmaster; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed: run scripts/setup-deps"
		exit 0
	}
done
tap_plan 21
SECONDS=0
work=$(mktemp -d)
trap 'irsendd_cleanup; mailpeers_stop; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
if ! mailpeers_start "$work/peers" dovecot cyrus >"$work/peers.log" 2>&1; then
	tap_fail "start Dovecot (three instances) and Cyrus" "$(tail -20 "$work/peers.log")"
	tap_done
fi
irsendd_provision "$work" && irsendd_start "$work" && irsendd_license SEND || {
	tap_fail "start irsendd with SEND"
	tap_done
}
md=$MAILPEERS_POP_MAILDIR
PW=$MAILPEERS_PASSWORD
cp "$MAILPEERS_CA" "$work/ca.pem" && chmod 0644 "$work/ca.pem"
rm -f "$md"/new/* "$md"/cur/*

# set K=V...: agent settings (service-mode keys are upper case).
set_() {
	local kv
	for kv in "$@"; do
		case $kv in
		[A-Z]*) ctl service set "${kv%%=*}" "${kv#*=}" >/dev/null ;;
		*) ctl settings set "${kv%%=*}" "${kv#*=}" >/dev/null ;;
		esac || echo "# cannot set $kv"
	done
}
set_ pop.server=127.0.0.1 pop.user="$MAILPEERS_USER" pop.password="$PW" pop.interval=0 \
	tls.ca_file="$work/ca.pem"

# check: one POP check through the agent; its output in $out, exit status in $rc.
check() {
	out=$(ctl receive check --wait 2>&1)
	rc=$?
}

# message FILE SUBJECT: a small mail made by Python's email library.
message() {
	python3 - "$1" "$2" "$MAILPEERS_USER@$MAILPEERS_DOMAIN" <<'PY'
import sys, email.message, email.utils
m = email.message.EmailMessage()
m["From"] = "sender@example.org"
m["To"] = sys.argv[3]
m["Subject"] = sys.argv[2]
m["Date"] = email.utils.formatdate()
m["Message-ID"] = email.utils.make_msgid()
m.set_content("reception test: %s\n" % sys.argv[2])
open(sys.argv[1], "wb").write(bytes(m))
PY
}
n_msg=0
# cyr_drop SUBJECT: a message into the Cyrus INBOX through cyrdeliver and lmtpd.
cyr_drop() {
	n_msg=$((n_msg + 1))
	message "$work/m$n_msg.eml" "$1" && mailpeers_cyrus_deliver "$work/m$n_msg.eml" ||
		echo "# cannot deliver '$1' to Cyrus"
}
# dv_drop SUBJECT: a message into the Maildir all three Dovecots serve.
dv_drop() {
	n_msg=$((n_msg + 1))
	message "$md/new/$n_msg.M$n_msg.pop-peers" "$1"
	chown "$(stat -c %u:%g "$md")" "$md/new/$n_msg.M$n_msg.pop-peers"
}
dv_count() {
	find "$md/new" "$md/cur" -type f | wc -l
}

# mark FILE: its size now; since FILE MARK: what was written after that.
mark() { stat -c %s "$1"; }
since() { tail -c +$(($2 + 1)) "$1"; }
# wait_log FILE MARK REGEX: until REGEX shows up after MARK (the servers log
# asynchronously); 1 after 5 s.
wait_log() {
	local i
	for ((i = 0; i < 100; i++)); do
		since "$1" "$2" | grep -Eq -- "$3" && return 0
		sleep 0.05
	done
	return 1
}
# in_rx SUBJECT: the document shows up in the Memory RX Inbox (the worker
# stores it after the check).
in_rx() {
	local i
	for ((i = 0; i < 50; i++)); do
		ctl box show rx 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# relay_start TARGET_PORT: a relay on a free port that records what the
# client sends to the real server at TARGET_PORT (one connection); its
# port in $relay_port, the bytes in $work/relay.bin once relay_wait ends.
relay_start() {
	rm -f "$work/relay.bin" "$work/relay.port"
	python3 - "$1" "$work/relay.bin" "$work/relay.port" <<'PY' &
import socket, sys, threading
target, rec, portfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
ls.settimeout(30)
open(portfile + ".tmp", "w").write(str(ls.getsockname()[1]))
import os; os.rename(portfile + ".tmp", portfile)
c, _ = ls.accept()
s = socket.create_connection(("127.0.0.1", target), timeout=30)
c.settimeout(30)
f = open(rec, "wb", buffering=0)
def pump(a, b, record):
    while True:
        try:
            d = a.recv(65536)
        except OSError:
            d = b""
        if not d:
            try:
                b.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            return
        if record:
            f.write(d)
        try:
            b.sendall(d)
        except OSError:
            return
t = threading.Thread(target=pump, args=(s, c, False), daemon=True)
t.start()
pump(c, s, True)
t.join(5)
PY
	relay_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$work/relay.port" ] && break
		sleep 0.05
	done
	relay_port=$(cat "$work/relay.port" 2>/dev/null)
}
relay_wait() {
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$relay_pid" 2>/dev/null || break
		sleep 0.05
	done
	kill "$relay_pid" 2>/dev/null
	wait "$relay_pid" 2>/dev/null
}
# only_capa: the client sent CAPA (and at most QUIT) and nothing else.
only_capa() {
	[ -s "$work/relay.bin" ] && ! tr -d '\r' <"$work/relay.bin" | grep -qvxE 'CAPA|QUIT'
}
sent() { tr -d '\r' <"$work/relay.bin" 2>/dev/null | tr '\n' '|'; }

# ---- Cyrus pop3d: POP AUTH NTLM, PLAIN and LOGIN ----
CY=$MAILPEERS_CYRUS_LOG
set_ pop.port="$MAILPEERS_CYRUS_POP3_PORT" pop.auth=popauth pop.stls=off
cyr_drop "cyrus ntlm"
m=$(mark "$CY")
check
if [ $rc -eq 0 ] && grep -q '1 new message' <<<"$out" && [ "$(mailpeers_cyrus_count)" = 0 ]; then
	tap_ok "Cyrus, POP AUTH without TLS: the message is fetched and deleted on the server"
else
	tap_fail "Cyrus, POP AUTH without TLS: the message is fetched and deleted on the server" \
		"exit $rc" "$out" "on the server: $(mailpeers_cyrus_count)" "$(since "$CY" "$m")"
fi
if wait_log "$CY" "$m" "login: [^ ]+ \[127\.0\.0\.1\] $MAILPEERS_USER NTLM User logged in"; then
	tap_ok "Cyrus's log: $MAILPEERS_USER logged in with NTLM (no TLS)"
else
	tap_fail "Cyrus's log: $MAILPEERS_USER logged in with NTLM (no TLS)" "$(since "$CY" "$m")"
fi
in_rx "cyrus ntlm" && tap_ok "the message is in the Memory RX Inbox (box show rx)" ||
	tap_fail "the message is in the Memory RX Inbox (box show rx)" "$(ctl box show rx 2>&1)"

# A wrong password: #845, nothing lost.
set_ pop.password=wrong-Pass.1
cyr_drop "cyrus kept 1"
m=$(mark "$CY")
check
if [ $rc -eq 1 ] && grep -q '#845' <<<"$out" && [ "$(mailpeers_cyrus_count)" = 1 ] &&
	wait_log "$CY" "$m" "badlogin: .*$MAILPEERS_USER.*NTLM|badlogin: .*NTLM.*$MAILPEERS_USER"; then
	tap_ok "NTLM with a wrong password: Cyrus refuses (badlogin), #845, the message stays"
else
	tap_fail "NTLM with a wrong password: Cyrus refuses (badlogin), #845, the message stays" \
		"exit $rc" "$out" "on the server: $(mailpeers_cyrus_count)" "$(since "$CY" "$m")"
fi
set_ pop.password="$PW"

# NTLM off (NS-NTLM): PLAIN and LOGIN are offered in plaintext, and refused by us.
set_ NS-NTLM=1
relay_start "$MAILPEERS_CYRUS_POP3_PORT"
set_ pop.port="$relay_port"
m=$(mark "$CY")
check
relay_wait
wait_log "$CY" "$m" "counts: " >/dev/null
if [ $rc -eq 1 ] && grep -q '#845' <<<"$out" && only_capa && [ "$(mailpeers_cyrus_count)" = 1 ] &&
	! since "$CY" "$m" | grep -Eq 'login:'; then
	tap_ok "no TLS, NTLM off: PLAIN and LOGIN not used (#845, only CAPA sent), the message stays"
else
	tap_fail "no TLS, NTLM off: PLAIN and LOGIN not used (#845, only CAPA sent), the message stays" \
		"exit $rc" "$out" "sent: $(sent)" "on the server: $(mailpeers_cyrus_count)" "$(since "$CY" "$m")"
fi
set_ pop.port="$MAILPEERS_CYRUS_POP3_PORT" pop.stls=on
m=$(mark "$CY")
check
if [ $rc -eq 0 ] && [ "$(mailpeers_cyrus_count)" = 0 ] &&
	wait_log "$CY" "$m" "login: [^ ]+ \[127\.0\.0\.1\] $MAILPEERS_USER PLAIN\+TLS User logged in"; then
	tap_ok "under STLS, NTLM off: PLAIN is used (Cyrus: PLAIN+TLS), the message fetched"
else
	tap_fail "under STLS, NTLM off: PLAIN is used (Cyrus: PLAIN+TLS), the message fetched" \
		"exit $rc" "$out" "on the server: $(mailpeers_cyrus_count)" "$(since "$CY" "$m")"
fi
set_ pop.password=wrong-Pass.1
cyr_drop "cyrus kept 2"
m=$(mark "$CY")
check
if [ $rc -eq 1 ] && grep -q '#845' <<<"$out" && [ "$(mailpeers_cyrus_count)" = 1 ] &&
	wait_log "$CY" "$m" "badlogin: .*PLAIN"; then
	tap_ok "PLAIN under STLS with a wrong password: #845, the message stays"
else
	tap_fail "PLAIN under STLS with a wrong password: #845, the message stays" \
		"exit $rc" "$out" "on the server: $(mailpeers_cyrus_count)" "$(since "$CY" "$m")"
fi
set_ pop.password="$PW" NS-NTLM=0

# The Cyrus service that offers LOGIN only.
relay_start "$MAILPEERS_CYRUS_POP3_LOGIN_PORT"
set_ pop.port="$relay_port" pop.stls=off
m=$(mark "$CY")
check
relay_wait
wait_log "$CY" "$m" "counts: " >/dev/null
if [ $rc -eq 1 ] && grep -q '#845' <<<"$out" && only_capa && [ "$(mailpeers_cyrus_count)" = 1 ] &&
	! since "$CY" "$m" | grep -Eq 'login:'; then
	tap_ok "a server offering only LOGIN, no TLS: LOGIN not used (#845, only CAPA sent), the message stays"
else
	tap_fail "a server offering only LOGIN, no TLS: LOGIN not used (#845, only CAPA sent), the message stays" \
		"exit $rc" "$out" "sent: $(sent)" "on the server: $(mailpeers_cyrus_count)" "$(since "$CY" "$m")"
fi
set_ pop.port="$MAILPEERS_CYRUS_POP3_LOGIN_PORT" pop.stls=on
m=$(mark "$CY")
check
if [ $rc -eq 0 ] && [ "$(mailpeers_cyrus_count)" = 0 ] &&
	wait_log "$CY" "$m" "login: [^ ]+ \[127\.0\.0\.1\] $MAILPEERS_USER LOGIN\+TLS User logged in"; then
	tap_ok "the same under STLS: LOGIN is used (Cyrus: LOGIN+TLS), the message fetched"
else
	tap_fail "the same under STLS: LOGIN is used (Cyrus: LOGIN+TLS), the message fetched" \
		"exit $rc" "$out" "on the server: $(mailpeers_cyrus_count)" "$(since "$CY" "$m")"
fi
for s in "cyrus kept 1" "cyrus kept 2"; do
	in_rx "$s" || break
done && tap_ok "the messages kept by the failed checks are in the Memory RX Inbox" ||
	tap_fail "the messages kept by the failed checks are in the Memory RX Inbox" "$(ctl box show rx 2>&1)"

# ---- Dovecot: STLS off and on, CRAM-MD5, APOP; no STLS; no APOP ----
DV=$MAILPEERS_DIR/dovecot/dovecot.log
# dv_login NAME METHOD TLS SETTINGS...: a check with SETTINGS against the
# main Dovecot fetches a new message, and Dovecot's Login: line names METHOD
# and says TLS or not (TLS: yes or no).
dv_login() {
	local name=$1 method=$2 tls=$3 m line ok=1
	shift 3
	set_ pop.port="$MAILPEERS_POP3_PORT" "$@"
	dv_drop "dovecot $name"
	m=$(mark "$DV")
	check
	wait_log "$DV" "$m" "Login: user=<$MAILPEERS_USER>" >/dev/null
	line=$(since "$DV" "$m" | grep "Login: user=<$MAILPEERS_USER>")
	grep -q "method=$method," <<<"$line" || ok=0
	if grep -q ', TLS,' <<<"$line"; then
		[ "$tls" = yes ] || ok=0
	else
		[ "$tls" = no ] || ok=0
	fi
	if [ $rc -eq 0 ] && [ "$(dv_count)" = 0 ] && [ $ok = 1 ]; then
		tap_ok "Dovecot, $name"
	else
		tap_fail "Dovecot, $name" "exit $rc" "$out" "on the server: $(dv_count)" \
			"login line: ${line:-none}" "wanted method=$method, TLS: $tls"
	fi
}
dv_login "USER/PASS, STLS off: a login in plaintext" PLAIN no pop.auth=standard pop.stls=off
dv_login "USER/PASS, STLS on: the login under TLS" PLAIN yes pop.stls=on
dv_login "POP AUTH with pop.cram_md5 on, no TLS: CRAM-MD5" CRAM-MD5 no \
	pop.stls=off pop.auth=popauth pop.cram_md5=on
dv_login "APOP, no TLS (the greeting has a timestamp)" APOP no pop.cram_md5=off pop.auth=apop

# "Allow SSL (POP)" on, against a Dovecot without STLS: #844 for every
# login method, and no login tried (Dovecot's log, the bytes sent).
NL=$MAILPEERS_POP3_NOTLS_LOG
dv_drop "dovecot kept 1"
bad=
for a in standard apop popauth; do
	relay_start "$MAILPEERS_POP3_NOTLS_PORT"
	set_ pop.port="$relay_port" pop.stls=on pop.auth=$a
	m=$(mark "$NL")
	check
	relay_wait
	wait_log "$NL" "$m" "Disconnected" >/dev/null
	if [ $rc -ne 1 ] || ! grep -q '#844' <<<"$out" || ! only_capa || [ "$(dv_count)" != 1 ] ||
		! since "$NL" "$m" | grep -q 'no auth attempts' || since "$NL" "$m" | grep -Eq 'Login:|auth failed'; then
		bad+="$a: exit $rc; $out; sent: $(sent); on the server: $(dv_count); log: $(since "$NL" "$m")"$'\n'
	fi
done
[ -z "$bad" ] && tap_ok "STLS on, server without STLS: #844 (standard, APOP, POP AUTH), only CAPA sent, no auth attempt, the message stays" ||
	tap_fail "STLS on, server without STLS: #844 (standard, APOP, POP AUTH), only CAPA sent, no auth attempt, the message stays" "$bad"

# APOP against a Dovecot without APOP: #846, nothing sent, with or without STLS.
NA=$MAILPEERS_POP3_NOAPOP_LOG
relay_start "$MAILPEERS_POP3_NOAPOP_PORT"
set_ pop.port="$relay_port" pop.stls=off pop.auth=apop
m=$(mark "$NA")
check
relay_wait
wait_log "$NA" "$m" "Disconnected" >/dev/null
if [ $rc -eq 1 ] && grep -q '#846' <<<"$out" && only_capa && [ "$(dv_count)" = 1 ] &&
	since "$NA" "$m" | grep -q 'no auth attempts' && ! since "$NA" "$m" | grep -Eq 'Login:|auth failed'; then
	tap_ok "APOP, server without APOP: #846, only CAPA sent, no auth attempt, the message stays"
else
	tap_fail "APOP, server without APOP: #846, only CAPA sent, no auth attempt, the message stays" \
		"exit $rc" "$out" "sent: $(sent)" "on the server: $(dv_count)" "$(since "$NA" "$m")"
fi
set_ pop.port="$MAILPEERS_POP3_NOAPOP_PORT" pop.stls=on
m=$(mark "$NA")
check
wait_log "$NA" "$m" "Disconnected" >/dev/null
if [ $rc -eq 1 ] && grep -q '#846' <<<"$out" && [ "$(dv_count)" = 1 ] &&
	since "$NA" "$m" | grep -q 'no auth attempts' && ! since "$NA" "$m" | grep -Eq 'Login:|auth failed'; then
	tap_ok "the same under STLS: #846, no auth attempt, the message stays"
else
	tap_fail "the same under STLS: #846, no auth attempt, the message stays" \
		"exit $rc" "$out" "on the server: $(dv_count)" "$(since "$NA" "$m")"
fi
# The same server with USER/PASS: the message was only waiting for a login that works.
set_ pop.auth=standard
check
if [ $rc -eq 0 ] && [ "$(dv_count)" = 0 ] && in_rx "dovecot kept 1"; then
	tap_ok "that server with USER/PASS: the kept message is fetched into the Memory RX Inbox"
else
	tap_fail "that server with USER/PASS: the kept message is fetched into the Memory RX Inbox" \
		"exit $rc" "$out" "on the server: $(dv_count)"
fi

# ---- no UIDL ----
tap_skip "a server without UIDL: 'POP server UIDL error'" \
	"no packaged POP3 server lacks UIDL (Debian 12: Dovecot, Cyrus, Courier, popa3d, solid-pop3d and GNU mailutils pop3d answer it, none can turn it off; qpopper and Citadel are not packaged); pop3_test.c's scripted server covers it"

# ---- all of it ----
if grep -qF -- "$PW" "$work/irsendd.log"; then
	tap_fail "the password never appears in the agent's log" "$(grep -cF -- "$PW" "$work/irsendd.log") lines"
else
	tap_ok "the password never appears in the agent's log"
fi
log=$(ctl receive log --json)
if python3 - "$log" <<'PY'; then
import json, sys
r = json.loads(sys.argv[1])["receptions"]
subj = sorted(e["subject"] for e in r)
want = sorted(["cyrus ntlm", "cyrus kept 1", "cyrus kept 2", "dovecot kept 1"] +
              ["dovecot " + s for s in (
                  "USER/PASS, STLS off: a login in plaintext", "USER/PASS, STLS on: the login under TLS",
                  "POP AUTH with pop.cram_md5 on, no TLS: CRAM-MD5",
                  "APOP, no TLS (the greeting has a timestamp)")])
assert subj == want, (subj, want)
assert all(e["code"] == 0 and e["source"] == "pop" and e["kind"] == "text" for e in r), r
PY
	tap_ok "reception log: each of the 8 messages once, from POP, without an error"
else
	tap_fail "reception log: each of the 8 messages once, from POP, without an error" "$log"
fi
echo "# $SECONDS s"
tap_done
