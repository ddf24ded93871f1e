#!/bin/bash
# Who may use irsendd: the agent runs as its configured user with no
# capabilities; its socket is 0660 in the configured group; a local user
# outside the group is turned away (by the file mode, and by the agent
# itself when the mode is opened up), with a clear message and exit 1; a
# member of the group (supplementary or primary) is served; a job belongs
# to its sender; a box with a PIN refuses show and export without it.
# Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh

irsendd_need_root
for t in python3 pbmtext pnmpad setpriv; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
tap_plan 23
work=$(mktemp -d)
trap 'irsendd_cleanup; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
echo "A page of an access test" | pbmtext -builtin fixed |
	pnmpad -white -left 100 -top 100 -width 1728 -height 2339 >"$work/page.pbm"
for _ in $(seq 1 100); do cat "$work/page.pbm"; done >"$work/p100.pbm"
chmod 0644 "$work"/*.pbm
irsendd_start "$work" || {
	tap_fail "irsendd starts"
	tap_done
}
sock=$work/run/sock
uid=$(id -u "$IRSD_USER")
gid=$(id -g "$IRSD_USER")
ctl_gid=$(getent group "$IRSD_GROUP" | cut -d: -f3)

# The agent's process.
st=/proc/$IRSD_PID/status
field() { sed -n "s/^$1:[[:space:]]*//p" "$st" | tr -s '\t ' ' '; }
if [ "$(field Uid)" = "$uid $uid $uid $uid" ] && [ "$(field Gid)" = "$gid $gid $gid $gid" ]; then
	tap_ok "the agent runs as $IRSD_USER (uid $uid), real, effective, saved and fs"
else
	tap_fail "the agent runs as $IRSD_USER" "Uid: $(field Uid)" "Gid: $(field Gid)"
fi
caps="$(field CapInh) $(field CapPrm) $(field CapEff) $(field CapAmb)"
if [ "$caps" = "0000000000000000 0000000000000000 0000000000000000 0000000000000000" ]; then
	tap_ok "no capabilities: CapInh, CapPrm, CapEff and CapAmb are 0"
else
	tap_fail "no capabilities" "CapInh CapPrm CapEff CapAmb: $caps"
fi
groups=" $(field Groups) "
if ! echo "$groups" | grep -q ' 0 '; then
	tap_ok "no root group among the agent's groups ($(field Groups))"
else
	tap_fail "no root group among the agent's groups" "Groups: $groups"
fi
if [ "$(stat -c '%a %U %G' "$sock")" = "660 $IRSD_USER $IRSD_GROUP" ]; then
	tap_ok "the socket is 0660, $IRSD_USER:$IRSD_GROUP"
else
	tap_fail "the socket is 0660 in the group" "$(stat -c '%a %U %G' "$sock")"
fi

