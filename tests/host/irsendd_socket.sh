#!/bin/bash
# Malformed requests on irsendd's control socket: garbage, cut-off and
# oversized frames, JSON that is not a request, wrong versions, unknown
# verbs, arguments of the wrong type or size, bad names and files that are
# not pages. Each gets an error reply and the agent keeps serving
# (irsendd_socket.py). Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh

irsendd_need_root
for t in python3 pbmtext pnmpad; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
work=$(mktemp -d)
trap 'irsendd_cleanup; rm -rf "$work"' EXIT
chmod 0755 "$work"
if ! irsendd_users; then
	echo "1..1"
	tap_fail "create the test users"
	exit 1
fi
echo "A page of a control socket test" | pbmtext -builtin fixed |
	pnmpad -white -left 100 -top 100 -width 1728 -height 600 >"$work/page.pbm"
if ! irsendd_start "$work"; then
	echo "1..1"
	tap_fail "irsendd starts"
	exit 1
fi
# The Python side prints its own numbered results; ours follow them.
python3 tests/host/irsendd_socket.py "$work/run/sock" "$IRSD_PID" "$work/data" "$work" |
	tee "$work/py.out" | grep -v '^1\.\.'
py_rc=${PIPESTATUS[0]}
tap_n=$(grep -cE '^(not )?ok [0-9]+' "$work/py.out")
tap_failed=$(grep -cE '^not ok [0-9]+' "$work/py.out")
[ "$py_rc" -eq 0 ] || [ "$tap_failed" -gt 0 ] || tap_fail "irsendd_socket.py ran to its end" "exit $py_rc"

# The job accepted last ends well.
for _ in $(seq 1 100); do
	ctl jobs --json | grep -q '"active":\[\]' && break
	sleep 0.1
done
if ctl jobs --json | grep -q '"name":"after-the-storm".*"result":"ok"'; then
	tap_ok "the last job ended ok"
else
	tap_fail "the last job ended ok" "$(ctl jobs --json)"
fi
if irsendd_stop; then
	tap_ok "SIGTERM: irsendd exits 0"
else
	tap_fail "SIGTERM: irsendd exits 0" "$(tail -n 20 "$work/irsendd.log")"
fi
if grep -qiE 'segfault|assert|sanitizer|double free' "$work/irsendd.log"; then
	tap_fail "the agent's log shows no crash" "$(grep -iE 'segfault|assert' "$work/irsendd.log")"
else
	tap_ok "the agent's log shows no crash"
fi
echo "1..$tap_n"
tap_done
