# A real, private CUPS scheduler for the host tests of printing: source
# this file from a bash test, then
#
#   cupspeer_start DIR     start cupsd with its config and state under DIR
#   ... print to $CUPSPEER_QUEUE on $CUPSPEER_SERVER ...
#   cupspeer_stop          stop it (also run at exit; safe under set -e)
#
# cupsd runs in the foreground as our child, listens on 127.0.0.1 only, on a
# high port picked at start, with no browsing, no web interface, no local
# socket and nothing of the host's /etc/cups or /run/cups. Needs root and
# the packages of scripts/setup-deps (cups-daemon, cups-client,
# cups-core-drivers for the raw queue's gziptoany, cups-ipp-utils).
#
# The queue $CUPSPEER_QUEUE is raw (no PPD, documents pass unchanged) and
# the default destination; its device is the file $CUPSPEER_OUT, which
# cupsd rewrites for every job: after a job completes it holds the job's
# documents byte for byte, one after the other. Jobs are taken from any
# local user (root, the agent's user), and their attributes are readable
# by anyone (the job name included). A job that fails is aborted, not
# retried.
#
# Variables exported by cupspeer_start:
#   CUPSPEER_DIR      DIR (absolute)
#   CUPSPEER_PORT     the TCP port; CUPSPEER_SERVER is 127.0.0.1:PORT
#   CUPSPEER_QUEUE    rxprint
#   CUPSPEER_OUT      the queue's output file
#   CUPSPEER_LOG      cupsd's error_log (LogLevel debug)
#   CUPSPEER_PID      cupsd's pid
#
# Functions:
#   cupspeer_wait_job ID [TIMEOUT_S]  wait until job ID (QUEUE-N, lp's
#       request id) has ended; prints its job-state; 0 when completed
#   cupspeer_job_attr ID NAME         the job's attribute NAME, one value a line
#   cupspeer_freeze / cupspeer_thaw   SIGSTOP / SIGCONT cupsd: it accepts
#                                     connections (the kernel does) and never answers
#   cupspeer_log [N]                  tail of the error_log (debug)
#
# CUPSPEER_KEEP=1 keeps DIR after cupspeer_stop.

_cp_pid=
_cp_dir=
_cp_rm_dir=0

# shellcheck source=tests/lib/peers.sh
. "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

_cp_log() { echo "# cupspeer: $*" >&2; }

_cp_port_busy() { peers_port_busy "$@"; }

_cp_pick_port() {
	local p try
	for ((try = 0; try < 30; try++)); do
		p=$((32000 + RANDOM % 8000))
		_cp_port_busy "$p" || { echo "$p"; return 0; }
	done
	return 1
}

# The lp user (cupsd runs its filters as lp) must reach DIR/spool.
_cp_traversable() {
	local w=$1
	while [ "$w" != / ]; do
		w=$(dirname "$w")
		case $(stat -c %A "$w") in
		*x | *t) continue ;;
		esac
		case $w/ in
		/tmp/?* | "${TMPDIR:-/tmp}"/?*) chmod o+x "$w" ;; # a mktemp -d parent
		*)
			_cp_log "$w is not searchable by the lp user: use a DIR under /tmp"
			return 1
			;;
		esac
	done
}

_cp_write_config() {
	local d=$CUPSPEER_DIR
	mkdir -p "$d/etc/ppd" "$d/spool/tmp" "$d/cache" "$d/state" "$d/log" "$d/out"
	cat >"$d/etc/cups-files.conf" <<-EOF
		ServerRoot $d/etc
		RequestRoot $d/spool
		TempDir $d/spool/tmp
		CacheDir $d/cache
		StateDir $d/state
		AccessLog $d/log/access_log
		ErrorLog $d/log/error_log
		PageLog $d/log/page_log
		Printcap $d/state/printcap
		ServerBin /usr/lib/cups
		DataDir /usr/share/cups
		FileDevice Yes
		User lp
		Group lp
		SystemGroup root
	EOF
	cat >"$d/etc/cupsd.conf" <<-EOF
		LogLevel debug
		MaxLogSize 0
		Listen 127.0.0.1:$CUPSPEER_PORT
		Browsing No
		BrowseLocalProtocols none
		WebInterface No
		DefaultAuthType Basic
		PreserveJobHistory Yes
		<Location />
		  Order allow,deny
		  Allow 127.0.0.1
		</Location>
		<Policy default>
		  JobPrivateAccess all
		  JobPrivateValues none
		  SubscriptionPrivateAccess all
		  SubscriptionPrivateValues none
		  <Limit All>
		    Order deny,allow
		  </Limit>
		</Policy>
	EOF
	# A PPD queue whose one filter, for each type the agent prints, is
	# CUPS's own gziptoany: it passes a document through unchanged. (A
	# raw queue runs no process for a one-document job, and then nothing
	# opens the file device: the job "completes" with no output.)
	cat >"$d/etc/ppd/$CUPSPEER_QUEUE.ppd" <<-EOF
		*PPD-Adobe: "4.3"
		*FormatVersion: "4.3"
		*FileVersion: "1.0"
		*LanguageVersion: English
		*LanguageEncoding: ISOLatin1
		*PCFileName: "RXPRINT.PPD"
		*Manufacturer: "irsend"
		*Product: "(irsend test printer)"
		*ModelName: "irsend test printer"
		*ShortNickName: "irsend test printer"
		*NickName: "irsend test printer, documents as sent"
		*PSVersion: "(3010.000) 0"
		*cupsVersion: 2.4
		*cupsFilter: "image/tiff 0 gziptoany"
		*cupsFilter: "text/plain 0 gziptoany"
		*OpenUI *PageSize: PickOne
		*DefaultPageSize: A4
		*PageSize A4/A4: ""
		*CloseUI: *PageSize
		*DefaultImageableArea: A4
		*ImageableArea A4: "0 0 595 842"
		*DefaultPaperDimension: A4
		*PaperDimension A4: "595 842"
	EOF
	cat >"$d/etc/printers.conf" <<-EOF
		<DefaultPrinter $CUPSPEER_QUEUE>
		Info irsend test queue (documents as sent, to a file)
		DeviceURI file://$CUPSPEER_OUT
		State Idle
		Accepting Yes
		Shared No
		ErrorPolicy abort-job
		OpPolicy default
		</DefaultPrinter>
	EOF
}

