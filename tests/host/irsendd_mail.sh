#!/bin/bash
# irsendd sending e-mail and I-Fax through real servers (tests/lib/mailpeers.sh:
# Postfix with Cyrus SASL, Dovecot): the delivered message is checked against
# the document the same job stored in a box; broadcasts, I-Fax simple and
# full mode, POP before SMTP, a temporary failure retried until it goes
# through (also across a kill -9), and failures that are not retried;
# serverless I-Fax straight to the host in the address, with its size
# limit (IFAX-SZL); divided pages (IFAX-PGD) within mail.max_size_mb;
# cancelling a delivery that waits on a server that never answers, and a
# stop of the agent meanwhile (the delivery goes at the next start).
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
tap_plan 28
work=$(mktemp -d)
trap 'irsendd_cleanup; mailpeers_stop; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
if ! mailpeers_start "$work/peers" postfix dovecot krb5 >"$work/peers.log" 2>&1; then
	tap_fail "start Postfix, Dovecot and the KDC" "$(tail -20 "$work/peers.log")"
	tap_done
fi
# The agent finds the test realm's KDC as a device finds its own: krb5.conf.
export KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG KRB5CCNAME=FILE:$work/no-such-cache
irsendd_provision "$work" || {
	tap_fail "provision the agent's NVRAM directory with irsend-lms"
	tap_done
}
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

