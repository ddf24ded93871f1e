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

tap_plan 25

out=$($ctl --help)
grep -q '^  macfilter ' <<<"$out" && tap_ok "irsendctl --help lists macfilter" ||
	tap_fail "irsendctl --help lists macfilter" "$out"

expect "macfilter --help: usage of every subcommand" 0 \
	'macfilter on\|off\|flush\|list\|stats\|watch \[--json\]' macfilter --help
expect "macfilter --help: add and del take a MAC" 0 'macfilter add\|del MAC' macfilter --help
expect "macfilter -h after a subcommand" 0 'AA-BB-CC-DD-EE-FF' macfilter list -h
expect "macfilter --help: the MAC rule comes first" 0 'before every IP address rule' \
	macfilter --help
expect "macfilter --help: exit status" 0 'Exit status: 0 success, 1 failed' macfilter --help

expect "macfilter without subcommand: usage error" 2 \
	'expected on, off, add, del, flush, list, stats or watch' macfilter
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
tap_done
