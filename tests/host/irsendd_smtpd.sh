#!/bin/bash
# irsendd's own SMTP server for I-Fax reception (port SMTPRXPN, bound at
# start): swaks delivers an I-Fax that lands in the Memory RX Inbox; the
# three STARTTLS modes (off: not offered; on: offered, plaintext taken;
# ssl: 530 and closed before STARTTLS, taken under TLS with DefaultKey);
# the IP allow-list refuses a peer (#831 in the log) and takes it again
# when listed; and the whole loop: an I-Fax in full mode sent by irsend
# through its own SMTP server arrives in its Memory RX Inbox, and the MDN
# it sends back arrives too, naming the job. Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh

irsendd_need_root
for t in python3 swaks pbmtext pnmtotiff tiffcp openssl; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
tap_plan 12
work=$(mktemp -d)
trap 'irsendd_cleanup; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
irsendd_provision "$work" && irsendd_start "$work" -s "macfilter_store=$work/mac.conf" &&
	irsendd_license SEND || {
	tap_fail "start irsendd with SEND"
	tap_done
}
for kv in smtpd.enabled=on mail.from=fax@irsend.test smtp.server=127.0.0.1 smtp.port="$port" \
	smtp.starttls=off smtp.auth=off; do
	ctl settings set "${kv%%=*}" "${kv#*=}" >/dev/null || echo "cannot set $kv"
done
ctl service set SMTPRXPN "$port" >/dev/null
# The port is bound at start.
irsendd_stop && irsendd_start "$work" -s "macfilter_store=$work/mac.conf"
{ echo "irsend smtpd test"; seq 1 20; } | pbmtext >"$work/p.pbm"
pnmtotiff "$work/p.pbm" 2>/dev/null | tiffcp -c g3 - "$work/fax.tif" 2>/dev/null ||
	{ pnmtotiff "$work/p.pbm" >"$work/raw.tif" 2>/dev/null && tiffcp -c g3 "$work/raw.tif" "$work/fax.tif"; }

# docs: documents in the Memory RX Inbox.
docs() { ctl box show rx --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["docs"]))'; }
wait_docs() {
	for _ in $(seq 100); do [ "$(docs)" -ge "$1" ] && return 0; sleep 0.1; done
	return 1
}
sw() { swaks --server 127.0.0.1 --port "$port" --from sender@example.org --to fax@irsend.test "$@" 2>&1; }

out=$(sw --ehlo client.example.org --attach-type image/tiff --attach "@$work/fax.tif" --header "Subject: by swaks")
if grep -q '^<-  250 2.0.0' <<<"$out" && ! grep -q '^<-  250.STARTTLS' <<<"$out" && wait_docs 1 &&
	ctl box show rx | grep -q 'by swaks'; then
	tap_ok "STARTTLS off: not offered; swaks' I-Fax lands in the Memory RX Inbox"
else
	tap_fail "STARTTLS off: not offered; swaks' I-Fax lands in the Memory RX Inbox" "$out" "$(tail -5 "$work/irsendd.log")"
fi

ctl settings set smtpd.tls on >/dev/null
out=$(sw --header "Subject: plain with tls on")
out2=$(sw --tls --header "Subject: under tls")
if grep -q '^<-  250.STARTTLS' <<<"$out" && grep -q '^<-  250 2.0.0' <<<"$out" &&
	grep -q 'TLS started' <<<"$out2" && grep -q '^<~  250 2.0.0' <<<"$out2" && wait_docs 3; then
	tap_ok "STARTTLS on: offered; mail taken in plaintext and under TLS (DefaultKey)"
else
	tap_fail "STARTTLS on: offered; mail taken in plaintext and under TLS (DefaultKey)" "$out" "$out2"
fi

ctl settings set smtpd.tls ssl >/dev/null
out=$(sw --header "Subject: plain with ssl")
if grep -q '<\*\* 530 Must issue a STARTTLS command first' <<<"$out" &&
	grep -q 'SSL Error (SMTP RX Reject)' "$work/irsendd.log"; then
	tap_ok "STARTTLS required: MAIL before it gets 530 and the connection closes; logged"
