# Real, private Samba file servers for the host tests of SMB sending: source
# this file from a bash test, then
#
#   sambapeer_start DIR    start the servers with config and state under DIR
#   ... send to //$SAMBAPEER_HOST/<share> on port $SAMBAPEER_PORT ...
#   sambapeer_stop         stop them (also run at exit; safe under set -e)
#
# Each server is an smbd in the foreground, our child, on 127.0.0.1 only, at
# a high port picked at start ("smb ports": smbd needs no port 445), with
# its own smb.conf, lock, state, cache, pid, private and log directories and
# its own passdb (tdbsam) under DIR: nothing of the host's /etc/samba or
# /var/lib/samba is read or written, no nmbd, no NetBIOS. Needs root (smbd
# switches to the logged-in user for file access) and the packages of
# scripts/setup-deps (samba, smbclient).
#
# The main server (SAMBAPEER_PORT) speaks SMB2_02 to SMB3_11, NTLMv2 only
# ("ntlm auth = ntlmv2-only": no LM, no NTLMv1; Kerberos is not set up),
# never maps a failed login to guest, and serves these shares (directories
# owned by $SAMBAPEER_USER, readable by root for the tests' checks):
#   SAMBAPEER_SHARE_RW      writable          dir $SAMBAPEER_RW_DIR
#   SAMBAPEER_SHARE_RO      read only         dir $SAMBAPEER_RO_DIR
#   SAMBAPEER_SHARE_ONE     writable, "max connections = 1"
#                                             dir $SAMBAPEER_ONE_DIR
#   SAMBAPEER_SHARE_SMALL   writable, on its own ext2 filesystem of
#                           $SAMBAPEER_SMALL_KB KB (a loop device; a tmpfs
#                           of that size when no loop device can be had:
#                           SAMBAPEER_SMALL_FS says which)
#                                             dir $SAMBAPEER_SMALL_DIR
#   SAMBAPEER_SHARE_ENC     writable, "server smb encrypt = required": a
#                           tree connect without SMB3 encryption is refused
#                                             dir $SAMBAPEER_ENC_DIR
#   SAMBAPEER_SHARE_DENY    not for $SAMBAPEER_USER ("valid users = nobody"):
#                           the login succeeds, the tree connect is refused
# Two more servers with the same user and the same kind of writable share
# ($SAMBAPEER_SHARE_RW, their own directories):
#   SAMBAPEER_SMB21_PORT    at most SMB2_10 and "server smb encrypt = off":
#                           a server that cannot encrypt
#                           (dir $SAMBAPEER_SMB21_DIR)
#   SAMBAPEER_NT1_PORT      SMB1 (NT1) only (dir $SAMBAPEER_NT1_DIR)
#
# Credentials: $SAMBAPEER_USER / $SAMBAPEER_PASSWORD (a Unix system user
# that sambapeer_start creates if missing, in each server's passdb);
# the servers' workgroup (NTLM domain) is $SAMBAPEER_WORKGROUP.
#
# Functions:
#   sambapeer_stop_main     stop the main server (SIGTERM, and its children)
#   sambapeer_kill_main     SIGKILL the main server and every child: a crash
#                           in the middle of whatever it was doing
#   sambapeer_restart_main  start the main server again (same port, shares)
#   sambapeer_freeze_main / sambapeer_thaw_main
#                           SIGSTOP / SIGCONT the main server and its
#                           children: connections stay open, nothing answers
#   sambapeer_log [N]       tail of every server's log (debug)
#
# Variables: SAMBAPEER_DIR (DIR, absolute), SAMBAPEER_HOST (127.0.0.1), the
# ports, shares, directories and credentials above, SAMBAPEER_CONF (the
# main server's smb.conf, for smbclient -s and smbstatus -s).
# SAMBAPEER_KEEP=1 keeps DIR after sambapeer_stop.
#
# By hand: `bash tests/lib/sambapeer.sh run [DIR]` starts the servers,
# prints their variables and keeps them up until Ctrl-C.

_sp_main_pid=
_sp_pids=()
_sp_dir=
_sp_rm_dir=0
_sp_loop_mounted=0