# A local user outside the group.
out=$(as_peer "$IRSD_CTL" jobs 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "permission denied on $sock" &&
	echo "$out" | grep -q "group"; then
	tap_ok "a user outside the group: exit 1, 'permission denied', the group named"
else
	tap_fail "a user outside the group is refused" "exit $rc: $out"
fi
errno=$(as_peer python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("connected")
except OSError as e:
    print(e.errno)' "$sock")
if [ "$errno" = 13 ]; then
	tap_ok "connect() from outside the group fails with EACCES"
else
	tap_fail "connect() from outside the group fails with EACCES" "got: $errno"
fi
out=$(as_peer "$IRSD_CTL" send --box 1 "$work/page.pbm" 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "permission denied"; then
	tap_ok "a user outside the group cannot send"
else
	tap_fail "a user outside the group cannot send" "exit $rc: $out"
fi
# The agent's own check, should the socket's mode be opened up.
chmod 0666 "$sock"
out=$(as_peer "$IRSD_CTL" jobs 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "permission denied: only root and members"; then
	tap_ok "socket mode 0666: the agent itself refuses a user outside the group"
else
	tap_fail "socket mode 0666: the agent itself refuses a user outside the group" "exit $rc: $out"
fi
if grep -q "refused a control connection from uid $(id -u "$IRSD_PEER")" "$work/irsendd.log"; then
	tap_ok "the refusal is logged with the uid"
else
	tap_fail "the refusal is logged with the uid" "$(tail -n 3 "$work/irsendd.log")"
fi
chmod 0660 "$sock"

# Members of the group.
if out=$(as_peer --group "$IRSD_CTL" jobs --json 2>&1) && echo "$out" | grep -q '"active"'; then
	tap_ok "a member of the group (supplementary) is served"
else
	tap_fail "a member of the group (supplementary) is served" "$out"
fi
if out=$(setpriv --reuid="$IRSD_PEER" --regid="$ctl_gid" --clear-groups \
	env IRSEND_SOCKET="$sock" "$IRSD_CTL" box list --json 2>&1) && echo "$out" | grep -q '"boxes"'; then
	tap_ok "a user whose primary group is the group is served"
else
	tap_fail "a user whose primary group is the group is served" "$out"
fi
if out=$(as_peer --group "$IRSD_CTL" send --json --box 3 --name peer-doc "$work/page.pbm" 2>&1) &&
	echo "$out" | grep -q "\"owner\":$(id -u "$IRSD_PEER"),"; then
	tap_ok "a member sends a job; it is recorded as the member's"
else
	tap_fail "a member sends a job" "$out"
fi

# A job belongs to its sender (and root).
id=$(ctl send --no-wait --json --box 4 --format pdf,tiff-mh,tiff-mr,tiff-mmr "$work/p100.pbm" |
	sed -n 's/^{"job":\([0-9]*\)}$/\1/p')
out=$(as_peer --group "$IRSD_CTL" job cancel "$id" 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "belongs to another user"; then
	tap_ok "a member cannot cancel root's job"
else
	tap_fail "a member cannot cancel root's job" "job '$id': exit $rc: $out"
fi
if ctl job cancel "$id" >/dev/null 2>&1 && sleep 0.5 &&
	ctl job show "$id" --json | grep -q '"result":"cancelled"'; then
	tap_ok "root cancels it"
else
	tap_fail "root cancels it" "$(ctl job show "$id" --json 2>&1)"
fi

# Box PINs: a group member gives box 3 a PIN with "box set"; from then on
# the PIN is needed, also to change the box again.
pin=4711
if as_peer --group "$IRSD_CTL" box set 3 --new-pin "$pin" >/dev/null 2>&1 &&
	! as_peer --group "$IRSD_CTL" box set 3 --name other >/dev/null 2>&1; then
	tap_ok "box set --new-pin gives box 3 a PIN; changing it again needs the PIN"
else
	tap_fail "box set --new-pin gives box 3 a PIN; changing it again needs the PIN" \
		"$(as_peer --group "$IRSD_CTL" box set 3 --name other 2>&1)"
fi
doc=$(ctl box show 3 --json | sed -n 's/.*"docs":\[{"doc":\([0-9]*\),.*/\1/p')
if ctl box list --json | grep -q '{"box":3,"name":"","pin":true'; then
	tap_ok "box list shows box 3 with a PIN"
else
	tap_fail "box list shows box 3 with a PIN" "$(ctl box list --json | cut -c1-300)"
fi
out=$(as_peer --group "$IRSD_CTL" box show 3 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "has a PIN"; then
	tap_ok "box show without the PIN: refused, exit 1"
else
	tap_fail "box show without the PIN: refused" "exit $rc: $out"
fi
out=$(as_peer --group "$IRSD_CTL" box show 3 --pin 1234 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "wrong PIN"; then
	tap_ok "box show with a wrong PIN: refused, exit 1"
else
	tap_fail "box show with a wrong PIN: refused" "exit $rc: $out"
fi
mkdir -p "$work/exp"
chmod 0777 "$work/exp"
out=$(cd "$work/exp" && as_peer --group "$IRSD_CTL" box export 3 "$doc" 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "has a PIN" && [ -z "$(ls -A "$work/exp")" ]; then
	tap_ok "box export without the PIN: refused, nothing written"
else
	tap_fail "box export without the PIN: refused" "exit $rc: $out" "$(ls "$work/exp")"
fi
out=$(as_peer --group env IRSEND_BOX_PIN=$pin "$IRSD_CTL" box show 3 --json 2>&1)
if echo "$out" | grep -q '"name":"peer-doc"'; then
	tap_ok "box show with the right PIN (IRSEND_BOX_PIN)"
else
	tap_fail "box show with the right PIN" "$out"
fi
if (cd "$work/exp" && as_peer --group "$IRSD_CTL" box export 3 "$doc" --pin "$pin" >/dev/null 2>&1) &&
	[ -s "$work/exp/peer-doc.pdf" ]; then
	tap_ok "box export with the right PIN (--pin)"
else
	tap_fail "box export with the right PIN" "$(ls -l "$work/exp")"
fi
out=$(as_peer --group "$IRSD_CTL" box delete 3 "$doc" 2>&1)
rc=$?
if [ $rc -eq 1 ] && ctl box show 3 --json | grep -q '"documents":1'; then
	tap_ok "box delete without the PIN: refused, the document kept"
else
	tap_fail "box delete without the PIN: refused" "exit $rc: $out"
fi
if ! grep -q "$pin" "$work/irsendd.log"; then
	tap_ok "the PIN never reaches the agent's log"
else
	tap_fail "the PIN never reaches the agent's log" "$(grep "$pin" "$work/irsendd.log")"
fi
irsendd_stop
tap_done
