# Real FTP servers for the FTP tests and the benchmark: source this file
# from a bash test, then
#
#   ftppeer_start DIR [plain] [ftps]      (none given: both)
#   ... test against $FTPPEER_* ...
#   ftppeer_stop                          (also safe when nothing started)
#
# Each instance is a private vsftpd (Debian's package) on 127.0.0.1 at a
# high port chosen at start, with its own configuration, log and PAM
# service under DIR (created if missing); the host's /etc/vsftpd.conf and
# its users are never used. Virtual users (pam_userdb over a db made with
# db_load) all map to the system user irsend-ftp (created if missing) and
# are chrooted to $FTPPEER_ROOT. The PAM service file is bind-mounted over
# /etc/pam.d/vsftpd inside a mount namespace of vsftpd's own, so the host's
# file stays as it is. Needs root and the packages of scripts/setup-deps
# (vsftpd, db-util).
#
# Instances (variables exported by ftppeer_start):
#   FTPPEER_PORT        plain FTP; passive ports FTPPEER_PASV_MIN..MAX
#   FTPPEER_FTPS_PORT   explicit FTPS: ssl_enable, force_local_logins_ssl
#                       (USER before AUTH TLS is refused with 530),
#                       force_local_data_ssl, require_ssl_reuse (a data
#                       connection that does not resume the control TLS
#                       session is refused with 522); certificate for
#                       localhost only (not 127.0.0.1) from the test CA
#                       $FTPPEER_CA; $FTPPEER_OTHER_CA is a CA that signed
#                       nothing here (for "wrong CA" tests)
#   Logs: $FTPPEER_LOG and $FTPPEER_FTPS_LOG (log_ftp_protocol: every
#   command and reply; vsftpd writes PASS as "PASS <password>").
# Users (password $FTPPEER_PASSWORD for all):
#   FTPPEER_USER          read-write
#   FTPPEER_RO_USER       write_enable=NO: STOR answers 550 Permission denied
#   FTPPEER_ACTIVE_USER   pasv_enable=NO: EPSV and PASV refused, EPRT works
# Directories under the chroot (paths relative to it; on disk under
# $FTPPEER_ROOT):
#   FTPPEER_INBOX     writable by everyone who may write
#   FTPPEER_RODIR     owned by root, 755: STOR answers 553 Could not create file
#   FTPPEER_FULLDIR   a small filesystem (ext4 on a loop device, or tmpfs
#                     where loop devices are missing) of $FTPPEER_FULL_KB
#                     KB free: a larger file fills it (452)
#
# Functions:
#   ftppeer_kill NAME      SIGKILL instance NAME (plain, ftps) and all its
#                          sessions at once: a server that dies mid-transfer
#   ftppeer_restart NAME   start NAME again after ftppeer_kill
#   ftppeer_log            every instance's log (debug)
# FTPPEER_KEEP=1 keeps DIR after ftppeer_stop; FTPPEER_BASE_PORT forces the
# first port (the others follow it).

_fp_dir=
_fp_rm_dir=0
_fp_mounted=
declare -gA _fp_pid=() # -g: this file may be sourced inside a function

# shellcheck source=tests/lib/peers.sh
. "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

_fp_log() { echo "# ftppeer: $*" >&2; }

_fp_port_busy() { peers_port_busy "$@"; }

_fp_pick_ports() {
	local base p ok try
	for ((try = 0; try < 20; try++)); do
		base=${FTPPEER_BASE_PORT:-$((10000 + (RANDOM % 220) * 100 + 50))}
		ok=1
		for ((p = base; p < base + 40; p++)); do
			if _fp_port_busy "$p"; then ok=0; break; fi
		done
		[ $ok = 1 ] && { echo "$base"; return 0; }
		[ -n "${FTPPEER_BASE_PORT:-}" ] && break
	done
	return 1
}