else
	tap_fail "STARTTLS required: MAIL before it gets 530 and the connection closes; logged" "$out"
fi
n=$(docs)
out=$(sw --tls --header "Subject: required tls")
wait_docs $((n + 1)) && tap_ok "STARTTLS required: taken under TLS" ||
	tap_fail "STARTTLS required: taken under TLS" "$out"
# The certificate offered is the key store's DefaultKey.
fp_srv=$(openssl s_client -starttls smtp -connect "127.0.0.1:$port" </dev/null 2>/dev/null |
	openssl x509 -noout -fingerprint -sha256 2>/dev/null)
fp_ks=$(ctl keys export-cert DefaultKey 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null)
[ -n "$fp_srv" ] && [ "$fp_srv" = "$fp_ks" ] && tap_ok "the server presents DefaultKey's certificate" ||
	tap_fail "the server presents DefaultKey's certificate" "server: $fp_srv" "store: $fp_ks"
ctl settings set smtpd.tls off >/dev/null

ctl settings set smtpd.allow 198.18.0.0/15 >/dev/null
out=$(sw --header "Subject: not allowed")
if grep -q '554 5.7.1' <<<"$out" && grep -q '#831' "$work/irsendd.log"; then
	tap_ok "IP allow-list: 127.0.0.1 unlisted is refused (554, #831 logged)"
else
	tap_fail "IP allow-list: 127.0.0.1 unlisted is refused (554, #831 logged)" "$out"
fi
ctl settings set smtpd.allow "198.18.0.0/15,127.0.0.0/8" >/dev/null
n=$(docs)
out=$(sw --header "Subject: allowed again")
wait_docs $((n + 1)) && tap_ok "IP allow-list: listed, taken" || tap_fail "IP allow-list: listed, taken" "$out"
ctl settings set smtpd.allow "" >/dev/null

# The MAC rule first (seed 2.1.5): a host in its own network namespace,
# 198.18.77.2 with a known MAC, unlisted by IP, is let in when the MAC
# allow-list is on and lists it.
ns=irsend-smtpd-$$
cleanup_ns() { ip netns del "$ns" 2>/dev/null; ip link del irs-smtpd0 2>/dev/null; }
trap 'cleanup_ns; irsendd_cleanup; rm -rf "$work"' EXIT
ip netns add "$ns" && ip link add irs-smtpd0 type veth peer name eth0 netns "$ns" &&
	ip addr add 198.18.77.1/24 dev irs-smtpd0 && ip link set irs-smtpd0 up &&
	ip -n "$ns" link set eth0 address 02:00:00:77:00:02 && ip -n "$ns" link set eth0 up &&
	ip -n "$ns" addr add 198.18.77.2/24 dev eth0 && ip -n "$ns" link set lo up
nsw() { ip netns exec "$ns" swaks --server 198.18.77.1 --port "$port" --from a@example.org --to fax@irsend.test --timeout 10 "$@" 2>&1; }
ctl settings set smtpd.allow 10.0.0.0/8 >/dev/null
out=$(nsw --header "Subject: mac unlisted")
if grep -q '554 5.7.1' <<<"$out"; then
	tap_ok "MAC filter off: a peer outside the IP allow-list is refused"
else
	tap_fail "MAC filter off: a peer outside the IP allow-list is refused" "$out"
fi
printf 'enabled on\nmac 02:00:00:77:00:02\n' >"$work/mac.conf"
chmod 0644 "$work/mac.conf"
ctl settings set smtpd.allow 10.0.0.0/16 >/dev/null # a change: the server restarts and reads the list
n=$(docs)
out=$(nsw --header "Subject: mac listed")
if grep -q '^<-  250 2.0.0' <<<"$out" && wait_docs $((n + 1)); then
	tap_ok "MAC filter on and the peer's MAC listed: taken although its IP is not listed"
else
	tap_fail "MAC filter on and the peer's MAC listed: taken although its IP is not listed" "$(tr "\n" "|" <<<"$out")" \
		"$(cat /proc/net/arp)" "$(tail -4 "$work/irsendd.log")"
