#!/bin/bash
# irsendctl macfilter without the module: help text, usage errors, MAC
# addresses refused before anything is sent, and the one-line "module not
# loaded" message when the generic netlink family is absent.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
ctl=build/bin/irsendctl
absent="the irsend module is not loaded \(generic netlink family 'irsend' not found\)"

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

tap_plan 34

out=$($ctl --help)
grep -q '^  macfilter ' <<<"$out" && tap_ok "irsendctl --help lists macfilter" ||
	tap_fail "irsendctl --help lists macfilter" "$out"

expect "macfilter --help: usage of every subcommand" 0 \
	'macfilter list\|stats\|watch \[--json\]' macfilter --help
expect "macfilter --help: changes take --store and --no-save" 0 \
	'macfilter on\|off\|flush\|apply \[--store PATH\] \[--no-save\]' macfilter --help
expect "macfilter --help: where the list is saved" 0 \
	'else \$IRSEND_MACFILTER_STORE, else' macfilter --help
expect "macfilter --help: add and del take a MAC" 0 'macfilter add\|del MAC' macfilter --help
expect "macfilter -h after a subcommand" 0 'AA-BB-CC-DD-EE-FF' macfilter list -h
expect "macfilter --help: the MAC rule comes first" 0 'before every IP address rule' \
	macfilter --help
expect "macfilter --help: exit status" 0 'Exit status: 0 success, 1 failed' macfilter --help

expect "macfilter without subcommand: usage error" 2 \
	'expected on, off, add, del, flush, list, stats, watch or apply' macfilter
expect "macfilter bogus subcommand: usage error" 2 "unknown subcommand 'bogus'" macfilter bogus
expect "macfilter unknown option: usage error" 2 "unknown option '--bogus'" macfilter list --bogus
expect "macfilter add without MAC: usage error" 2 'add takes one MAC address' macfilter add
expect "macfilter del without MAC: usage error" 2 'del takes one MAC address' macfilter del
expect "macfilter add with two MACs: usage error" 2 'add takes one MAC address' \
	macfilter add 52:54:00:00:00:01 52:54:00:00:00:02
expect "macfilter list with an argument: usage error" 2 'list takes no arguments' \
	macfilter list 52:54:00:00:00:01
for bad in 52:54:00:00:00 52:54:00:00:00:01:02 52:54:00:00:00:0g 52:54-00:00:00:01 \
	5254.0000.0001 52:54:00:00:00:1; do
	expect "macfilter add $bad: bad syntax" 2 "'$bad' is not a MAC address" macfilter add "$bad"
done
expect "macfilter add of a multicast MAC is refused locally" 2 \
	'01:00:5e:00:00:01 is a multicast address' macfilter add 01:00:5e:00:00:01
expect "macfilter del of the broadcast MAC is refused locally" 2 \
	'FF-FF-FF-FF-FF-FF is the broadcast address' macfilter del FF-FF-FF-FF-FF-FF
expect "macfilter add of the zero MAC is refused locally" 2 \
	'00:00:00:00:00:00 is the all-zero address' macfilter add 00:00:00:00:00:00

# Well-formed commands reach the family lookup and stop there: one line, exit 1.
for args in "stats" "list --json" "add 52:54:00:AB:cd:EF"; do
	out=$($ctl macfilter $args 2>&1)
	rc=$?
	name="macfilter $args without the module: one line, exit 1"
	if [ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -Eq "$absent" <<<"$out"; then
		tap_ok "$name"
	else
		tap_fail "$name" "got exit $rc:" "$out"
	fi
done
# The saved list: refusals that need no module.
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
expect "macfilter apply --no-save: usage error" 2 'apply saves nothing' macfilter apply --no-save
expect "macfilter --store with an empty path: usage error" 2 -- '--store needs a path' \
	macfilter on --store ''
expect "macfilter apply with nothing saved: exit 1" 1 \
	"^irsendctl macfilter apply: nothing is saved in $d/none.conf\$" \
	macfilter apply --store "$d/none.conf"
printf 'enabled on\nmac 02:00:5e:00:00:01\nmac 02:00:5e:00:00:zz\n' >"$d/bad.conf"
cp "$d/bad.conf" "$d/bad.orig"
expect "macfilter apply of a malformed file names the line" 1 \
	"$d/bad.conf: line 3: '02:00:5e:00:00:zz' is not a MAC address.*the module was not changed" \
	macfilter apply --store "$d/bad.conf"
# Before the module is even looked up: the file is what is wrong.
IRSEND_MACFILTER_STORE=$d/bad.conf expect \
	"macfilter add with a malformed saved list (from the environment) changes nothing" 1 \
	"line 3: .*nothing changed \(fix or remove the file, or use --no-save\)" \
	macfilter add 02:00:5e:00:00:02
cmp -s "$d/bad.conf" "$d/bad.orig" && tap_ok "the malformed file is left as it was" ||
	tap_fail "the malformed file is left as it was" "$(cat "$d/bad.conf")"
IRSEND_MACFILTER_STORE=$d/bad.conf expect "macfilter add --no-save skips the saved list" 1 \
	"$absent" macfilter add 02:00:5e:00:00:02 --no-save
tap_done
