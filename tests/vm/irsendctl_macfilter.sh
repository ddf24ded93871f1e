#!/bin/bash
# irsendctl macfilter end to end: two peer hosts in network namespaces behind
# veth pairs, A (listed) and B (not); the operator's commands switch the
# filter, edit the list and read its counters, and the peers' pings show
# what the kernel does with them. Every change is saved to a file and
# "apply" puts the file back into a module that forgot it. Ends with the
# filter off and the list empty.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
ctl=$PWD/build/bin/irsendctl
mac_a=02:00:5e:20:00:0a
mac_b=02:00:5e:20:00:0b
d=$(mktemp -d)
cleanup() {
	$ctl macfilter off >/dev/null 2>&1
	$ctl macfilter flush >/dev/null 2>&1
	ip link del ica 2>/dev/null
	ip link del icb 2>/dev/null
	ip netns del mc-a 2>/dev/null
	ip netns del mc-b 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT
# The store of saved lists is the test's own, never the machine's.
export IRSEND_MACFILTER_STORE=$d/macfilter.conf

# run ARGS...: irsendctl's stdout+stderr in $out, its status in $rc.
run() {
	out=$("$ctl" "$@" 2>&1)
	rc=$?
}
# Every --json output is kept here and parsed once at the end: Python is
# slow to start under TCG, so the checks in between read fields with sed.
json_log=$d/json
# field KEY JSON: the number after "KEY": in JSON, the first one.
field() {
	sed -nE 's/.*"'"$1"'":([0-9]+).*/\1/p' <<<"$2" | head -n 1
}
stats() {
	"$ctl" macfilter stats --json 2>/dev/null | tee -a "$json_log"
}
list_json() {
	"$ctl" macfilter list --json 2>/dev/null | tee -a "$json_log"
}
# macs JSON: the "mac" values of a list --json array, one a line.
macs() {
	grep -oE '"mac":"[^"]*"' <<<"$1" | cut -d'"' -f4
}
# pings NS ADDR: one echo answered within a second.
pings() {
	ip netns exec "$1" ping -q -c1 -W1 "$2" >/dev/null 2>&1
}
# silent NS ADDR: no answer within half a second; a frame the filter let
# through would be answered in milliseconds.
silent() {
	! ip netns exec "$1" ping -q -c1 -W0.5 "$2" >/dev/null 2>&1
}

tap_plan 23

# Peers without IPv6, so that the only frames they send are the test's own.
# Batched: every process start costs under TCG.
setup() {
	local p
	for p in a b; do
		ip netns add mc-$p &&
			ip netns exec mc-$p sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1 &&
			ip link add ic$p type veth peer name eth0 netns mc-$p || return 1
	done
	sysctl -qw net.ipv6.conf.ica.disable_ipv6=1 net.ipv6.conf.icb.disable_ipv6=1 &&
		ip -batch - <<-EOF &&
			addr add 198.18.20.1/24 dev ica
			addr add 198.18.21.1/24 dev icb
			link set ica up
			link set icb up
		EOF
		ip -n mc-a -batch - <<-EOF &&
			link set lo up
			link set eth0 address $mac_a
			addr add 198.18.20.2/24 dev eth0
			link set eth0 up
		EOF
		ip -n mc-b -batch - <<-EOF
			link set lo up
			link set eth0 address $mac_b
			addr add 198.18.21.2/24 dev eth0
			link set eth0 up
		EOF
}
cleanup
mkdir -p "$d"
if ! err=$(setup 2>&1); then
	tap_fail "two peers in network namespaces" "$err"
	tap_done
fi

$ctl macfilter off >/dev/null 2>&1
$ctl macfilter flush >/dev/null 2>&1
s=$(stats)
if [ "$(field enabled "$s")" = 0 ] && [ "$(field count "$s")" = 0 ] &&
	[ "$(field limit "$s")" = 100 ] && pings mc-a 198.18.20.1 && pings mc-b 198.18.21.1; then
	tap_ok "filter off, list empty: stats --json says so and both peers ping"
else
	tap_fail "filter off, list empty: stats --json says so and both peers ping" "$s"
fi

run macfilter add 02-00-5E-20-00-0A
out2=$("$ctl" macfilter add $mac_a 2>&1)
rc2=$?
list=$(list_json)
if [ $rc -eq 0 ] && [ "$out" = "added $mac_a" ] && [ $rc2 -eq 0 ] &&
	[ "$(macs "$list")" = "$mac_a" ]; then
	tap_ok "add (either spelling) lists the MAC once; adding it again is not an error"
else
	tap_fail "add (either spelling) lists the MAC once; adding it again is not an error" \
		"exit $rc: $out" "again: exit $rc2: $out2" "list: $list"
fi

run macfilter on
s=$(stats)
if [ $rc -eq 0 ] && [ "$out" = "MAC filter: on, 1 of 100 addresses listed" ] &&
	[ "$(field enabled "$s")" = 1 ]; then
	tap_ok "on: 'MAC filter: on, 1 of 100 addresses listed'"
else
	tap_fail "on: 'MAC filter: on, 1 of 100 addresses listed'" "exit $rc: $out" "$s"
fi

# ARP included: the neighbours are not known yet.
ip -n mc-b neigh flush dev eth0
ip neigh flush dev icb
if pings mc-a 198.18.20.1 && silent mc-b 198.18.21.1; then
	tap_ok "the listed peer resolves the device and pings it; the unlisted one cannot"
else
	tap_fail "the listed peer resolves the device and pings it; the unlisted one cannot" \
		"$(ip -n mc-a neigh)" "$(ip -n mc-b neigh)"
fi

# Counting: with permanent neighbours each ping is one frame each way, and
# only the peers' frames count (ingress). Permanent also ends B's ARP retries.
ip -n mc-a neigh replace 198.18.20.1 lladdr "$(cat /sys/class/net/ica/address)" dev eth0 nud permanent
ip -n mc-b neigh replace 198.18.21.1 lladdr "$(cat /sys/class/net/icb/address)" dev eth0 nud permanent
ip neigh replace 198.18.20.2 lladdr $mac_a dev ica nud permanent
before=$(stats)
hits0=$(list_json)
ip netns exec mc-a ping -q -c3 -i0.2 -W1 198.18.20.1 >/dev/null 2>&1
a_rc=$?
ip netns exec mc-b ping -q -c4 -i0.2 -W0.3 198.18.21.1 >/dev/null 2>&1
b_rc=$?
after=$(stats)
hits1=$(list_json)
accepted=$(($(field accepted "$after") - $(field accepted "$before")))
dropped=$(($(field dropped "$after") - $(field dropped "$before")))
hits=$(($(field hits "$hits1") - $(field hits "$hits0")))
if [ $a_rc -eq 0 ] && [ $b_rc -ne 0 ] && [ $accepted -eq 3 ] && [ $dropped -eq 4 ] &&
	[ $hits -eq 3 ]; then
	tap_ok "stats --json: accepted +3 for 3 pings of A, dropped +4 for 4 of B; A's hits +3"
else
	tap_fail "stats --json: accepted +3 for 3 pings of A, dropped +4 for 4 of B; A's hits +3" \
		"ping A $a_rc, B $b_rc" "before $before" "after $after" "hits $hits0 -> $hits1"
fi

run macfilter list
if [ $rc -eq 0 ] && [ "$out" = "$mac_a $(field hits "$hits1")" ]; then
	tap_ok "list: one line 'MAC hits'"
else
	tap_fail "list: one line 'MAC hits'" "exit $rc: $out"
fi

run macfilter del $mac_a
del_rc=$rc del_out=$out
run macfilter del $mac_a
if [ $del_rc -eq 0 ] && [ "$del_out" = "deleted $mac_a" ] && silent mc-a 198.18.20.1 &&
	[ $rc -eq 1 ] && [ "$out" = "irsendctl macfilter: $mac_a is not in the list" ]; then
	tap_ok "del: A is cut off at once; deleting it again: 'not in the list', exit 1"
else
	tap_fail "del: A is cut off at once; deleting it again: 'not in the list', exit 1" \
		"first: exit $del_rc: $del_out" "again: exit $rc: $out"
fi

$ctl macfilter add $mac_a >/dev/null && $ctl macfilter add $mac_b >/dev/null
both=$(pings mc-a 198.18.20.1 && pings mc-b 198.18.21.1 && echo yes)
run macfilter flush
list=$(list_json)
if [ "$both" = yes ] && [ $rc -eq 0 ] && [ "$out" = "the list is empty" ] &&
	[ "$list" = "[]" ] && silent mc-a 198.18.20.1 && silent mc-b 198.18.21.1; then
	tap_ok "both listed, both ping; flush empties the list and cuts both off"
else
	tap_fail "both listed, both ping; flush empties the list and cuts both off" \
		"both pinged: ${both:-no}" "exit $rc: $out" "list: $list"
fi

out=$("$ctl" macfilter on 2>"$d/err")
rc=$?
if [ $rc -eq 0 ] && grep -q 'warning: the list is empty: every frame from the network is dropped' "$d/err"; then
	tap_ok "on with an empty list warns on stderr"
else
	tap_fail "on with an empty list warns on stderr" "exit $rc: $out" "$(cat "$d/err")"
fi

run macfilter off
if [ $rc -eq 0 ] && [ "$out" = "MAC filter: off" ] && pings mc-b 198.18.21.1 &&
	[ "$(field enabled "$(stats)")" = 0 ]; then
	tap_ok "off lets the unlisted peer in"
else
	tap_fail "off lets the unlisted peer in" "exit $rc: $out"
fi

bad=""
for m in 02:00:5e:20:00 zz:00:5e:20:00:0a; do
	run macfilter add "$m"
	[ $rc -eq 2 ] && grep -q "'$m' is not a MAC address: expected aa:bb:cc:dd:ee:ff" <<<"$out" ||
		bad="$bad|$m: exit $rc: $out"
done
for m in "01:00:5e:00:00:01 is a multicast address" "ff:ff:ff:ff:ff:ff is the broadcast address" \
	"00:00:00:00:00:00 is the all-zero address"; do
	run macfilter add "${m%% *}"
	[ $rc -eq 2 ] && grep -q "$m: only a unicast address names one host" <<<"$out" ||
		bad="$bad|${m%% *}: exit $rc: $out"
done
if [ -z "$bad" ] && [ "$(field count "$(stats)")" = 0 ]; then
	tap_ok "bad, multicast, broadcast and zero MACs: a clear message, exit 2, nothing listed"
else
	tap_fail "bad, multicast, broadcast and zero MACs: a clear message, exit 2, nothing listed" \
		"${bad//|/$'\n'}"
fi

# An unprivileged caller reads but cannot change.
nobody() {
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$ctl" "$@" 2>&1)
	rc=$?
}
bad=""
for args in "add $mac_a" "del $mac_a" "on" "off" "flush"; do
	nobody macfilter $args
	[ $rc -eq 1 ] && [ "$out" = "irsendctl macfilter: changing the MAC filter needs CAP_NET_ADMIN (run as root)" ] ||
		bad="$bad|$args: exit $rc: $out"
done
s=$(stats)
if [ -z "$bad" ] && [ "$(field count "$s")" = 0 ] && [ "$(field enabled "$s")" = 0 ]; then
	tap_ok "unprivileged add, del, on, off, flush: 'needs CAP_NET_ADMIN', exit 1, nothing changed"
else
	tap_fail "unprivileged add, del, on, off, flush: 'needs CAP_NET_ADMIN', exit 1, nothing changed" \
		"${bad//|/$'\n'}" "$s"
fi
nobody macfilter stats --json
echo "$out" >>"$json_log"
if [ $rc -eq 0 ] && [ "$(field count "$out")" = 0 ] && [ -n "$(field accepted "$out")" ]; then
	tap_ok "unprivileged stats --json works"
else
	tap_fail "unprivileged stats --json works" "exit $rc: $out"
fi

store=$IRSEND_MACFILTER_STORE
# saved FILE: its lines other than comments.
saved() {
	grep -v '^#' "${1:-$store}" 2>&1
}
rm -f "$store"
$ctl macfilter add $mac_a --no-save >/dev/null && $ctl macfilter on --no-save >/dev/null
[ -e "$store" ] && nosave=wrote || nosave=none
run macfilter add $mac_b
if [ "$nosave" = none ] && [ $rc -eq 0 ] &&
	[ "$(saved)" = "$(printf 'enabled on\nmac %s\nmac %s' $mac_a $mac_b)" ]; then
	tap_ok "--no-save writes nothing; the first saved change copies the module's state and adds to it"
else
	tap_fail "--no-save writes nothing; the first saved change copies the module's state and adds to it" \
		"after --no-save: $nosave" "exit $rc: $out" "$(saved)"
fi
run macfilter del $mac_b
if [ $rc -eq 0 ] && [ "$(saved)" = "$(printf 'enabled on\nmac %s' $mac_a)" ] &&
	silent mc-b 198.18.21.1 && pings mc-a 198.18.20.1; then
	tap_ok "del is saved too: the file says on, A only"
else
	tap_fail "del is saved too: the file says on, A only" "exit $rc: $out" "$(saved)"
fi
$ctl macfilter off --no-save >/dev/null
$ctl macfilter flush --no-save >/dev/null

# A full list. Reloading the module with a small mac_limit keeps this fast
# under TCG and shows that the number in the message is the module's; when
# the module cannot be reloaded (in use), the default limit is filled.
params=""
for p in /sys/module/irsend/parameters/*; do
	params="$params ${p##*/}=$(cat "$p")"
