#!/bin/bash
# irsendd's configuration and the settings it serves: --help,
# --print-config (every key, read back with -c), a bad configuration line
# (file:line, exit 2); every key of 'irsendctl settings list' and
# 'irsendctl service list' set to a valid value, read back, kept across a
# restart, out-of-range values refused with the allowed values named
# (irsendd_settings.py); service set refused for non-root. Needs root;
# build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh

irsendd_need_root
command -v python3 >/dev/null || {
	echo "1..0 # SKIP python3 is not installed"
	exit 0
}
work=$(mktemp -d)
trap 'irsendd_cleanup; rm -rf "$work"' EXIT
chmod 0755 "$work"
echo "TAP version 13"

# The configuration, before any agent runs.
out=$("$IRSD_BIN" --help 2>&1)
rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q -- '--print-config' && echo "$out" | grep -q 'SIGTERM'; then
	tap_ok "irsendd --help: exit 0, options and signals described"
else
	tap_fail "irsendd --help" "exit $rc" "$out"
fi
"$IRSD_BIN" --print-config >"$work/default.conf" 2>"$work/err"
rc=$?
keys="device data_dir data_mount socket socket_group user log log_level macfilter_store box_count box_area_mb encode_threads max_clients scan_timeout_s"
missing=
for k in $keys; do
	grep -q "^$k = " "$work/default.conf" || missing="$missing $k"
done
nkeys=$(grep -cE '^[a-z_]+ = ' "$work/default.conf")
if [ $rc -eq 0 ] && [ -z "$missing" ] && [ "$nkeys" -ge 14 ]; then
	tap_ok "--print-config: exit 0, all $nkeys keys with their values"
else
	tap_fail "--print-config: every key" "exit $rc, missing:$missing" "$(cat "$work/err")"
fi
if "$IRSD_BIN" -c "$work/default.conf" --print-config >"$work/again.conf" 2>"$work/err" &&
	cmp -s "$work/default.conf" "$work/again.conf"; then
	tap_ok "the printed configuration reads back with -c, unchanged"
else
	tap_fail "the printed configuration reads back with -c" "$(cat "$work/err")" \
		"$(diff "$work/default.conf" "$work/again.conf")"
fi
# Every key changed in a file comes out as given.
sed -e 's/^box_count = .*/box_count = 7/' -e 's/^encode_threads = .*/encode_threads = 3/' \
	-e 's/^log_level = .*/log_level = debug/' -e "s|^data_dir = .*|data_dir = $work/d x|" \
	"$work/default.conf" >"$work/changed.conf"
if "$IRSD_BIN" -c "$work/changed.conf" --print-config >"$work/again.conf" 2>"$work/err" &&
	cmp -s "$work/changed.conf" "$work/again.conf"; then
	tap_ok "changed values (with a space in a path) read back with -c"
else
	tap_fail "changed values read back with -c" "$(cat "$work/err")" \
		"$(diff "$work/changed.conf" "$work/again.conf")"
fi
# bad_conf NAME LINE-NO TEXT WORD: the file has TEXT at line LINE-NO.
bad_conf() {
	local f=$work/bad-$1.conf
	{
		echo "# a comment"
		echo
		echo "log = stderr"
		echo "$3"
	} >"$f"
	out=$("$IRSD_BIN" -c "$f" --print-config 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 2 ] && echo "$out" | grep -qF "$f:4:" && echo "$out" | grep -qF -- "$4"; then
		tap_ok "bad configuration, $1: exit 2, $f:4 named"
	else
		tap_fail "bad configuration, $1: exit 2 with file:line" "exit $rc: $out"
	fi
}
bad_conf "no equals sign" 4 "bogus line" "key = value"
bad_conf "unknown key" 4 "colour = blue" "colour"
bad_conf "number out of range" 4 "box_count = 5000" "1..1000"
bad_conf "not a number" 4 "max_clients = many" "max_clients"
bad_conf "not a choice" 4 "log = printer" "stderr"
out=$("$IRSD_BIN" -c "$work/none.conf" 2>&1)
rc=$?
if [ $rc -eq 2 ] && echo "$out" | grep -qF "$work/none.conf"; then
	tap_ok "a missing named configuration file: exit 2, named"
else
	tap_fail "a missing named configuration file: exit 2" "exit $rc: $out"
fi
out=$("$IRSD_BIN" -s box_count=0 --print-config 2>&1)
rc=$?
if [ $rc -eq 2 ] && echo "$out" | grep -q box_count; then
	tap_ok "--set box_count=0: exit 2, the key named"
else
	tap_fail "--set box_count=0: exit 2" "exit $rc: $out"
fi

if ! irsendd_users || ! irsendd_start "$work"; then
	tap_fail "irsendd starts"
	tap_done
fi
IRSENDCTL=$IRSD_CTL IRSEND_SOCKET=$work/run/sock python3 tests/host/irsendd_settings.py \
	set "$work/state.json" "$work/irsendd.log" >"$work/py.out"
# Renumber the Python results after ours.
renumber() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok "*) tap_ok "${line#ok [0-9]* }" ;;
		"not ok "*) tap_fail "${line#not ok [0-9]* }" ;;
		*) echo "$line" ;;
		esac
	done
}
renumber <"$work/py.out"
if [ "$(stat -c %a "$work/data/settings.conf" 2>/dev/null)" = 600 ]; then
	tap_ok "settings.conf (it holds passwords) is mode 0600"
else
	tap_fail "settings.conf is mode 0600" "$(ls -l "$work/data")"
fi

# Service mode belongs to root: a member of the socket group may read, not set.
before=$(ctl service get POP3N)
out=$(as_peer --group "$IRSD_CTL" service set POP3N 1110 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q root && [ "$(ctl service get POP3N)" = "$before" ]; then
	tap_ok "service set as a non-root member of the group: refused, unchanged"
else
	tap_fail "service set as non-root: refused" "exit $rc: $out"
fi
out=$(as_peer --group "$IRSD_CTL" service get POP3N 2>&1)
if [ "$out" = "$before" ]; then
	tap_ok "service get as a non-root member of the group"
else
	tap_fail "service get as a non-root member of the group" "$out"
fi

if irsendd_stop; then
	tap_ok "SIGTERM: exit 0"
else
	tap_fail "SIGTERM: exit 0"
fi
irsendd_start "$work" || tap_fail "irsendd restarts"
IRSENDCTL=$IRSD_CTL IRSEND_SOCKET=$work/run/sock python3 tests/host/irsendd_settings.py \
	verify "$work/state.json" "$work/irsendd.log" >"$work/py.out"
renumber <"$work/py.out"
irsendd_stop
echo "1..$tap_n"
tap_done
