#!/bin/bash
# The SMTP server's TLS keys on an agent without the module: DefaultKey
# made at the first start (self-signed for the host name, kept across
# restarts); a certificate from a test CA (root -> intermediate -> leaf,
# made with openssl req/x509 -CA) imported with an encrypted key, used,
# listed in use and exported exactly as given; generate with options;
# refusals that change nothing (a key that does not match, expired, not
# yet valid, weak, garbage, a bad name, a 100 MB file, no passphrase);
# delete keeps DefaultKey and the key in use; a user in the socket group
# may list and export but not import; no private key bytes in the log.
# Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh

irsendd_need_root
for t in python3 openssl setpriv faketime; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
tap_plan 41
work=$(mktemp -d)
trap 'irsendd_cleanup; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
host=$(hostname)
keys=$work/data/keys
pki=$work/pki
mkdir -p "$pki"

# expect NAME STATUS PATTERN CMD...: CMD exits STATUS and its output matches PATTERN
# (^ is the start of the output).
expect() {
	local name=$1 status=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	# Bash's own ERE: a pattern may span lines.
	if [ $rc -eq "$status" ] && [[ $out =~ $pattern ]]; then
		tap_ok "$name"
	else
		tap_fail "$name" "expected exit $status and /${pattern//$'\n'/\\n}/, got exit $rc:" \
			"${out//$'\n'/$'\n'# }"
	fi
}

# check NAME PYTHON: PYTHON, given the list as `keys` (a dict by name) and `in_use`, is true.
check() {
	local name=$1 out
	out=$(ctl keys list --json 2>&1)
	if python3 -c '
import json, sys
r = json.loads(sys.argv[1])
keys = {k["name"]: k for k in r["keys"]}
in_use = r["in_use"]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$out" "$2" 2>/dev/null; then
		tap_ok "$name"
	else
		tap_fail "$name" "not true: $2" "${out//$'\n'/$'\n'# }"
	fi
}

# lines CMD...: CMD's output as one argument for tap_fail, each line a TAP comment.
lines() {
	local s
	s=$("$@" 2>&1)
	printf '%s' "${s//$'\n'/$'\n'# }"
}