fi
ctl settings set smtpd.allow "" >/dev/null

# A message we took (250) but cannot output gets a DSN to its sender
# (RFC 3461), here through our own server again: it comes back as a DSN
# about that message. NOTIFY=NEVER: no DSN.
# smtp_send SUBJECT NOTIFY: a broken TIFF by Python's smtplib.
smtp_send() {
	python3 - "$port" "$1" "$2" <<'PY'
import smtplib, sys, email.message, email.policy, email.utils
m = email.message.EmailMessage()
m["From"] = "bad.sender@irsend.test"; m["To"] = "fax@irsend.test"; m["Subject"] = sys.argv[2]
m["Message-ID"] = "<%s@example.org>" % sys.argv[2].replace(" ", "-")
m.set_content("")
m.add_attachment(b"II*\x00garbage" * 10, maintype="image", subtype="tiff", filename="bad.tif")
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
    opts = ["NOTIFY=" + sys.argv[3]] if sys.argv[3] else []
    s.sendmail("bad.sender@irsend.test", ["fax@irsend.test"], m.as_bytes(policy=email.policy.SMTP), rcpt_options=opts)
PY
}
# log_has PYTHON-CONDITION: wait until a reception log entry e matches.
log_has() {
	for _ in $(seq 100); do
		ctl receive log --recent 1000 --json | python3 -c '
import json, sys
sys.exit(0 if any(eval(sys.argv[1]) for e in json.load(sys.stdin)["receptions"]) else 1)' "$1" && return 0
		sleep 0.1
	done
	return 1
}
smtp_send "broken one" ""
if log_has 'e["subject"] == "broken one" and e["code"] == 821 and e.get("dsn_code") == 899' &&
	log_has 'e["kind"] == "dsn" and e.get("about") == "<broken-one@example.org>"'; then
	tap_ok "a message taken but not output (#821): a DSN goes to its sender and arrives"
else
	tap_fail "a message taken but not output (#821): a DSN goes to its sender and arrives" \
		"$(ctl receive log 2>&1 | tail -4)" "$(tail -5 "$work/irsendd.log")"
fi
smtp_send "broken two" NEVER
# The DSN is decided before the entry is logged: the entry says whether one went.
if log_has 'e["subject"] == "broken two" and e["code"] == 821 and "dsn_code" not in e'; then
	tap_ok "NOTIFY=NEVER: no DSN"
else
	tap_fail "NOTIFY=NEVER: no DSN" "$(ctl receive log --json 2>&1 | tail -c 600)"
fi

# The loop: irsend sends a full-mode I-Fax through its own SMTP server.
n=$(docs)
out=$(ctl send --to fax@irsend.test --ifax full --name loop "$work/p.pbm" 2>&1)
job=$(sed -n 's/^job \([0-9]*\) accepted$/\1/p' <<<"$out")
ok=0
for _ in $(seq 100); do
	ctl receive log --json | python3 -c '
import json, sys
r = json.load(sys.stdin)["receptions"]
ifax = [e for e in r if e["kind"] == "ifax" and e["from"] == "fax@irsend.test" and e["pages"] == 1]
mdn = [e for e in r if e["kind"] == "mdn" and e.get("job") == int(sys.argv[1])]
sys.exit(0 if ifax and mdn and not mdn[0]["failed"] else 1)' "$job" 2>/dev/null && { ok=1; break; }
	sleep 0.2
done
if [ $ok = 1 ] && [ "$(docs)" -gt "$n" ] && ctl job show "$job" | grep -q 'ok'; then
	tap_ok "loop: irsend's full-mode I-Fax arrives in its Memory RX Inbox and its MDN comes back naming job $job"
else
	tap_fail "loop: irsend's full-mode I-Fax arrives in its Memory RX Inbox and its MDN comes back naming the job" \
		"$out" "$(ctl receive log 2>&1 | tail -4)" "$(tail -8 "$work/irsendd.log")"
fi
tap_done