# shellcheck source=tests/lib/peers.sh
. "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

_sp_log() { echo "# sambapeer: $*" >&2; }

_sp_port_busy() { peers_port_busy "$@"; }

_sp_wait_port() { peers_wait_port "$@"; }

# Three free consecutive ports, away from mailpeers' and cupspeer's ranges.
_sp_pick_ports() {
	local base p ok try
	for ((try = 0; try < 30; try++)); do
		base=$((40000 + (RANDOM % 800) * 10))
		ok=1
		for ((p = base; p < base + 3; p++)); do
			if _sp_port_busy "$p"; then ok=0; break; fi
		done
		[ $ok = 1 ] && { echo "$base"; return 0; }
	done
	return 1
}

# smbd's connection children switch to the user: it must reach DIR.
_sp_traversable() {
	local w=$1
	while [ "$w" != / ]; do
		w=$(dirname "$w")
		case $(stat -c %A "$w") in
		*x | *t) continue ;;
		esac
		case $w/ in
		/tmp/?* | "${TMPDIR:-/tmp}"/?*) chmod o+x "$w" ;; # a mktemp -d parent
		*)
			_sp_log "$w is not searchable by $SAMBAPEER_USER: use a DIR under /tmp"
			return 1
			;;
		esac
	done
}

_sp_ensure_user() {
	getent passwd "$1" >/dev/null && return 0
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$1" 2>/dev/null || getent passwd "$1" >/dev/null
}

# _sp_global NAME PORT MIN MAX ENCRYPT: the [global] section of one server.
_sp_global() {
	local d=$SAMBAPEER_DIR/$1
	cat <<-EOF
		# Private smbd '$1' of tests/lib/sambapeer.sh
		[global]
		server role = standalone server
		workgroup = $SAMBAPEER_WORKGROUP
		netbios name = IRSPEER${1^^}
		server string = irsend test peer $1
		interfaces = 127.0.0.1
		bind interfaces only = yes
		smb ports = $2
		disable netbios = yes
		server min protocol = $3
		server max protocol = $4
		server smb encrypt = $5
		ntlm auth = ntlmv2-only
		lanman auth = no
		map to guest = never
		restrict anonymous = 2
		passdb backend = tdbsam:$d/private/passdb.tdb
		private dir = $d/private
		lock directory = $d/lock
		state directory = $d/state
		cache directory = $d/cache
		pid directory = $d/run
		ncalrpc dir = $d/run/ncalrpc
		binddns dir = $d/bind-dns
		usershare path =
		log file = $d/log/smbd.log
		log level = 1
		max log size = 0
		load printers = no
		printing = bsd
		printcap name = /dev/null
		disable spoolss = yes
		registry shares = no
		include system krb5 conf = no
		rpc start on demand helpers = no
		create mask = 0644
		directory mask = 0755
	EOF
}

# _sp_share NAME DIR [EXTRA...]: one share section (an EXTRA "valid users"
# replaces the default one).
_sp_share() {
	local name=$1 dir=$2 x users=$SAMBAPEER_USER
	shift 2
	for x in "$@"; do
		case $x in "valid users = "*) users=${x#valid users = } ;; esac
	done
	printf '[%s]\n\tpath = %s\n\tvalid users = %s\n\tread only = no\n' \
		"$name" "$dir" "$users"
	for x in "$@"; do
		case $x in "valid users = "*) continue ;; esac
		printf '\t%s\n' "$x"
	done
}

_sp_mkdirs() {
	local d=$SAMBAPEER_DIR/$1
	mkdir -p "$d/private" "$d/lock" "$d/state" "$d/cache" "$d/run" "$d/log" "$d/bind-dns"
	chmod 700 "$d/private"
}

# _sp_passdb NAME: the user with its password in that server's passdb.
_sp_passdb() {
	printf '%s\n%s\n' "$SAMBAPEER_PASSWORD" "$SAMBAPEER_PASSWORD" |
		smbpasswd -c "$SAMBAPEER_DIR/$1/smb.conf" -a -s "$SAMBAPEER_USER" \
			>"$SAMBAPEER_DIR/$1/log/smbpasswd.log" 2>&1 ||
		{ _sp_log "smbpasswd ($1): $(cat "$SAMBAPEER_DIR/$1/log/smbpasswd.log")"; return 1; }
}