cupspeer_start() {
	local dir=${1:?usage: cupspeer_start DIR} i
	[ "$(id -u)" -eq 0 ] || { _cp_log "must run as root"; return 1; }
	command -v cupsd >/dev/null && command -v lp >/dev/null && command -v ipptool >/dev/null ||
		{ _cp_log "cupsd, lp or ipptool missing: run scripts/setup-deps"; return 1; }
	[ -e "$dir" ] || _cp_rm_dir=1
	mkdir -p "$dir" || return 1
	chmod 755 "$dir"
	export CUPSPEER_DIR
	CUPSPEER_DIR=$(cd "$dir" && pwd)
	_cp_dir=$CUPSPEER_DIR
	_cp_traversable "$CUPSPEER_DIR" || return 1
	export CUPSPEER_PORT CUPSPEER_SERVER CUPSPEER_QUEUE=rxprint
	CUPSPEER_PORT=$(_cp_pick_port) || { _cp_log "no free port"; return 1; }
	CUPSPEER_SERVER=127.0.0.1:$CUPSPEER_PORT
	export CUPSPEER_OUT=$CUPSPEER_DIR/out/$CUPSPEER_QUEUE
	export CUPSPEER_LOG=$CUPSPEER_DIR/log/error_log
	_cp_write_config
	_cp_install_trap
	cupsd -f -c "$CUPSPEER_DIR/etc/cupsd.conf" -s "$CUPSPEER_DIR/etc/cups-files.conf" \
		>"$CUPSPEER_DIR/cupsd.out" 2>&1 &
	_cp_pid=$!
	export CUPSPEER_PID=$_cp_pid
	for ((i = 0; i < 200; i++)); do
		if ! kill -0 "$_cp_pid" 2>/dev/null; then
			_cp_log "cupsd exited: $(cat "$CUPSPEER_DIR/cupsd.out"; tail -5 "$CUPSPEER_LOG" 2>/dev/null)"
			_cp_pid=
			return 1
		fi
		lpstat -h "$CUPSPEER_SERVER" -a "$CUPSPEER_QUEUE" 2>/dev/null | grep -q accepting &&
			return 0
		sleep 0.05
	done
	_cp_log "cupsd does not accept jobs for $CUPSPEER_QUEUE after 10 s: $(tail -5 "$CUPSPEER_LOG" 2>/dev/null)"
	return 1
}

# Chain cupspeer_stop in front of whatever EXIT trap the test has.
_cp_install_trap() { peers_chain_exit_trap cupspeer_stop; }

cupspeer_stop() {
	local d=${_cp_dir:-} p=${_cp_pid:-} i st=
	if [ -n "$p" ]; then
		# a frozen cupsd handles SIGTERM only once continued
		kill -CONT "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			st=$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null || true)
			[ -z "$st" ] || [ "$st" = Z ] && break
			sleep 0.05
		done
		if [ -n "$st" ] && [ "$st" != Z ]; then
			kill -9 "$p" 2>/dev/null || true
		fi
		wait "$p" 2>/dev/null || true
		_cp_pid=
	fi
	_cp_dir=
	if [ -n "$d" ] && [ "${CUPSPEER_KEEP:-0}" != 1 ]; then
		if [ "$_cp_rm_dir" = 1 ]; then
			rm -rf "$d"
		else
			rm -rf "$d/spool" "$d/cache" "$d/state"
		fi
	fi
	return 0
}

cupspeer_freeze() {
	kill -STOP "$_cp_pid"
}

cupspeer_thaw() {
	kill -CONT "$_cp_pid"
}

# cupspeer_job_attr ID NAME: ipptool's view of the job, the values of NAME.
cupspeer_job_attr() {
	local n=${1##*-}
	ipptool -t -v "ipp://$CUPSPEER_SERVER/jobs/$n" get-job-attributes.test 2>/dev/null |
		awk -v name="$2" '$1 == name { sub(/^[^=]*= /, ""); print }'
}

cupspeer_wait_job() {
	local id=$1 t=${2:-10} i st
	for ((i = 0; i <= t * 20; i++)); do
		st=$(cupspeer_job_attr "$id" job-state)
		case $st in
		completed) echo "$st"; return 0 ;;
		canceled | aborted | processing-stopped) echo "$st"; return 1 ;;
		esac
		sleep 0.05
	done
	echo "${st:-unknown} after ${t}s"
	return 1
}

cupspeer_log() {
	tail -n "${1:-30}" "$CUPSPEER_LOG" 2>/dev/null
}
