#!/bin/bash
# irsend-lms, the vendor's License Management System: init and the master
# secret's file checks, provisioning records, access numbers, issuing and
# transferring keys, the ledger, concurrent runs, bad command lines and the
# help texts. Device keys, keys and certificates are recomputed here with
# openssl, independently of user/common/license_key.c, from the master
# secret the program made: HMAC-SHA-256 as license_key.h describes it.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
lms_bin=$PWD/build/bin/irsend-lms

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir=$tmp/lms
stderr_log=$tmp/stderr.log

# lms ARGS...: irsend-lms on $dir; sets out, err and rc. Every stderr is
# kept, to check at the end that no secret ever reached it.
lms() {
	out=$("$lms_bin" --dir "$dir" "$@" 2>"$tmp/err")
	rc=$?
	err=$(<"$tmp/err")
	cat "$tmp/err" >>"$stderr_log"
}

# expect NAME STATUS PATTERN ARGS...: irsend-lms ARGS exits STATUS and its
# output (stdout and stderr) matches the extended regex PATTERN.
expect() {
	local name=$1 status=$2 pattern=$3
	shift 3
	lms "$@"
	if [ $rc -eq "$status" ] && grep -Eq -- "$pattern" <<<"$out"$'\n'"$err"; then
		tap_ok "$name"
	else
		tap_fail "$name" "expected exit $status and /$pattern/, got exit $rc:" "$out" "$err"
	fi
}

# check NAME CONDITION-COMMAND...: ok when the command succeeds; the last
# irsend-lms output is shown otherwise.
check() {
	local name=$1
	shift
	if "$@"; then
		tap_ok "$name"
	else
		tap_fail "$name" "exit $rc" "$out" "$err"
	fi
}

# --- an independent implementation of the key format -----------------------

# hmac HEXKEY: HMAC-SHA-256 of standard input, in hex.
hmac() {
	openssl dgst -sha256 -mac HMAC -macopt hexkey:"$1" -r | cut -d' ' -f1
}

byte() {
	printf "\\x$(printf %02x "$1")"
}

# device_key SERIAL: HMAC(master, "irsend device key v1" NUL serial).
device_key() {
	printf 'irsend device key v1\0%s' "$1" | hmac "$(head -c 64 "$dir/master.key")"
}

damm_rows=(0317598642 7092154863 4206871359 1750983426 6123045978 3674209581 5869720134
	8945362017 9438617205 2581436790)