# The small share's filesystem: ext2 on a loop device, or a tmpfs.
_sp_small_fs() {
	local img=$SAMBAPEER_DIR/small.img
	mkdir -p "$SAMBAPEER_SMALL_DIR"
	if truncate -s "${SAMBAPEER_SMALL_KB}K" "$img" &&
		mkfs.ext2 -q -F -m 0 -N 64 "$img" >/dev/null 2>&1 &&
		mount -o loop "$img" "$SAMBAPEER_SMALL_DIR" 2>/dev/null; then
		SAMBAPEER_SMALL_FS=ext2
		rm -rf "$SAMBAPEER_SMALL_DIR/lost+found"
	elif mount -t tmpfs -o "size=${SAMBAPEER_SMALL_KB}k" tmpfs "$SAMBAPEER_SMALL_DIR"; then
		SAMBAPEER_SMALL_FS=tmpfs
	else
		_sp_log "cannot mount a small filesystem on $SAMBAPEER_SMALL_DIR"
		return 1
	fi
	_sp_loop_mounted=1
	export SAMBAPEER_SMALL_FS
}

# _sp_run NAME PORT: smbd NAME in the foreground, as our child.
_sp_run() {
	local d=$SAMBAPEER_DIR/$1
	# Its own process group (smbd makes one unless told not to): a stopping
	# smbd signals its whole group, which must not be the test's.
	smbd --foreground --configfile="$d/smb.conf" >>"$d/log/stdout.log" 2>&1 </dev/null &
	local pid=$!
	if [ "$1" = main ]; then
		_sp_main_pid=$pid
	else
		_sp_pids+=("$pid")
	fi
	_sp_wait_port "$2" 15 || {
		_sp_log "smbd $1 does not listen on $2: $(tail -5 "$d/log/stdout.log" "$d/log/smbd.log" 2>/dev/null)"
		return 1
	}
}

