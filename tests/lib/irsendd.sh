# Start and stop a private irsendd for a host test (no module: device=none).
# Source after tap.sh, from the top of the tree. Needs root: the agent
# drops to the test user, and the tests act as other local users.
#
#   irsendd_users              create the test users and group (idempotent)
#   irsendd_start DIR [-s K=V]...  start on DIR/data with socket DIR/run/sock
#   irsendd_stop               SIGTERM, wait; its exit status
#   irsendd_kill9              SIGKILL, wait
#   ctl ARGS...                build/bin/irsendctl on this agent's socket
#   irsendd_provision DIR      make DIR/nvram a provisioned NVRAM (before irsendd_start)
#   irsendd_license OPTION...  register keys for OPTIONs and restart: they are active
#
# The agent logs to DIR/irsendd.log; $IRSD_PID is its pid.

IRSD_BIN=$PWD/build/bin/irsendd
IRSD_CTL=$PWD/build/bin/irsendctl
# The agent's user, a local user who may use the socket when in the group, and the group.
IRSD_USER=irsend-test
IRSD_PEER=irsend-test-peer
IRSD_GROUP=irsend-test-ctl
IRSD_PID=
IRSD_DIR=
IRSD_LMS=$PWD/build/bin/irsend-lms
# Set by irsendd_provision: the agent's NVRAM directory, the vendor's state, the serial.
IRSD_NVRAM=
IRSD_SERIAL=IRS-HOST-TEST-1
IRSD_ARGS=()

# irsendd_need_root: skip the whole test unless root and the binaries are built.
irsendd_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP needs root (test users, privilege drop)"
		exit 0
	fi
	if [ ! -x "$IRSD_BIN" ] || [ ! -x "$IRSD_CTL" ]; then
		echo "1..0 # SKIP $IRSD_BIN is not built: run make all"
		exit 0
	fi
}

# Create a system group or user unless it exists (another test may race us).
_irsd_group() {
	getent group "$1" >/dev/null || groupadd --system "$1" 2>/dev/null || getent group "$1" >/dev/null
}

_irsd_user() {
	id -u "$1" >/dev/null 2>&1 ||
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
			-g "$2" "$1" 2>/dev/null || id -u "$1" >/dev/null 2>&1
}

irsendd_users() {
	_irsd_group "$IRSD_USER" && _irsd_group "$IRSD_GROUP" && _irsd_group "$IRSD_PEER" &&
		_irsd_user "$IRSD_USER" "$IRSD_USER" && _irsd_user "$IRSD_PEER" "$IRSD_PEER"
}

# ctl ARGS...: irsendctl talking to the test agent.
ctl() {
	IRSEND_SOCKET=$IRSD_DIR/run/sock "$IRSD_CTL" "$@"
}

# as_peer [--group] CMD...: CMD as the unprivileged peer, in the socket group or not.
as_peer() {
	local groups=--clear-groups
	if [ "$1" = --group ]; then
		groups=--groups=$(getent group "$IRSD_GROUP" | cut -d: -f3)
		shift
	fi
	setpriv --reuid="$IRSD_PEER" --regid="$IRSD_PEER" "$groups" --inh-caps=-all \
		env IRSEND_SOCKET="$IRSD_DIR/run/sock" "$@"
}

# irsendd_start DIR [irsendd args...]: 0 once it answers, else 1 (log on stdout as comments).
irsendd_start() {
	local i
	IRSD_DIR=$1
	shift
	chmod 0755 "$IRSD_DIR"
	mkdir -p "$IRSD_DIR/run"
	chown "$IRSD_USER:$IRSD_USER" "$IRSD_DIR/run"
	rm -f "$IRSD_DIR/run/sock"
	IRSD_ARGS=("$@")
	[ -n "$IRSD_NVRAM" ] && set -- -s "nvram_dir=$IRSD_NVRAM" "$@"
	"$IRSD_BIN" -s device=none -s "data_dir=$IRSD_DIR/data" -s "socket=$IRSD_DIR/run/sock" \
		-s "user=$IRSD_USER" -s "socket_group=$IRSD_GROUP" -s log_level=debug "$@" \
		2>>"$IRSD_DIR/irsendd.log" &
	IRSD_PID=$!
	for i in $(seq 1 200); do
		if ! kill -0 "$IRSD_PID" 2>/dev/null; then
			sed 's/^/# irsendd: /' "$IRSD_DIR/irsendd.log" | tail -n 20
			IRSD_PID=
			return 1
		fi
		[ -S "$IRSD_DIR/run/sock" ] && ctl jobs --json >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "# irsendd did not answer within 10 s"
	return 1
}

# irsendd_provision DIR: what the factory does, for an agent without the module:
# a vendor LMS in DIR/lms and the provisioning record written to DIR/nvram.
irsendd_provision() {
	local dir=$1
	IRSD_NVRAM=$dir/nvram
	mkdir -p "$IRSD_NVRAM" && chown "$IRSD_USER:$IRSD_USER" "$IRSD_NVRAM" &&
		IRSEND_LMS_DIR=$dir/lms "$IRSD_LMS" init >/dev/null &&
		IRSEND_LMS_DIR=$dir/lms "$IRSD_LMS" provision --serial "$IRSD_SERIAL" \
			--out "$dir/provision.txt" >/dev/null 2>&1 &&
		"$IRSD_CTL" nvram provision --dir "$IRSD_NVRAM" "$dir/provision.txt" >/dev/null &&
		chown -R "$IRSD_USER:$IRSD_USER" "$IRSD_NVRAM"
}

# irsendd_key OPTION: a new key for OPTION and this serial, from the LMS, on stdout.
irsendd_key() {
	local n
	n=$(IRSEND_LMS_DIR=$(dirname "$IRSD_NVRAM")/lms "$IRSD_LMS" access-number new \
		--option "$1") &&
		IRSEND_LMS_DIR=$(dirname "$IRSD_NVRAM")/lms "$IRSD_LMS" issue --access-number "$n" \
			--serial "$IRSD_SERIAL"
}

# irsendd_license OPTION...: register a key for each and restart the agent, as a
# user of the device would. 0 when every OPTION is active afterwards.
irsendd_license() {
	local o key
	for o in "$@"; do
		key=$(irsendd_key "$o") && ctl license register "$key" >/dev/null || return 1
	done
	irsendd_stop && irsendd_start "$IRSD_DIR" "${IRSD_ARGS[@]}" || return 1
	for o in "$@"; do
		ctl license list --json | grep -q "\"option\":\"$o\",[^}]*\"state\":\"active\"" ||
			return 1
	done
}

# irsendd_stop: SIGTERM and wait; prints nothing, returns the agent's exit status.
irsendd_stop() {
	local rc=0
	[ -n "$IRSD_PID" ] || return 0
	kill -TERM "$IRSD_PID" 2>/dev/null
	wait "$IRSD_PID" 2>/dev/null || rc=$?
	IRSD_PID=
	return $rc
}

irsendd_kill9() {
	[ -n "$IRSD_PID" ] || return 0
	kill -KILL "$IRSD_PID" 2>/dev/null
	wait "$IRSD_PID" 2>/dev/null
	IRSD_PID=
	return 0
}

# For an EXIT trap: stop an agent still running (hard: the test is over).
irsendd_cleanup() {
	[ -n "$IRSD_PID" ] && irsendd_kill9
	return 0
}