# What a refusal must leave alone: every file of the key store, with its bytes.
snapshot() { (cd "$keys" && ls -la --time-style=+ . && cat ./*) 2>&1 | sha256sum; }

# ---- a test CA: root -> intermediate -> leaf for this host, as a CA would make them ----
ossl() { openssl "$@" >/dev/null 2>&1; }
ossl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/root.key" -out "$pki/root.pem" \
	-subj "/O=irsend tests/CN=Test Root CA" -days 30 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$pki/int.key" \
	-out "$pki/int.csr" -subj "/O=irsend tests/CN=Test Intermediate CA"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$pki/ca.ext"
ossl x509 -req -in "$pki/int.csr" -CA "$pki/root.pem" -CAkey "$pki/root.key" \
	-CAcreateserial -days 30 -extfile "$pki/ca.ext" -out "$pki/int.pem"
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s,IP:192.0.2.25\n' \
	"$host" >"$pki/leaf.ext"
# leaf NAME DAYS [openssl req args...]: NAME.key (unencrypted), NAME.pem by the intermediate.
leaf() {
	local name=$1 days=$2
	shift 2
	ossl req -new -nodes -keyout "$pki/$name.key" -out "$pki/$name.csr" \
		-subj "/O=irsend tests/CN=$host" "$@" &&
		ossl x509 -req -in "$pki/$name.csr" -CA "$pki/int.pem" -CAkey "$pki/int.key" \
			-CAcreateserial -days "$days" -extfile "$pki/leaf.ext" -out "$pki/$name.pem"
}
leaf corp 20 -newkey rsa:2048
leaf other 20 -newkey rsa:2048
leaf expired -1 -newkey rsa:2048
leaf weak 20 -newkey rsa:1024
faketime '+40 days' openssl x509 -req -in "$pki/other.csr" -CA "$pki/int.pem" \
	-CAkey "$pki/int.key" -CAcreateserial -days 20 -extfile "$pki/leaf.ext" \
	-out "$pki/future.pem" >/dev/null 2>&1
echo "correct horse battery" >"$pki/pass"
ossl pkey -in "$pki/corp.key" -aes256 -passout "file:$pki/pass" -out "$pki/corp.enc.key"
cat "$pki/corp.pem" "$pki/int.pem" >"$pki/corp.chain.pem"
head -c 3000 /dev/urandom >"$pki/garbage.pem"
truncate -s 100M "$pki/big.pem"
chmod 0755 "$pki" && chmod 0644 "$pki"/*
if [ -s "$pki/corp.chain.pem" ] && [ -s "$pki/corp.enc.key" ] && [ -s "$pki/expired.pem" ] &&
	[ -s "$pki/weak.pem" ] && [ -s "$pki/future.pem" ] &&
	openssl verify -CAfile "$pki/root.pem" -untrusted "$pki/int.pem" "$pki/corp.pem" >/dev/null; then
	tap_ok "a test CA made the certificates (openssl req, x509 -CA)"
else
	tap_fail "a test CA made the certificates (openssl req, x509 -CA)"
fi

expect "keys --help: usage, every action, exit status" 0 \
	'Usage: irsendctl keys list' "$IRSD_CTL" keys --help
expect "keys without an action: usage error" 2 'Usage: irsendctl keys' "$IRSD_CTL" keys

# ---- the first start makes DefaultKey ----
irsendd_start "$work" || {
	tap_fail "start irsendd"
	tap_done
}
check "first start: DefaultKey, self-signed for the host name, RSA 2048, in use" \
	'keys["DefaultKey"]["self_signed"] and keys["DefaultKey"]["subject"] == "CN='"$host"'" and keys["DefaultKey"]["algorithm"] == "RSA 2048" and keys["DefaultKey"]["in_use"] and in_use == "DefaultKey" and keys["DefaultKey"]["problem"] == ""'
expect "list: DefaultKey in use, self-signed, its host name" 0 \
	"^DefaultKey  \\(in use by the SMTP server\\)"$'\n'"  key:      RSA 2048"$'\n'"  subject:  CN=$host"$'\n'"  issuer:   self-signed" \
	ctl keys list
if [ "$(stat -c '%a %U' "$keys" "$keys/DefaultKey.key" 2>&1 | tr '\n' ' ')" = \
	"700 $IRSD_USER 600 $IRSD_USER " ]; then
	tap_ok "the key store is the agent user's: directory 0700, key 0600"
else
	tap_fail "the key store is the agent user's: directory 0700, key 0600" \
		"$(lines ls -la "$keys")"
fi
fp=$(openssl x509 -in "$keys/DefaultKey.crt" -noout -fingerprint -sha256 2>/dev/null | cut -d= -f2)
irsendd_stop && irsendd_start "$work"
check "a restart keeps DefaultKey (same fingerprint as openssl computes)" \
	'keys["DefaultKey"]["sha256"] == "'"$fp"'"'

# ---- import a CA-signed certificate and use it ----
before=$(snapshot)
expect "an encrypted key without its passphrase is refused" 1 \
	'the private key is encrypted: give its passphrase' \
	ctl keys import corp --key "$pki/corp.enc.key" --cert "$pki/corp.chain.pem"
expect "a key that does not match the certificate is refused" 1 \
	"the private key does not belong to the certificate \\(CN=$host,O=irsend tests\\)" \
	ctl keys import corp --key "$pki/other.key" --cert "$pki/corp.chain.pem"
expect "an expired certificate is refused" 1 \
	'certificate 1 \(CN=[^)]*\) expired on .*force' \
	ctl keys import old --key "$pki/expired.key" --cert "$pki/expired.pem"
expect "a certificate not yet valid is refused" 1 'is not valid before' \
	ctl keys import early --key "$pki/other.key" --cert "$pki/future.pem"
expect "a 1024-bit RSA key is refused" 1 'the key is RSA 1024 bits: too weak' \
	ctl keys import weak --key "$pki/weak.key" --cert "$pki/weak.pem"
expect "garbage is refused as a certificate" 1 'no certificate in the certificate file' \
	ctl keys import junk --key "$pki/corp.key" --cert "$pki/garbage.pem"
expect "garbage is refused as a key" 1 'no private key in the key file' \
	ctl keys import junk --key "$pki/garbage.pem" --cert "$pki/corp.chain.pem"
expect "a chain out of order is refused" 1 'not issued by certificate 2' \
	ctl keys import order --key "$pki/corp.key" --cert <(cat "$pki/corp.pem" "$pki/root.pem")
expect "a name with ../ is refused" 1 '"../evil" is not a key name' \
	ctl keys import ../evil --key "$pki/corp.key" --cert "$pki/corp.chain.pem"
expect "a 100 MB file is refused before it is sent" 1 'is 104857600 bytes: a key file is at most 12 KiB' \
	ctl keys import big --key "$pki/big.pem" --cert "$pki/corp.chain.pem"
expect "a 100 MB stream is refused too" 1 'larger than 40 KiB: not a certificate file' \
	ctl keys import big --key "$pki/corp.key" --cert <(cat "$pki/big.pem")
if [ "$(snapshot)" = "$before" ] && [ ! -e "$work/data/evil.key" ] && [ ! -e "$work/evil.key" ]; then
	tap_ok "the refusals changed nothing in the key store"
else
	tap_fail "the refusals changed nothing in the key store" "$(lines ls -la "$keys")"
fi

expect "a user in the socket group may list" 0 '^DefaultKey' as_peer --group "$IRSD_CTL" keys list
expect "... and export a certificate" 0 'BEGIN CERTIFICATE' \
	as_peer --group "$IRSD_CTL" keys export-cert DefaultKey
expect "... but not import" 1 'root and the agent.s user only' as_peer --group \
	"$IRSD_CTL" keys import corp --key "$pki/corp.key" --cert "$pki/corp.chain.pem"
expect "... nor delete or use" 1 'root and the agent.s user only' as_peer --group \
	"$IRSD_CTL" keys use DefaultKey
expect "a user outside the group may not even list" 1 '[Pp]ermission denied' as_peer \
	"$IRSD_CTL" keys list

expect "import with the passphrase: the CA-signed chain is stored" 0 \
	"^Imported:"$'\n\n'"corp"$'\n'"  key:      RSA 2048"$'\n'"  subject:  CN=$host,O=irsend tests"$'\n'"  issuer:   CN=Test Intermediate CA,O=irsend tests" \
	ctl keys import corp --key "$pki/corp.enc.key" --cert "$pki/corp.chain.pem" \
	--passphrase-file "$pki/pass"
expect "the same name again is refused" 1 'a key "corp" exists' \
	ctl keys import corp --key "$pki/corp.key" --cert "$pki/corp.chain.pem"
expect "use corp" 0 'The SMTP server.s TLS key is now corp \(it was DefaultKey\)' ctl keys use corp
check "list: corp in use, not self-signed, a chain of 2, its SANs" \
	'in_use == "corp" and keys["corp"]["in_use"] and not keys["DefaultKey"]["in_use"] and not keys["corp"]["self_signed"] and keys["corp"]["chain"] == 2 and keys["corp"]["sans"] == ["DNS:'"$host"'", "IP:192.0.2.25"]'
expect "the setting smtpd.key says corp" 0 '^corp$' ctl settings get smtpd.key
ctl keys export-cert corp >"$work/exported.pem" 2>&1
if cmp -s "$work/exported.pem" "$pki/corp.chain.pem" &&
	openssl verify -CAfile "$pki/root.pem" -untrusted "$work/exported.pem" \
		"$work/exported.pem" >/dev/null 2>&1; then
	tap_ok "export-cert gives back the imported chain, byte for byte; openssl verifies it"
else
	tap_fail "export-cert gives back the imported chain, byte for byte; openssl verifies it" \
		"$(lines diff "$work/exported.pem" "$pki/corp.chain.pem")"
fi
if ctl keys export-cert corp --out "$work/corp.crt" | grep -q "is in $work/corp.crt" &&
	cmp -s "$work/corp.crt" "$pki/corp.chain.pem"; then
	tap_ok "export-cert --out writes the chain to a file"
else
	tap_fail "export-cert --out writes the chain to a file"
fi
# The stored key is the one given, decrypted: openssl sees the same public key.
if [ "$(openssl pkey -in "$keys/corp.key" -pubout 2>&1)" = \
	"$(openssl x509 -in "$pki/corp.pem" -noout -pubkey 2>&1)" ] &&
	! grep -q ENCRYPTED "$keys/corp.key"; then
	tap_ok "the stored key matches the certificate and is decrypted"
else
	tap_fail "the stored key matches the certificate and is decrypted"
fi

# ---- forced import, generate, delete ----
expect "an expired certificate with --force is stored, listed with its problem" 0 \
	'problem:  certificate 1 .* expired on' \
	ctl keys import old --key "$pki/expired.key" --cert "$pki/expired.pem" --force
expect "... and cannot be used without --force" 1 'expired on' ctl keys use old
expect "generate with an algorithm, a CN and SANs" 0 \
	'key:      EC P-256'$'\n''  subject:  CN=mail.example.test'$'\n''  issuer:   self-signed' \
	ctl keys generate mail --algorithm ec256 --cn mail.example.test \
	--san DNS:mail.example.test --san IP:192.0.2.9 --days 90
expect "generate: a hostile SAN is refused" 1 'is not a subject alternative name' \
	ctl keys generate bad --san 'DNS:x,otherName:1.2.3;UTF8:evil'
expect "delete without --yes: usage error" 2 'add --yes' ctl keys delete mail
expect "delete DefaultKey is refused" 1 'DefaultKey is the device.s own key' \
	ctl keys delete DefaultKey --yes
expect "delete the key in use is refused" 1 'corp is in use' ctl keys delete corp --yes
if ctl keys delete mail --yes >/dev/null && [ ! -e "$keys/mail.key" ] &&
	[ ! -e "$keys/mail.crt" ] && ! ctl keys list 2>/dev/null | grep -q '^mail'; then
	tap_ok "delete mail: both files gone, not listed"
else
	tap_fail "delete mail: both files gone, not listed" "$(lines ls -la "$keys")"
fi

# ---- no private key in the log ----
leak=0
for k in "$keys"/*.key "$pki"/*.key; do
	# Any 16 characters of the key's base64 in a row, at any offset, would be a leak.
	grep -v -- '-----' "$k" 2>/dev/null |
		awk '{ for (i = 1; i + 15 <= length($0); i++) print substr($0, i, 16) }' |
		grep -F -f - "$work/irsendd.log" >/dev/null && leak=1
done
grep -q 'correct horse' "$work/irsendd.log" && leak=1
if [ $leak = 0 ] && grep -q 'imported TLS key corp' "$work/irsendd.log"; then
	tap_ok "no private key bytes nor passphrase in the agent's log"
else
	tap_fail "no private key bytes nor passphrase in the agent's log"
fi
tap_done