sambapeer_start() {
	local dir=${1:?usage: sambapeer_start DIR} base n
	[ "$(id -u)" -eq 0 ] || { _sp_log "must run as root"; return 1; }
	command -v smbd >/dev/null || { _sp_log "smbd is not installed (scripts/setup-deps)"; return 1; }
	[ -e "$dir" ] || _sp_rm_dir=1
	mkdir -p "$dir" || return 1
	chmod 755 "$dir"
	SAMBAPEER_DIR=$(cd "$dir" && pwd)
	_sp_dir=$SAMBAPEER_DIR
	_sp_install_trap
	base=$(_sp_pick_ports) || { _sp_log "no free port range"; return 1; }

	export SAMBAPEER_DIR
	export SAMBAPEER_HOST=127.0.0.1
	export SAMBAPEER_PORT=$base
	export SAMBAPEER_SMB21_PORT=$((base + 1))
	export SAMBAPEER_NT1_PORT=$((base + 2))
	export SAMBAPEER_USER=irsmbuser
	export SAMBAPEER_PASSWORD='irs-Smb.pw7'
	export SAMBAPEER_WORKGROUP=IRSEND
	export SAMBAPEER_CONF=$SAMBAPEER_DIR/main/smb.conf
	export SAMBAPEER_SHARE_RW=scans SAMBAPEER_SHARE_RO=archive SAMBAPEER_SHARE_ONE=single
	export SAMBAPEER_SHARE_SMALL=small SAMBAPEER_SHARE_ENC=secure SAMBAPEER_SHARE_DENY=closed
	export SAMBAPEER_RW_DIR=$SAMBAPEER_DIR/shares/scans
	export SAMBAPEER_RO_DIR=$SAMBAPEER_DIR/shares/archive
	export SAMBAPEER_ONE_DIR=$SAMBAPEER_DIR/shares/single
	export SAMBAPEER_SMALL_DIR=$SAMBAPEER_DIR/shares/small
	export SAMBAPEER_ENC_DIR=$SAMBAPEER_DIR/shares/secure
	export SAMBAPEER_SMB21_DIR=$SAMBAPEER_DIR/shares/smb21
	export SAMBAPEER_NT1_DIR=$SAMBAPEER_DIR/shares/nt1
	export SAMBAPEER_SMALL_KB=${SAMBAPEER_SMALL_KB:-4096}

	_sp_ensure_user "$SAMBAPEER_USER" || { _sp_log "cannot create user $SAMBAPEER_USER"; return 1; }
	_sp_traversable "$SAMBAPEER_DIR/x" || return 1
	mkdir -p "$SAMBAPEER_RW_DIR" "$SAMBAPEER_RO_DIR" "$SAMBAPEER_ONE_DIR" \
		"$SAMBAPEER_ENC_DIR" "$SAMBAPEER_SMB21_DIR" "$SAMBAPEER_NT1_DIR"
	_sp_small_fs || return 1
	chown "$SAMBAPEER_USER:" "$SAMBAPEER_RW_DIR" "$SAMBAPEER_RO_DIR" "$SAMBAPEER_ONE_DIR" \
		"$SAMBAPEER_ENC_DIR" "$SAMBAPEER_SMB21_DIR" "$SAMBAPEER_NT1_DIR" "$SAMBAPEER_SMALL_DIR"
	chmod 755 "$SAMBAPEER_DIR/shares" "$SAMBAPEER_RW_DIR" "$SAMBAPEER_RO_DIR" "$SAMBAPEER_ONE_DIR" \
		"$SAMBAPEER_ENC_DIR" "$SAMBAPEER_SMB21_DIR" "$SAMBAPEER_NT1_DIR" "$SAMBAPEER_SMALL_DIR"

	for n in main smb21 nt1; do
		_sp_mkdirs "$n"
	done
	{
		_sp_global main "$SAMBAPEER_PORT" SMB2_02 SMB3_11 if_required
		_sp_share "$SAMBAPEER_SHARE_RW" "$SAMBAPEER_RW_DIR"
		_sp_share "$SAMBAPEER_SHARE_RO" "$SAMBAPEER_RO_DIR" "read only = yes"
		_sp_share "$SAMBAPEER_SHARE_ONE" "$SAMBAPEER_ONE_DIR" "max connections = 1"
		_sp_share "$SAMBAPEER_SHARE_SMALL" "$SAMBAPEER_SMALL_DIR"
		_sp_share "$SAMBAPEER_SHARE_ENC" "$SAMBAPEER_ENC_DIR" "server smb encrypt = required"
		_sp_share "$SAMBAPEER_SHARE_DENY" "$SAMBAPEER_RO_DIR" "valid users = nobody"
	} >"$SAMBAPEER_DIR/main/smb.conf"
	{
		_sp_global smb21 "$SAMBAPEER_SMB21_PORT" SMB2_02 SMB2_10 off
		_sp_share "$SAMBAPEER_SHARE_RW" "$SAMBAPEER_SMB21_DIR"
	} >"$SAMBAPEER_DIR/smb21/smb.conf"
	{
		# NT1 needs NTLMv1-era settings off too: still NTLMv2 only.
		_sp_global nt1 "$SAMBAPEER_NT1_PORT" NT1 NT1 off
		_sp_share "$SAMBAPEER_SHARE_RW" "$SAMBAPEER_NT1_DIR"
	} >"$SAMBAPEER_DIR/nt1/smb.conf"

	for n in main smb21 nt1; do
		testparm -s "$SAMBAPEER_DIR/$n/smb.conf" >/dev/null 2>"$SAMBAPEER_DIR/$n/log/testparm.log" ||
			{ _sp_log "testparm $n: $(cat "$SAMBAPEER_DIR/$n/log/testparm.log")"; return 1; }
		_sp_passdb "$n" || return 1
	done
	_sp_run main "$SAMBAPEER_PORT" || return 1
	_sp_run smb21 "$SAMBAPEER_SMB21_PORT" || return 1
	_sp_run nt1 "$SAMBAPEER_NT1_PORT" || return 1
	return 0
}

