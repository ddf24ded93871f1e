#!/bin/bash
# POP AUTH with an OAuth2 bearer token (pop.oauth2_command) against a real
# Dovecot whose oauth2 passdb asks a token introspection endpoint (RFC 7662,
# a small HTTP server here): the agent's POP check logs in with the token
# under STLS and fetches the message; a token the endpoint calls inactive
# is #845 and the message stays; without TLS the token is never sent.
# Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh
. tests/lib/mailpeers.sh

irsendd_need_root
for t in python3 dovecot; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
tap_plan 4
work=$(mktemp -d)
ipid=
trap '[ -n "$ipid" ] && kill "$ipid" 2>/dev/null; irsendd_cleanup; mailpeers_stop; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
if ! mailpeers_start "$work/peers" dovecot >"$work/peers.log" 2>&1; then
	tap_fail "start Dovecot" "$(tail -20 "$work/peers.log")"
	tap_done
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
iport=$(free_port)
oport=$(free_port)
# The introspection endpoint: "good-token" is active for the test user; it
# records every token it was asked about.
python3 - "$iport" "$MAILPEERS_USER" "$work/asked" <<'PY' &
import http.server, json, sys, urllib.parse
port, user, asked = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        token = urllib.parse.parse_qs(body).get("token", [""])[0]
        open(asked, "a").write(token + "\n")
        r = {"active": True, "username": user} if token == "good-token" else {"active": False}
        data = json.dumps(r).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
ipid=$!
if ! mailpeers_dovecot_oauth_start "$oport" "http://127.0.0.1:$iport/introspect" >>"$work/peers.log" 2>&1; then
	tap_fail "start the OAuth2 Dovecot" "$(tail -5 "$work/peers.log")"
	tap_done
fi
irsendd_start "$work" || {
	tap_fail "start irsendd"
	tap_done
}
cp "$MAILPEERS_CA" "$work/ca.pem" && chmod 0644 "$work/ca.pem"
printf '#!/bin/sh\necho good-token\n' >"$work/token-good"
printf '#!/bin/sh\necho stale-token\n' >"$work/token-bad"
chmod 0755 "$work/token-good" "$work/token-bad"
for kv in pop.server=127.0.0.1 pop.port="$oport" pop.user="$MAILPEERS_USER" pop.password=unused \
	pop.auth=popauth pop.stls=on pop.interval=0 tls.ca_file="$work/ca.pem" \
	pop.oauth2_command="$work/token-good"; do
	ctl settings set "${kv%%=*}" "${kv#*=}" >/dev/null || echo "cannot set $kv"
done
md=$MAILPEERS_POP_MAILDIR
drop() {
	printf 'From: a@example.org\r\nSubject: %s\r\n\r\nhello\r\n' "$2" >"$md/new/$1"
	chown "$(stat -c %u:%g "$md")" "$md/new/$1"
}
rm -f "$md"/new/* "$md"/cur/*

drop 1.M1.t "by token"
out=$(ctl receive check --wait 2>&1)
if [ $? -eq 0 ] && grep -q '1 new message (SASL OAUTHBEARER under TLS)\|1 new message (SASL XOAUTH2 under TLS)' <<<"$out" &&
	grep -qx good-token "$work/asked"; then
	tap_ok "an OAuth2 token (from pop.oauth2_command) logs in under STLS; the message is fetched"
else
	tap_fail "an OAuth2 token (from pop.oauth2_command) logs in under STLS; the message is fetched" "$out" \
		"$(tail -3 "$MAILPEERS_DIR/dovecot/oauth/dovecot.log" 2>&1)"
fi
grep -q 'by token' <<<"$(ctl box show rx 2>&1)" && tap_ok "it is in the Memory RX Inbox" ||
	tap_fail "it is in the Memory RX Inbox" "$(ctl box show rx 2>&1)"

ctl settings set pop.oauth2_command "$work/token-bad" >/dev/null
drop 2.M2.t "stale"
out=$(ctl receive check --wait 2>&1)
if [ $? -eq 1 ] && grep -q '#845' <<<"$out" && [ -f "$md/new/2.M2.t" ]; then
	tap_ok "an inactive token: #845, the message stays on the server"
else
	tap_fail "an inactive token: #845, the message stays on the server" "$out"
fi

# Without TLS the token must not be sent: PLAIN/LOGIN are refused too, so #845.
: >"$work/asked"
ctl settings set pop.stls off >/dev/null
ctl settings set pop.oauth2_command "$work/token-good" >/dev/null
out=$(ctl receive check --wait 2>&1)
if [ $? -eq 1 ] && grep -q '#845' <<<"$out" && [ ! -s "$work/asked" ]; then
	tap_ok "without TLS the token is never sent (#845, nothing reached the endpoint)"
else
	tap_fail "without TLS the token is never sent (#845, nothing reached the endpoint)" "$out" "$(cat "$work/asked")"
fi
tap_done