done
if rmmod irsend 2>/dev/null; then
	reloaded=1
	insmod kmod/irsend.ko mac_limit=4
fi
limit=$(field limit "$(stats)")
fill_rc=0
for i in $(seq 1 "${limit:-0}"); do
	$ctl macfilter add "$(printf '02:00:5e:30:%02x:%02x' $((i / 256)) $((i % 256)))" \
		--no-save >/dev/null || fill_rc=1
done
run macfilter add 02:00:5e:31:00:00 --no-save
full="irsendctl macfilter: the list is full: $limit addresses (delete one first, or raise the module parameter mac_limit)"
again=$("$ctl" macfilter add 02:00:5e:30:00:01 --no-save 2>&1)
again_rc=$?
if [ -n "$limit" ] && [ $fill_rc -eq 0 ] && [ $rc -eq 1 ] && [ "$out" = "$full" ] &&
	[ "$(field count "$(stats)")" = "$limit" ] && [ $again_rc -eq 0 ]; then
	tap_ok "$limit addresses listed; the next: 'the list is full: $limit addresses', exit 1; a listed one is still fine"
else
	tap_fail "the list full: 'the list is full: N addresses', exit 1" "limit $limit, filling: $fill_rc" \
		"exit $rc: $out" "again: exit $again_rc: $again"