_fp_make_tls() {
	local t=$_fp_dir/tls
	mkdir -p "$t"
	(
		cd "$t" || exit 1
		for ca in ca other-ca; do
			openssl req -x509 -newkey rsa:2048 -nodes -days 2 -sha256 \
				-keyout $ca.key -out $ca.crt -subj "/O=irsend tests/CN=irsend FTP $ca" \
				-addext basicConstraints=critical,CA:TRUE \
				-addext keyUsage=critical,keyCertSign,cRLSign || exit 1
		done
		openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
			-subj "/O=irsend tests/CN=localhost" &&
		printf '%s\n' "subjectAltName=DNS:localhost" \
			"basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" >server.ext &&
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-days 2 -sha256 -extfile server.ext -out server.crt
	) >"$t/openssl.log" 2>&1 || { _fp_log "openssl failed: $(tail -3 "$t/openssl.log")"; return 1; }
	chmod 644 "$t"/*.crt
	chmod 600 "$t"/*.key
}

# _fp_make_full: the small filesystem at $FTPPEER_ROOT/full.
_fp_make_full() {
	local mnt=$FTPPEER_ROOT/full img=$_fp_dir/full.img
	mkdir -p "$mnt"
	if truncate -s 4M "$img" && mkfs.ext4 -q -m 0 "$img" 2>/dev/null &&
		mount -o loop "$img" "$mnt" 2>/dev/null; then
		rm -rf "$mnt/lost+found"
	elif mount -t tmpfs -o size=2m tmpfs "$mnt"; then
		_fp_log "no loop device: the full directory is a 2 MB tmpfs"
	else
		_fp_log "cannot mount a small filesystem at $mnt"
		return 1
	fi
	_fp_mounted=$mnt
	chown irsend-ftp: "$mnt"
	chmod 755 "$mnt"
	FTPPEER_FULL_KB=$(df -k --output=avail "$mnt" | tail -1 | tr -d ' ')
}

_fp_conf() {
	local name=$1 port=$2 pmin=$3 pmax=$4
	cat <<-EOF
		# vsftpd for the irsend tests ($name): private, on loopback only
		listen=YES
		listen_ipv6=NO
		listen_address=127.0.0.1
		listen_port=$port
		background=NO
		anonymous_enable=NO
		local_enable=YES
		guest_enable=YES
		guest_username=irsend-ftp
		virtual_use_local_privs=YES
		write_enable=YES
		local_umask=022
		chroot_local_user=YES
		allow_writeable_chroot=YES
		local_root=$FTPPEER_ROOT
		user_config_dir=$_fp_dir/users.d
		pam_service_name=vsftpd
		secure_chroot_dir=$_fp_dir/empty
		pasv_enable=YES
		pasv_min_port=$pmin
		pasv_max_port=$pmax
		port_enable=YES
		connect_from_port_20=NO
		seccomp_sandbox=NO
		isolate=NO
		isolate_network=NO
		delay_failed_login=0
		delay_successful_login=0
		max_clients=50
		max_per_ip=50
		xferlog_enable=YES
		vsftpd_log_file=$_fp_dir/$name.log
		log_ftp_protocol=YES
		syslog_enable=NO
	EOF
	if [ "$name" = ftps ]; then
		cat <<-EOF
			ssl_enable=YES
			allow_anon_ssl=NO
			force_local_logins_ssl=YES
			force_local_data_ssl=YES
			require_ssl_reuse=YES
			ssl_sslv2=NO
			ssl_sslv3=NO
			ssl_ciphers=HIGH
			rsa_cert_file=$_fp_dir/tls/server.crt
			rsa_private_key_file=$_fp_dir/tls/server.key
			debug_ssl=YES
		EOF
	fi
}

# _fp_run NAME: vsftpd NAME in a mount namespace (its PAM file) and a PID
# namespace of its own (sessions call setsid: only the namespace holds them
# all). vsftpd must not be PID 1 there: it would reap orphans it never
# forked and crash; sh is PID 1 instead.
_fp_run() {
	local name=$1 port
	port=$([ "$name" = ftps ] && echo "$FTPPEER_FTPS_PORT" || echo "$FTPPEER_PORT")
	unshare -m -p --fork --kill-child --propagation private /bin/sh -c \
		'mount --bind "$1" /etc/pam.d/vsftpd && /usr/sbin/vsftpd "$2"' \
		sh "$_fp_dir/pam.vsftpd" "$_fp_dir/$name.conf" >"$_fp_dir/$name.out" 2>&1 </dev/null &
	_fp_pid[$name]=$!
	local i
	for ((i = 0; i < 200; i++)); do
		_fp_port_busy "$port" && return 0
		kill -0 "${_fp_pid[$name]}" 2>/dev/null || break
		sleep 0.05
	done
	_fp_log "vsftpd $name did not start: $(cat "$_fp_dir/$name.out")"
	return 1
}

ftppeer_start() {
	local dir=$1 base want=() n
	shift
	[ $# -eq 0 ] && set -- plain ftps
	want=("$@")
	[ -n "$_fp_dir" ] && { _fp_log "already started in $_fp_dir"; return 1; }
	for n in vsftpd db_load openssl mkfs.ext4; do
		command -v "$n" >/dev/null || [ -x "/usr/sbin/$n" ] ||
			{ _fp_log "$n is missing: run scripts/setup-deps"; return 1; }
	done
	[ -e "$dir" ] || _fp_rm_dir=1
	mkdir -p "$dir" && _fp_dir=$(cd "$dir" && pwd) || return 1
	# vsftpd enters the chroot as the FTP user: the way there must be open.
	chmod 755 "$_fp_dir"
	base=$(_fp_pick_ports) || { _fp_log "no free ports"; return 1; }
	export FTPPEER_DIR=$_fp_dir
	export FTPPEER_PORT=$base FTPPEER_FTPS_PORT=$((base + 1))
	export FTPPEER_PASV_MIN=$((base + 10)) FTPPEER_PASV_MAX=$((base + 39))
	export FTPPEER_USER=scanner FTPPEER_RO_USER=reader FTPPEER_ACTIVE_USER=activeonly
	export FTPPEER_PASSWORD=irs-ftp-$(od -An -tx4 -N4 /dev/urandom | tr -d ' ')
	export FTPPEER_ROOT=$_fp_dir/root
	export FTPPEER_INBOX=inbox FTPPEER_RODIR=readonly FTPPEER_FULLDIR=full
	export FTPPEER_CA=$_fp_dir/tls/ca.crt FTPPEER_OTHER_CA=$_fp_dir/tls/other-ca.crt
	export FTPPEER_LOG=$_fp_dir/plain.log FTPPEER_FTPS_LOG=$_fp_dir/ftps.log
	export FTPPEER_FULL_KB=0

	# vsftpd enters the user's home before local_root: it must exist ("/", never shown: chroot).
	getent passwd irsend-ftp >/dev/null ||
		useradd --system --user-group --no-create-home --home-dir / \
			--shell /usr/sbin/nologin irsend-ftp 2>/dev/null ||
		getent passwd irsend-ftp >/dev/null || { _fp_log "cannot create user irsend-ftp"; return 1; }
	[ "$(getent passwd irsend-ftp | cut -d: -f6)" = / ] || usermod -d / irsend-ftp ||
		{ _fp_log "cannot set the home of irsend-ftp"; return 1; }
	mkdir -p "$_fp_dir/empty" "$_fp_dir/users.d" "$FTPPEER_ROOT/$FTPPEER_INBOX" \
		"$FTPPEER_ROOT/$FTPPEER_RODIR"
	chmod 755 "$_fp_dir/empty" "$FTPPEER_ROOT" "$FTPPEER_ROOT/$FTPPEER_RODIR"
	chown irsend-ftp: "$FTPPEER_ROOT/$FTPPEER_INBOX"
	_fp_make_full || return 1
	_fp_make_tls || return 1

	# pam_userdb: keys and values on alternate lines; the password stored as is (tests only).
	printf '%s\n' "$FTPPEER_USER" "$FTPPEER_PASSWORD" "$FTPPEER_RO_USER" "$FTPPEER_PASSWORD" \
		"$FTPPEER_ACTIVE_USER" "$FTPPEER_PASSWORD" |
		db_load -T -t hash "$_fp_dir/users.db" || { _fp_log "db_load failed"; return 1; }
	chmod 600 "$_fp_dir/users.db"
	printf '%s\n' "# the irsend tests' vsftpd: virtual users only" \
		"auth required pam_userdb.so db=$_fp_dir/users" \
		"account required pam_userdb.so db=$_fp_dir/users" >"$_fp_dir/pam.vsftpd"
	echo "write_enable=NO" >"$_fp_dir/users.d/$FTPPEER_RO_USER"
	echo "pasv_enable=NO" >"$_fp_dir/users.d/$FTPPEER_ACTIVE_USER"

	_fp_conf plain "$FTPPEER_PORT" "$FTPPEER_PASV_MIN" $((base + 24)) >"$_fp_dir/plain.conf"
	_fp_conf ftps "$FTPPEER_FTPS_PORT" $((base + 25)) "$FTPPEER_PASV_MAX" >"$_fp_dir/ftps.conf"
	chmod 600 "$_fp_dir"/*.conf
	for n in "${want[@]}"; do
		case $n in
		plain | ftps) _fp_run "$n" || return 1 ;;
		*) _fp_log "unknown instance $n"; return 1 ;;
		esac
	done
}

# _fp_kill_wait PID: SIGKILL to the unshare of an instance; its child, PID 1
# of the instance's PID namespace, gets SIGKILL with it (--kill-child), and
# the kernel kills every session of that namespace with their PID 1.
_fp_kill_wait() {
	local pid=$1 i
	{
		kill -KILL "$pid" || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" || break
			sleep 0.05
		done
		wait "$pid" || true
	} 2>/dev/null # bash's "Killed" job notice included
	return 0
}

ftppeer_kill() {
	local pid=${_fp_pid[$1]:-}
	[ -n "$pid" ] || return 0
	_fp_kill_wait "$pid"
	unset "_fp_pid[$1]"
	return 0
}

ftppeer_restart() {
	ftppeer_kill "$1"
	_fp_run "$1"
}

ftppeer_log() {
	local f
	for f in "$_fp_dir"/*.log "$_fp_dir"/*.out; do
		[ -e "$f" ] && { echo "== $f"; tail -n 40 "$f"; }
	done
	return 0
}

ftppeer_stop() {
	local n d=$_fp_dir
	[ -n "$d" ] || return 0
	for n in "${!_fp_pid[@]}"; do
		_fp_kill_wait "${_fp_pid[$n]}"
	done
	_fp_pid=()
	if [ -n "$_fp_mounted" ]; then
		umount "$_fp_mounted" 2>/dev/null || umount -l "$_fp_mounted" 2>/dev/null || true
		_fp_mounted=
	fi
	_fp_dir=
	if [ "${FTPPEER_KEEP:-0}" != 1 ]; then
		if [ "$_fp_rm_dir" = 1 ]; then
			rm -rf "$d"
		else
			rm -f "$d/full.img"
		fi
	fi
	return 0
}

# By hand: bash tests/lib/ftppeer.sh run [DIR] [instances...]
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = run ]; then
	shift
	d=${1:-$(mktemp -d)}
	shift || true
	trap ftppeer_stop EXIT
	ftppeer_start "$d" "$@" || exit 1
	env | grep '^FTPPEER_' | sort
	echo "# up; Ctrl-C stops"
	sleep infinity
fi
