#!/bin/bash
# irsendctl errors: the built-in error-code catalogue needs no module; the
# list, one code in both spellings, JSON, the area filter, and the errors
# for unknown codes and bad command lines.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
ctl=build/bin/irsendctl

# expect NAME STATUS PATTERN ARGS...: irsendctl ARGS exits STATUS and its
# output (stdout and stderr) matches the extended regex PATTERN.
expect() {
	local name=$1 status=$2 pattern=$3 out rc
	shift 3
	out=$("$ctl" "$@" 2>&1)
	rc=$?
	if [ $rc -eq "$status" ] && grep -Eq -- "$pattern" <<<"$out"; then
		tap_ok "$name"
	else
		tap_fail "$name" "expected exit $status and /$pattern/, got exit $rc:" "$out"
	fi
}

# The codes of seed section 4.3, each once.
codes="022 099 702 703 704 705 706 711 712 713 751 752 753 755 756 801 802 804 806 807
810 813 815 818 819 820 821 822 827 828 829 830 831 832 833 834 835 839 841 842 843 844
845 846 899 995"

tap_plan 25

out=$($ctl --help)
grep -q '^  errors ' <<<"$out" && tap_ok "irsendctl --help lists errors" ||
	tap_fail "irsendctl --help lists errors" "$out"

expect "errors --help: usage" 0 'Usage: irsendctl errors \[CODE\] \[--area AREA\] \[--json\]' \
	errors --help
expect "errors --help: exit status" 0 'Exit status: 0 success, 1 no such error code' errors -h
expect "errors --help: both spellings of a code" 0 '"#711"' errors --help

out=$($ctl errors)
rc=$?
listed=$(grep -Eo '^#[0-9]{3}' <<<"$out" | tr -d '#' | tr '\n' ' ')
want=$(tr '\n' ' ' <<<"$codes" | tr -s ' ')
if [ $rc -eq 0 ] && [ "${listed% }" = "${want% }" ]; then
	tap_ok "errors lists every code once, in order"
else
	tap_fail "errors lists every code once, in order" "exit $rc" "got:  $listed" "want: $want"
fi

expect "errors 711: the box-full entry" 0 '^#711 box-full: ' errors 711
expect "errors '#711': the same entry" 0 '^#711 box-full: ' errors '#711'
expect "errors 22: zero-padded" 0 '^#022 address-gone: ' errors 22
expect "errors '#022'" 0 '^#022 address-gone: ' errors '#022'
expect "errors 801: areas" 0 '^Areas: +email, ifax-tx, ifax-rx, smb, ftp, ncp$' errors 801
expect "errors 801: cause" 0 '^Cause: +The server' errors 801
expect "errors 801: remedy" 0 '^Remedy: +Check' errors 801
expect "errors 995: kind" 0 '^Kind: +cancelled$' errors 995

# Wrapped lines stay within 78 columns.
out=$($ctl errors 834)
long=$(awk 'length > 78' <<<"$out")
[ -z "$long" ] && tap_ok "errors CODE wraps at 78 columns" ||
	tap_fail "errors CODE wraps at 78 columns" "$long"

expect "errors 123: no such code, exit 1" 1 "no error code #123" errors 123
expect "errors 0: no such code, exit 1" 1 "no error code #000" errors 0
expect "errors abc: usage error" 2 "'abc' is not an error code" errors abc
expect "errors 1000: usage error" 2 "'1000' is not an error code" errors 1000
expect "errors with two codes: usage error" 2 "takes at most one CODE" errors 711 712
expect "errors --bogus: usage error" 2 "unknown option '--bogus'" errors --bogus
expect "errors --area fax: usage error" 2 "unknown area 'fax'" errors --area fax
expect "errors --area with a code: usage error" 2 "does not go with a CODE" errors --area box 711

out=$($ctl errors --area box)
[ "$(grep -Eo '^#[0-9]{3}' <<<"$out" | tr '\n' ' ')" = "#022 #099 #706 #711 #712 #995 " ] &&
	tap_ok "errors --area box: exactly the box codes" ||
	tap_fail "errors --area box: exactly the box codes" "$out"

if command -v python3 >/dev/null; then
	out=$($ctl errors --json | python3 -c '
import json, sys
d = json.load(sys.stdin)["errors"]
assert len(d) == 46, len(d)
for e in d:
    assert e["id"] == "#%03d" % e["code"]
    for k in ("name", "kind", "message", "cause", "remedy"):
        assert e[k], (e["code"], k)
    assert e["areas"]
print("ok")' 2>&1)
	[ "$out" = ok ] && tap_ok "errors --json: 46 complete entries" ||
		tap_fail "errors --json: 46 complete entries" "$out"
	out=$($ctl --json errors '#841' | python3 -c '
import json, sys
e = json.load(sys.stdin)
assert e["code"] == 841 and e["name"] == "tls-handshake", e
assert e["areas"] == ["email", "ifax-tx"], e["areas"]
print("ok")' 2>&1)
	[ "$out" = ok ] && tap_ok "errors '#841' --json: one object" ||
		tap_fail "errors '#841' --json: one object" "$out"
else
	tap_skip "errors --json: 46 complete entries" "no python3"
	tap_skip "errors '#841' --json: one object" "no python3"
fi

tap_done