# Chain sambapeer_stop in front of whatever EXIT trap the test has.
_sp_install_trap() { peers_chain_exit_trap sambapeer_stop; }

# _sp_descendants PID: every process below PID (smbd forks one child per
# connection and a few helpers), deepest last.
_sp_descendants() {
	local p=$1 c
	for c in $(awk -v p="$p" '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null); do
		echo "$c"
		_sp_descendants "$c"
	done
}

# _sp_signal SIG PID: SIG to PID and everything below it.
_sp_signal() {
	local sig=$1 p
	[ -n "$2" ] || return 0
	for p in $2 $(_sp_descendants "$2"); do
		kill "-$sig" "$p" 2>/dev/null || true
	done
}

# _sp_end PID: SIGTERM to smbd PID (it stops its children, a signal to
# its process group), SIGKILL to whatever is left after 5 s, reaped. Safe
# under set -e.
_sp_end() {
	local p=$1 i st kids
	[ -n "$p" ] || return 0
	kids=$(_sp_descendants "$p")
	_sp_signal CONT "$p"
	kill -TERM "$p" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		st=$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null || true)
		[ -z "$st" ] || [ "$st" = Z ] && break
		sleep 0.05
	done
	kill -9 "$p" $kids 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	return 0
}

sambapeer_stop_main() {
	_sp_end "$_sp_main_pid"
	_sp_main_pid=
	return 0
}

sambapeer_kill_main() {
	[ -n "$_sp_main_pid" ] || return 0
	_sp_signal KILL "$_sp_main_pid"
	wait "$_sp_main_pid" 2>/dev/null || true
	_sp_main_pid=
	return 0
}

sambapeer_restart_main() {
	[ -z "$_sp_main_pid" ] || sambapeer_stop_main
	# a killed smbd leaves its pid file and lock state behind: smbd copes
	_sp_run main "$SAMBAPEER_PORT"
}

sambapeer_freeze_main() {
	_sp_signal STOP "$_sp_main_pid"
}

sambapeer_thaw_main() {
	_sp_signal CONT "$_sp_main_pid"
}

sambapeer_stop() {
	local d=${_sp_dir:-} p
	[ -n "$d" ] || return 0
	for p in $_sp_main_pid "${_sp_pids[@]}"; do
		_sp_end "$p"
	done
	_sp_main_pid=
	_sp_pids=()
	if [ "$_sp_loop_mounted" = 1 ]; then
		# mount -o loop frees its loop device at umount (autoclear)
		umount "$d/shares/small" 2>/dev/null || umount -l "$d/shares/small" 2>/dev/null || true
		_sp_loop_mounted=0
	fi
	_sp_dir=
	if [ "${SAMBAPEER_KEEP:-0}" != 1 ] && [ "$_sp_rm_dir" = 1 ]; then
		rm -rf "$d"
	fi
	return 0
}

sambapeer_log() {
	local f
	for f in "$SAMBAPEER_DIR"/*/log/smbd.log "$SAMBAPEER_DIR"/*/log/stdout.log; do
		[ -s "$f" ] && { echo "== $f"; tail -n "${1:-30}" "$f"; }
	done
	return 0
}

# Run directly (not sourced): start the servers and keep them up until Ctrl-C.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	run)
		d=${2:-$(mktemp -d /tmp/sambapeer.XXXXXX)}
		sambapeer_start "$d" || { sambapeer_log; exit 1; }
		for v in $(compgen -v SAMBAPEER_); do
			printf '%s=%q\n' "$v" "${!v}"
		done
		echo "# samba peers up under $SAMBAPEER_DIR; Ctrl-C stops them" >&2
		trap 'kill $_sp_sleeper 2>/dev/null; exit 0' INT TERM
		while :; do
			sleep 3600 &
			_sp_sleeper=$!
			wait $_sp_sleeper
		done
		;;
	*)
		echo "usage: bash $0 run [DIR]   (or source it from a test)" >&2
		exit 2
		;;
	esac
fi