fi
{
	echo "enabled on"
	for i in $(seq 0 "${limit:-0}"); do printf 'mac 02:00:5e:40:00:%02x\n' "$i"; done
} >"$d/big.conf"
before=$(list_json)
run macfilter apply --store "$d/big.conf"
if [ $rc -eq 1 ] && [ "$(list_json)" = "$before" ] &&
	[ "$out" = "irsendctl macfilter apply: the saved list has $((limit + 1)) addresses, the module takes $limit (module parameter mac_limit)" ]; then
	tap_ok "apply of a saved list longer than mac_limit: refused, the module unchanged"
else
	tap_fail "apply of a saved list longer than mac_limit: refused, the module unchanged" \
		"exit $rc: $out"
fi
$ctl macfilter flush --no-save >/dev/null
if [ -n "$reloaded" ]; then
	rmmod irsend
	# shellcheck disable=SC2086
	insmod kmod/irsend.ko $params
fi
s=$(stats)
if [ "$(field limit "$s")" = 100 ] && [ "$(field count "$s")" = 0 ]; then
	tap_ok "the module is back with its own parameters (limit 100), the list empty"
else
	tap_fail "the module is back with its own parameters (limit 100), the list empty" \
		"params:$params" "$s"
fi

# The module forgot everything; the file has not.
run macfilter apply
s=$(stats)
if [ $rc -eq 0 ] && [ "$out" = "applied $store: MAC filter on, 1 address listed" ] &&
	[ "$(field enabled "$s")" = 1 ] && [ "$(macs "$(list_json)")" = $mac_a ] &&
	pings mc-a 198.18.20.1 && silent mc-b 198.18.21.1; then
	tap_ok "apply puts the saved list back into a fresh module: A pings, B cannot"