# Without the SEND option a mail destination is refused, with no job made.
out=$(ctl send --box 1 --to "$rcpt" --format pdf --name nosend "$work/page.pbm" 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q 'need the SEND option, which is not active' <<<"$out" &&
	[ "$(ctl jobs --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(len(j["active"]) + len(j["ended"]))')" = 0 ]; then
	tap_ok "without SEND: an e-mail destination is refused, no job"
else
	tap_fail "without SEND: an e-mail destination is refused, no job" "exit $rc" "$out"
fi
if irsendd_license SEND; then
	tap_ok "SEND registered from an irsend-lms key and active after a restart"
else
	tap_fail "SEND registered from an irsend-lms key and active after a restart" \
		"$(ctl license list 2>&1)" "$(tail -5 "$work/irsendd.log")"
fi

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

set_all smtp.server 127.0.0.1

# noise_pages N FILE: N A4 pages at 200 dpi, one dot in 16 set at random
# (what no fax coding compresses well: about 300 KB of MH a page).
noise_pages() {
	python3 - "$@" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
w, h = 1728, 2292
rnd = random.Random(7)
with open(path, "wb") as f:
    for _ in range(n):
        f.write(b"P4\n%d %d\n" % (w, h))
        size = w // 8 * h
        bits = -1
        for _ in range(4):  # the AND of 4 random bits is set once in 16
            bits &= int.from_bytes(rnd.randbytes(size), "big")
        f.write(bits.to_bytes(size, "big"))
PY
	chmod 0644 "$2"
}

# 13. Serverless I-Fax: straight to the host after the '@' (here Postfix on
# 127.0.0.1, port SMTPTXPN), without TLS or AUTH although the server offers both.
ctl service set SMTPTXPN "$MAILPEERS_SMTP_PORT" >/dev/null
direct='fax@[127.0.0.1]'
out=$(ctl send --to "$direct" --ifax direct "$work/page.pbm" 2>&1)
rc=$?
msg=$(mailpeers_wait_delivery "$direct" 30)
if [ $rc -eq 0 ] && [ -n "$msg" ] && grep -q 'faxbw' "$msg" &&
	grep -m1 -A2 '^Received:' "$msg" | grep -q 'with ESMTP id'; then
	tap_ok "serverless I-Fax to fax@[127.0.0.1]: delivered by the host itself, plain ESMTP (no TLS, no AUTH)"
else
	tap_fail "serverless I-Fax to fax@[127.0.0.1]" "exit $rc" "$out" "${msg:-no message}" \
		"$(grep -m1 -A2 '^Received:' "${msg:-/dev/null}")"
fi

# 14-15. Its size limit: over ifax.serverless_max_mb it fails with #705
# before connecting; with IFAX-SZL 1 the same document goes.
noise_pages 4 "$work/noise4.pbm"
set_all ifax.serverless_max_mb 1
out=$(ctl send --to "$direct" --ifax direct "$work/noise4.pbm" 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q '#705' <<<"$out" && [ "$(mailpeers_count "$direct")" = 1 ] &&
	tap_ok "serverless I-Fax over ifax.serverless_max_mb (1 MB): #705, nothing sent" ||
	tap_fail "serverless I-Fax over ifax.serverless_max_mb: #705" "exit $rc" "$out"
ctl service set IFAX-SZL 1 >/dev/null
out=$(ctl send --to "$direct" --ifax direct "$work/noise4.pbm" 2>&1)
rc=$?
msg=$(mailpeers_wait_delivery "$direct" 30)
ctl service set IFAX-SZL 0 >/dev/null
[ $rc -eq 0 ] && [ -n "$msg" ] && [ "$(stat -c %s "$msg")" -gt 1048576 ] &&
	tap_ok "IFAX-SZL 1: the same $(($(stat -c %s "$msg") / 1024)) KiB serverless I-Fax goes" ||
	tap_fail "IFAX-SZL 1: the serverless I-Fax goes" "exit $rc" "$out" "${msg:-no message}"

# 16. Divided pages (IFAX-PGD 1): a simple-mode I-Fax over mail.max_size_mb
# goes as several messages, each within the limit, "(k/n)" in the subject,
# and their pages together are the document's, pixel for pixel.
noise_pages 6 "$work/noise6.pbm"
ctl service set IFAX-PGD 1 >/dev/null
set_all mail.max_size_mb 1
pgd=pgd@$MAILPEERS_DOMAIN
out=$(ctl send --box 1 --to "$pgd" --ifax simple --name divided "$work/noise6.pbm" 2>&1)
rc=$?
ctl service set IFAX-PGD 0 >/dev/null
set_all mail.max_size_mb 0
sleep 2
n=$(mailpeers_count "$pgd")
mkdir -p "$work/pgd"
ctl box export 1 "$(ctl box show 1 | awk '$2 == "divided" {print $1}')" --out "$work/pgd" >/dev/null 2>&1
if [ $rc -eq 0 ] && [ "$n" -ge 2 ] && python3 - "$MAILPEERS_MAILDIR/$pgd" "$work/pgd" "$n" <<'PY' &&
import email, email.policy, glob, os, re, sys
maildir, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
parts = {}
for f in glob.glob(maildir + "/*.eml"):
    assert os.path.getsize(f) <= 1 << 20, (f, os.path.getsize(f))
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    k = re.search(r"\((\d+)/(\d+)\)$", m["Subject"])
    assert k and int(k.group(2)) == n, m["Subject"]
    att = list(m.iter_attachments())
    assert len(att) == 1 and "faxbw" in att[0]["Content-Type"]
    parts[int(k.group(1))] = att[0].get_content()
assert sorted(parts) == list(range(1, n + 1)), sorted(parts)
for k, data in parts.items():
    open("%s/part-%d.tif" % (out, k), "wb").write(data)
PY
	[ "$(for k in $(seq 1 "$n"); do tifftopnm "$work/pgd/part-$k.tif" 2>/dev/null; done | md5sum)" = \
		"$(tifftopnm "$work/pgd/divided.tif" 2>/dev/null | md5sum)" ]; then
	tap_ok "IFAX-PGD: 6 pages over the 1 MB limit went as $n messages within it, (k/$n) in order, the pages pixel for pixel the box copy's"
else
	tap_fail "IFAX-PGD: divided into messages within the limit" "exit $rc" "$out" "$n messages" \
		"$(ls -l "$work/pgd")"
fi

# 17-18. A server that accepts the connection and never answers: an
# operator's cancel ends the delivery within a second or two (#995), not
# after net.timeout; a stop of the agent also ends it, and the job then
# goes at the next start without that try counted.
python3 - "$work/mute.port" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    c, _ = s.accept()
    held.append(c)  # never a word
PY
mute=$!
for _ in $(seq 50); do [ -s "$work/mute.port" ] && break; sleep 0.1; done
set_all smtp.port "$(cat "$work/mute.port")" net.timeout 120
# wait_delivering ID: until the job's delivery has started.
wait_delivering() {
	for _ in $(seq 100); do
		[ "$(job_field "$1" 'e["state"]["destinations"][0]["attempts"]' 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}
out=$(ctl send --to "hank@$MAILPEERS_DOMAIN" --no-wait "$work/page.pbm" 2>&1)
id=$(awk '/accepted/ {print $2}' <<<"$out")
wait_delivering "$id"
sleep 1
t0=$(date +%s%N)
ctl job cancel "$id" >/dev/null 2>&1
for _ in $(seq 100); do
	[ "$(job_field "$id" 'e["state"]["stage"]' 2>/dev/null)" = done ] && break
	sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
res=$(job_field "$id" 'e["state"]["result"], e["state"]["code"]' 2>/dev/null)
if [[ "$res" == cancelled* ]] && [ $ms -lt 3000 ]; then
	tap_ok "cancel during a delivery to a mute server: ended in $ms ms ($res), not after net.timeout (120 s)"
else
	tap_fail "cancel during a delivery to a mute server ends at once" "$ms ms" "$res"
fi
out=$(ctl send --to "ivan@$MAILPEERS_DOMAIN" --no-wait "$work/page.pbm" 2>&1)
id=$(awk '/accepted/ {print $2}' <<<"$out")
wait_delivering "$id"
# The next start finds the good server (the running delivery keeps its settings).
set_all smtp.port "$MAILPEERS_SMTP_TLSREQ_PORT" net.timeout 60
t0=$(date +%s%N)
irsendd_stop
ms=$((($(date +%s%N) - t0) / 1000000))
kill "$mute" 2>/dev/null
wait "$mute" 2>/dev/null
irsendd_start "$work"
msg=$(mailpeers_wait_delivery "ivan@$MAILPEERS_DOMAIN" 60)
sleep 1
att=$(job_field "$id" 'e["state"]["destinations"][0]["attempts"]' 2>/dev/null)
if [ $ms -lt 5000 ] && [ -n "$msg" ] && [ "$(job_field "$id" 'e["state"]["result"]')" = ok ] &&
	[ "$att" = 1 ]; then
	tap_ok "SIGTERM during a delivery to a mute server: stopped in $ms ms; after the restart it went (1 try counted)"
else
	tap_fail "SIGTERM during a delivery: quick stop, delivered after restart" "$ms ms" \
		"attempts ${att:-?}" "${msg:-no message}" "$(ctl job show "$id" 2>&1 | tail -8)"
fi

# 19-22. The AUTH matrix through the agent, as Postfix logged it: SCRAM
# when offered and allowed, else the seed's order (CRAM-MD5 first); the
# NS-* switches take mechanisms away; GSSAPI with the agent's own Kerberos
# login (nobody ran kinit for it).
# sent_with ADDR: the SASL method Postfix logged for the last client that sent to ADDR.
sent_with() {
	local id
	id=$(grep -F "to=<$1>" "$MAILPEERS_DIR/postfix/maillog" | tail -1 | sed -n 's/.*: \([0-9A-F]*\): to=.*/\1/p')
	grep -F "$id: client=" "$MAILPEERS_DIR/postfix/maillog" | sed -n 's/.*sasl_method=\([A-Z0-9-]*\).*/\1/p' | tail -1
}
auth_case() {
	local name=$1 want=$2 rcpt=$3 out rc got
	out=$(ctl send --to "$rcpt" "$work/page.pbm" 2>&1)
	rc=$?
	mailpeers_wait_delivery "$rcpt" 30 >/dev/null
	got=$(sent_with "$rcpt")
	[ $rc -eq 0 ] && [ "$got" = "$want" ] && tap_ok "$name: $got" ||
		tap_fail "$name" "wanted $want, Postfix logged '${got}'" "exit $rc" "$out"
}
set_all smtp.port "$MAILPEERS_SMTP_TLSREQ_PORT" smtp.scram on
auth_case "SCRAM-SHA-256 preferred when offered" SCRAM-SHA-256 "m1@$MAILPEERS_DOMAIN"
set_all smtp.scram off
auth_case "the seed's order, SCRAM off: CRAM-MD5 first" CRAM-MD5 "m2@$MAILPEERS_DOMAIN"
ctl service set NS-CMD5 1 >/dev/null
ctl service set NS-NTLM 1 >/dev/null
auth_case "NS-CMD5 and NS-NTLM 1 (no GSSAPI on this server): PLAIN under TLS" PLAIN "m3@$MAILPEERS_DOMAIN"
ctl service set NS-CMD5 0 >/dev/null
ctl service set NS-NTLM 0 >/dev/null
set_all smtp.server "$MAILPEERS_HOSTNAME" smtp.port "$MAILPEERS_SMTP_GSSAPI_PORT" smtp.starttls off \
	smtp.user "$MAILPEERS_KRB5_PRINCIPAL"
auth_case "GSSAPI with the agent's own Kerberos login ($MAILPEERS_KRB5_PRINCIPAL, no kinit)" GSSAPI \
	"m4@$MAILPEERS_DOMAIN"
set_all smtp.server 127.0.0.1 smtp.starttls on smtp.user "$MAILPEERS_USER" \
	smtp.port "$MAILPEERS_SMTP_TLSREQ_PORT" smtp.scram on

# 23-24. The recipients' capabilities (ifax.coding): a full-mode I-Fax is
# coded MMR when they accept it; simple mode stays MH (profile S) regardless.
# ifax_compression ADDR MODE: what the delivered TIFF's first page says.
ifax_compression() {
	local msg
	ctl send --to "$1" --ifax "$2" "$work/page.pbm" >/dev/null 2>&1 || return 1
	msg=$(mailpeers_wait_delivery "$1" 30) || return 1
	python3 - "$msg" "$work/cap.tif" <<'PY' || return 1
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
a = list(m.iter_attachments())
assert len(a) == 1 and "faxbw" in a[0]["Content-Type"]
open(sys.argv[2], "wb").write(a[0].get_content())
PY
	tiffinfo "$work/cap.tif" 2>/dev/null | sed -n 's/^ *Compression Scheme: //p' | head -1
}
set_all ifax.coding mmr
got=$(ifax_compression "cap1@$MAILPEERS_DOMAIN" full)
[ "$got" = "CCITT Group 4" ] && tiffcp "$work/cap.tif" "$work/cap-copy.tif" 2>/dev/null &&
	tap_ok "full mode, ifax.coding mmr: the TIFF is $got (and libtiff reads it back)" ||
	tap_fail "full mode, ifax.coding mmr: MMR" "got '${got}'"
got=$(ifax_compression "cap2@$MAILPEERS_DOMAIN" simple)
[ "$got" = "CCITT Group 3" ] &&
	tap_ok "simple mode with ifax.coding mmr: still MH, $got (profile S)" ||
	tap_fail "simple mode stays MH" "got '${got}'"

# 25. An "ifax" document kept in a box (no I-Fax recipient) is profile S too.
out=$(ctl send --box 7 --format ifax --name boxfax "$work/page.pbm" 2>&1)
rm -rf "$work/boxfax" && mkdir -p "$work/boxfax"
ctl box export 7 "$(ctl box show 7 | awk '$2 == "boxfax" {print $1}')" --out "$work/boxfax" >/dev/null 2>&1
got=$(tiffinfo "$work/boxfax/boxfax.tif" 2>/dev/null | sed -n 's/^ *Compression Scheme: //p' | head -1)
set_all ifax.coding mh
[ "$got" = "CCITT Group 3" ] &&
	tap_ok "ifax.coding mmr does not touch an I-Fax document stored in a box: $got" ||
	tap_fail "an ifax document in a box stays MH" "got '${got}'" "$out"

# 26. Hostile destinations are refused before anything is queued: an
# address literal that is no address, an unknown I-Fax mode.
n0=$(ctl jobs --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)
bad1=$(ctl send --to 'fax@[300.1.1.1]' --ifax direct "$work/page.pbm" 2>&1)
rc1=$?
bad2=$(ctl send --to "fax@$MAILPEERS_DOMAIN" --ifax bogus "$work/page.pbm" 2>&1)
rc2=$?
n1=$(ctl jobs --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)
if [ $rc1 -ne 0 ] && grep -q 'not an e-mail address' <<<"$bad1" && [ $rc2 -ne 0 ] &&
	grep -q 'simple, full or direct' <<<"$bad2" && [ -n "$n0" ] && [ "$n0" = "$n1" ]; then
	tap_ok "fax@[300.1.1.1] and --ifax bogus refused with the reason, no job created"
else
	tap_fail "hostile destinations refused" "exit $rc1: $bad1" "exit $rc2: $bad2" "jobs $n0 -> $n1"
fi

tap_done