damm() {
	local s=$1 interim=0 i row
	for ((i = 0; i < ${#s}; i++)); do
		row=${damm_rows[interim]}
		interim=${row:${s:i:1}:1}
	done
	echo "$interim"
}

# license KIND SERIAL OPTION SEQUENCE: the 24 digits of a key (kind 0) or
# an invalidation certificate (kind 1).
license() {
	local kind=$1 serial=$2 option=$3 seq=$4 mac v=0 i digits
	mac=$({
		printf 'irsend license v1\0'
		byte "$kind"
		byte ${#serial}
		printf '%s' "$serial"
		byte "$option"
		byte $((seq >> 24 & 255))
		byte $((seq >> 16 & 255))
		byte $((seq >> 8 & 255))
		byte $((seq & 255))
	} | hmac "$(device_key "$serial")")
	# The first 8 bytes, big-endian, mod 10^15: a byte at a time, so that
	# bash's signed 64-bit arithmetic never overflows.
	for ((i = 0; i < 16; i += 2)); do
		v=$(((v * 256 + 16#${mac:i:2}) % 1000000000000000))
	done
	digits=$(printf '%02d%06d%015d' "$option" "$seq" "$v")
	echo "$digits$(damm "$digits")"
}

grouped() {
	sed -E 's/(....)/\1-/g; s/-$//' <<<"$1"
}

# json_query EXPR: EXPR in python over the ledger's JSON as d; prints its value.
json_query() {
	"$lms_bin" --dir "$dir" ledger --json | python3 -c "import json, sys
d = json.load(sys.stdin)
keys = [dict(k, serial=dev['serial']) for dev in d['devices'] for k in dev['keys']]
print($1)"
}

tap_plan 86

# --- help and command lines -------------------------------------------------

expect "--help: usage" 0 '^Usage: irsend-lms \[--dir DIR\] COMMAND' --help
check "--help: every command, files, exit status, a workflow" \
	grep -Pzq '(?s)  init .*  provision .*  access-number .*  issue .*  transfer .*  ledger .*DIR/master\.key.*Exit status:.*Example workflow:' <<<"$out"
for cmd in init provision access-number issue transfer ledger; do
	lms "$cmd" --help
	if [ $rc -eq 0 ] && grep -q "^Usage: irsend-lms $cmd" <<<"$out" &&
		grep -q '^Exit status: 0 success, 1 failed or refused' <<<"$out" &&
		grep -q '^Example' <<<"$out" && grep -q -- '--dir DIR' <<<"$out"; then
		tap_ok "$cmd --help: usage, options, exit status, example"
	else
		tap_fail "$cmd --help: usage, options, exit status, example" "exit $rc" "$out" "$err"
	fi
done
expect "--version" 0 '^irsend-lms [0-9]+\.[0-9]+\.[0-9]+$' --version
expect "no command: usage error" 2 'expected a command'
expect "unknown command: usage error" 2 "unknown command 'frobnicate'" frobnicate
expect "unknown global option: usage error" 2 "unknown option '--bogus'" --bogus init
expect "unknown command option: usage error" 2 "irsend-lms issue: unknown option '--bogus'" \
	issue --bogus
expect "option without its value: usage error" 2 "option '--serial' needs a value" \
	provision --serial

# --- init and the master secret ---------------------------------------------

expect "not initialised: provision refused" 1 \
	"no master secret in $dir: run 'irsend-lms init'" provision --serial IRS-000001
expect "not initialised: ledger refused" 1 "no master secret in $dir" ledger

expect "init" 0 "^initialised $dir" init
check "init: DIR mode 0700, master.key 0600, a ledger" \
	test "$(stat -c %a "$dir")/$(stat -c %a "$dir/master.key")" = 700/600 -a -s "$dir/ledger.sqlite"
check "init: master.key is 64 lowercase hex digits and a newline" \
	eval 'grep -Eqx "[0-9a-f]{64}" "$dir/master.key" && [ "$(stat -c %s "$dir/master.key")" = 65 ]'
master_before=$(cat "$dir/master.key")
expect "init again: refused" 1 "is already initialised" init
check "init again: the master secret is unchanged" test "$(cat "$dir/master.key")" = "$master_before"

chmod 640 "$dir/master.key"
expect "a group-readable master.key is refused" 1 \
	"$dir/master.key is readable by others \(mode 0640\): chmod 600 it" provision --serial IRS-000001
chmod 602 "$dir/master.key"
expect "an others-writable master.key is refused" 1 "\(mode 0602\): chmod 600 it" ledger
chmod 600 "$dir/master.key"

other=$tmp/other
mkdir -m 700 "$other" && ln -s "$dir/master.key" "$other/master.key" && cp "$dir/ledger.sqlite" "$other/"
out=$("$lms_bin" --dir "$other" ledger 2>&1)
rc=$?
check "a master.key that is a symbolic link is refused" \
	grep -q "master.key is a symbolic link" <<<"$out"
rm "$other/master.key" && head -c 40 "$dir/master.key" >"$other/master.key" && chmod 600 "$other/master.key"
out=$("$lms_bin" --dir "$other" ledger 2>&1)
rc=$?
check "a truncated master.key is refused, its content not shown" \
	eval 'grep -q "is not 64 lowercase hex digits" <<<"$out" && ! grep -q "${master_before:0:16}" <<<"$out"'

# --- provisioning ------------------------------------------------------------

expect "provision" 0 '^device-key=' provision --serial IRS-000001
record=$out
dk1=$(device_key IRS-000001)
want="# irsend provisioning record: keep it secret, write it with 'irsendctl nvram provision'
serial=IRS-000001
device-key=$dk1"
if [ "$record" = "$want" ]; then
	tap_ok "provision: the exact record, the device key as HMAC(master, serial)"
else
	tap_fail "provision: the exact record, the device key as HMAC(master, serial)" \
		"got:" "$record" "want:" "$want"
fi
lms provision --serial IRS-000001
check "provision again: the same record, and a note" \
	eval '[ $rc -eq 0 ] && [ "$out" = "$record" ] && grep -q "provisioned before" <<<"$err"'
lms provision --serial IRS-000002 --out "$tmp/rec2"
check "provision --out: mode 0600, the record" \
	eval '[ $rc -eq 0 ] && [ "$(stat -c %a "$tmp/rec2")" = 600 ] &&
		[ "$(tail -n 1 "$tmp/rec2")" = "device-key=$(device_key IRS-000002)" ] &&
		! grep -q device-key <<<"$out"'
expect "provision a 31-character serial" 0 "^serial=$(printf 'S%.0s' {1..31})\$" \
	provision --serial "$(printf 'S%.0s' {1..31})"
expect "provision a 32-character serial: usage error" 2 "expected 1..31 printable ASCII" \
	provision --serial "$(printf 'S%.0s' {1..32})"
expect "provision a serial with a space: usage error" 2 "expected 1..31" provision --serial "IRS 1"
expect "provision an empty serial: usage error" 2 "expected 1..31" provision --serial ""
expect "provision a serial with a non-ASCII character: usage error" 2 "expected 1..31" \
	provision --serial "IRS-é"
expect "provision without --serial: usage error" 2 "--serial is required" provision
lms provision --serial IRS-000003 && lms provision --serial IRS-000004 >/dev/null

# --- access numbers ----------------------------------------------------------

expect "access-number new --count 5" 0 '' access-number new --option SPDF --count 5
numbers=$out
check "access-number new: 5 unique numbers, 16 digits in groups of four" \
	eval '[ "$(grep -Ecx "[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}" <<<"$numbers")" = 5 ] &&
		[ "$(sort -u <<<"$numbers" | wc -l)" = 5 ]'
expect "access-number new: one by default, the option in any case" 0 \
	'^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}$' access-number new --option send
send_number=$out
expect "access-number --count 0: usage error" 2 "--count '0': expected 1..1000" \
	access-number new --option SEND --count 0
expect "access-number --count 1001: usage error" 2 "--count '1001'" \
	access-number new --option SEND --count 1001
expect "access-number --option FAX: usage error" 2 "unknown option 'FAX'" \
	access-number new --option FAX
expect "access-number without 'new': usage error" 2 "expected 'new'" access-number --option SEND
expect "access-number without --option: usage error" 2 "--option is required" access-number new
expect "access-number new --count 1000" 0 '' access-number new --option WEB --count 1000
check "access-number new --count 1000: 1000 unique numbers" \
	test "$(sort -u <<<"$out" | grep -Ec '^[0-9-]{19}$')" = 1000

# --- issuing -----------------------------------------------------------------

n1=$(sed -n 1p <<<"$numbers")
expect "issue" 0 '^[0-9]{4}(-[0-9]{4}){5}$' issue --access-number "$n1" --serial IRS-000001
key1=$out
check "issue: SPDF (03), sequence 1, the key recomputed from the device key" \
	test "$key1" = "$(grouped "$(license 0 IRS-000001 3 1)")"
lms issue --access-number "$n1" --serial IRS-000001
check "issue again, same serial: the same key, and a note" \
	eval '[ $rc -eq 0 ] && [ "$out" = "$key1" ] && grep -q "already used for IRS-000001" <<<"$err"'
lms issue --access-number "${n1//-/}" --serial IRS-000001
check "issue: the access number typed without dashes" eval '[ $rc -eq 0 ] && [ "$out" = "$key1" ]'
lms issue --access-number "${n1//-/ }" --serial IRS-000001
check "issue: the access number typed with spaces" eval '[ $rc -eq 0 ] && [ "$out" = "$key1" ]'
expect "issue for another serial: refused" 1 \
	"access number $n1 was already used for serial IRS-000001" \
	issue --access-number "$n1" --serial IRS-000002
expect "issue of an unknown access number: refused" 1 "unknown access number 1111-2222-3333-4444" \
	issue --access-number 1111222233334444 --serial IRS-000001
n2=$(sed -n 2p <<<"$numbers")
expect "issue for an unprovisioned serial: refused" 1 "IRS-000099 was never provisioned" \
	issue --access-number "$n2" --serial IRS-000099
expect "issue: letters in the access number: usage error" 2 "expected 16 digits" \
	issue --access-number 1234-5678-9012-345a --serial IRS-000001
expect "issue: a 15-digit access number: usage error" 2 "expected 16 digits" \
	issue --access-number 123456789012345 --serial IRS-000001
expect "issue: a 17-digit access number: usage error" 2 "expected 16 digits" \
	issue --access-number 12345678901234567 --serial IRS-000001
expect "issue: a bad serial: usage error" 2 "serial 'IRS 1'" issue --access-number "$n2" --serial "IRS 1"
lms issue --access-number "$n2" --serial IRS-000001
check "issue: the serial's second key has sequence 2" \
	test "$out" = "$(grouped "$(license 0 IRS-000001 3 2)")"
lms issue --access-number "$send_number" --serial IRS-000002
key_send=$out
check "issue: a SEND key starts with 01" test "${key_send:0:2}" = 01

# --- transfer ----------------------------------------------------------------

cert=$(license 1 IRS-000001 3 1)
expect "transfer" 0 '^[0-9]{4}(-[0-9]{4}){5}$' \
	transfer --certificate "$(grouped "$cert")" --from IRS-000001 --to IRS-000002
tkey=$out
check "transfer: the new key is SPDF, the --to serial's next sequence (2)" \
	test "$tkey" = "$(grouped "$(license 0 IRS-000002 3 2)")"
if command -v python3 >/dev/null; then
	q=$(json_query '[(k["state"], k.get("certificate"), k["transferred_to"]["serial"],
	k["transferred_to"]["sequence"]) for k in keys if k["serial"] == "IRS-000001" and k["sequence"] == 1]')
	check "ledger: the old key invalidated, with its certificate and where it went" \
		test "$q" = "[('invalidated', '$cert', 'IRS-000002', 2)]"
	q=$(json_query '[(k["state"], k["transferred_from"], "access_number" in k) for k in keys
	if k["serial"] == "IRS-000002" and k["sequence"] == 2]')
	check "ledger: the new key issued, with where it came from" \
		test "$q" = "[('issued', {'serial': 'IRS-000001', 'sequence': 1}, False)]"
else
	tap_skip "ledger: the old key invalidated, with its certificate and where it went" "no python3"
	tap_skip "ledger: the new key issued, with where it came from" "no python3"
fi
lms transfer --certificate "$cert" --from IRS-000001 --to IRS-000002
check "transfer again to the same device: the same key, and a note" \
	eval '[ $rc -eq 0 ] && [ "$out" = "$tkey" ] && grep -q "already transferred to IRS-000002" <<<"$err"'
expect "transfer again to another device: refused" 1 "already transferred to IRS-000002" \
	transfer --certificate "$cert" --from IRS-000001 --to IRS-000003
expect "issue of an access number whose key was given up: refused" 1 "given up since" \
	issue --access-number "$n1" --serial IRS-000001
typo=$cert
typo=${typo:0:10}$(((${typo:10:1} + 1) % 10))${typo:11}
expect "transfer: a certificate with one digit changed is a typo" 1 "has a typo" \
	transfer --certificate "$typo" --from IRS-000001 --to IRS-000003
expect "transfer: a certificate of another serial is refused" 1 "was not made by IRS-000001" \
	transfer --certificate "$(license 1 IRS-000003 3 2)" --from IRS-000001 --to IRS-000003
expect "transfer: a key instead of a certificate is refused" 1 "was not made by IRS-000001" \
	transfer --certificate "$(license 0 IRS-000001 3 2)" --from IRS-000001 --to IRS-000003
expect "transfer: a certificate for a key never issued is refused" 1 \
	"the ledger holds no SPDF key #7 of IRS-000001" \
	transfer --certificate "$(license 1 IRS-000001 3 7)" --from IRS-000001 --to IRS-000003
expect "transfer to an unprovisioned device: refused" 1 "IRS-000099 was never provisioned" \
	transfer --certificate "$(license 1 IRS-000001 3 2)" --from IRS-000001 --to IRS-000099
expect "transfer: 23 digits: usage error" 2 "expected 24 digits" \
	transfer --certificate "${cert:1}" --from IRS-000001 --to IRS-000003
expect "transfer --from and --to alike: usage error" 2 "the same device" \
	transfer --certificate "$cert" --from IRS-000001 --to IRS-000001

# --- concurrent runs ---------------------------------------------------------

lms access-number new --option VNC
shared=$out
for i in $(seq 10); do
	"$lms_bin" --dir "$dir" issue --access-number "$shared" --serial IRS-000003 \
		>"$tmp/par.$i" 2>>"$stderr_log" &
done
wait
check "10 concurrent issues of one access number: one and the same key for all" \
	test "$(cat "$tmp"/par.* | sort -u | wc -l)/$(cat "$tmp"/par.* | wc -l)" = 1/10
if command -v python3 >/dev/null; then
	q=$(json_query '[k["sequence"] for k in keys if k.get("access_number") == "'"${shared//-/}"'"]')
	check "10 concurrent issues of one access number: exactly one sequence used" test "$q" = "[1]"
else
	tap_skip "10 concurrent issues of one access number: exactly one sequence used" "no python3"
fi
lms access-number new --option LIPS --count 10
i=0
while read -r n; do
	i=$((i + 1))
	"$lms_bin" --dir "$dir" issue --access-number "$n" --serial IRS-000004 \
		>"$tmp/seq.$i" 2>>"$stderr_log" &
done <<<"$out"
wait
seqs=$(cat "$tmp"/seq.* | tr -d - | cut -c3-8 | sed 's/^0*//' | sort -n | tr '\n' ' ')
check "10 concurrent issues for one serial: sequences 1..10, each once" \
	test "$seqs" = "1 2 3 4 5 6 7 8 9 10 "

# --- the ledger --------------------------------------------------------------

expect "ledger: devices and keys" 0 'IRS-000002  provisioned .*' ledger
check "ledger: the invalidated key and where it went" \
	eval 'grep -Eq "SPDF +#1 +invalidated" <<<"$out" && grep -q "transferred to IRS-000002 #2" <<<"$out"'
expect "ledger --serial: that device alone" 0 '^IRS-000003  provisioned' ledger --serial IRS-000003
check "ledger --serial: no other device" eval '! grep -q "^IRS-00000[124]" <<<"$out"'
expect "ledger --serial of an unknown device: refused" 1 "IRS-000099 is not in the ledger" \
	ledger --serial IRS-000099
if command -v python3 >/dev/null; then
	q=$(json_query '(len(d["devices"]), len(keys), sorted({k["state"] for k in keys}))')
	check "ledger --json: 5 devices, 15 keys, both states" \
		test "$q" = "(5, 15, ['invalidated', 'issued'])"
else
	tap_skip "ledger --json: 5 devices, 15 keys, both states" "no python3"
fi
all=$("$lms_bin" --dir "$dir" ledger; "$lms_bin" --dir "$dir" ledger --json)
leaks=
for s in "$master_before" "$dk1" "$(device_key IRS-000002)" "$(device_key IRS-000003)"; do
	grep -qi "${s:0:16}" - "$stderr_log" <<<"$all" && leaks+=" ${s:0:8}..."
done
check "no device key nor the master secret in the ledger or in any message" test -z "$leaks"

IRSEND_LMS_DIR=$dir "$lms_bin" ledger --serial IRS-000001 >"$tmp/env.out" 2>&1
check "IRSEND_LMS_DIR names the state directory" grep -q '^IRS-000001' "$tmp/env.out"

# --- the ledger's schema -----------------------------------------------------

if command -v sqlite3 >/dev/null; then
	cp -a "$dir" "$tmp/newer"
	sqlite3 "$tmp/newer/ledger.sqlite" 'PRAGMA user_version = 2'
	out=$("$lms_bin" --dir "$tmp/newer" ledger 2>&1)
	rc=$?
	check "a ledger of a newer schema is refused" \
		eval '[ $rc -eq 1 ] && grep -q "schema version 2, newer than this irsend-lms knows (1)" <<<"$out"'
else
	tap_skip "a ledger of a newer schema is refused" "no sqlite3"
fi
cp -a "$dir" "$tmp/orphan" && rm "$tmp/orphan/master.key"
out=$("$lms_bin" --dir "$tmp/orphan" init 2>&1)
rc=$?
check "init with a ledger of devices but no master secret: refused" \
	eval '[ $rc -eq 1 ] && grep -q "records 5 devices" <<<"$out" && [ ! -e "$tmp/orphan/master.key" ]'

tap_done