else
	tap_fail "apply puts the saved list back into a fresh module: A pings, B cannot" \
		"exit $rc: $out" "$s"
fi

$ctl macfilter add $mac_b --no-save >/dev/null
nobody macfilter apply
n_rc=$rc n_out=$out
b_in=$(pings mc-b 198.18.21.1 && echo yes)
run macfilter apply
if [ "$b_in" = yes ] && [ $n_rc -eq 1 ] &&
	[ "$n_out" = "irsendctl macfilter apply: removing unsaved addresses: changing the MAC filter needs CAP_NET_ADMIN (run as root)" ] &&
	[ $rc -eq 0 ] && [ "$(macs "$(list_json)")" = $mac_a ] && silent mc-b 198.18.21.1 &&
	pings mc-a 198.18.20.1; then
	tap_ok "apply takes off an unsaved address (unprivileged: refused, exit 1)"
else
	tap_fail "apply takes off an unsaved address (unprivileged: refused, exit 1)" \
		"B let in first: ${b_in:-no}" "unprivileged: exit $n_rc: $n_out" "exit $rc: $out"
fi

$ctl macfilter flush --no-save >/dev/null
run macfilter del $mac_a
if [ $rc -eq 0 ] &&
	[ "$out" = "deleted $mac_a from the saved list (the module did not list it)" ] &&
	[ "$(saved)" = "enabled on" ]; then
	tap_ok "del of an address only the saved list has: deleted from the file, exit 0"
else
	tap_fail "del of an address only the saved list has: deleted from the file, exit 0" \
		"exit $rc: $out" "$(saved)"
fi
$ctl macfilter off >/dev/null

if python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.strip():
        json.loads(line)
' "$json_log" && [ "$(grep -c . "$json_log")" -ge 15 ]; then
	tap_ok "every --json output above ($(grep -c . "$json_log") documents) is valid JSON"
else
	tap_fail "every --json output above is valid JSON" "$(cat "$json_log")"
fi

tap_done
