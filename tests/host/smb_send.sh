#!/bin/bash
# The SMB sender (user/file/smb_*.c, libsmbclient) against real Samba
# servers (tests/lib/sambapeer.sh) through build/tests/lib/smb_send_tool:
# what arrives, read back from the share's directory on disk, byte for
# byte (a name with spaces, '#', '%' and UTF-8; three files in one call;
# four sends at once from four threads); the three user name forms; a
# hostile ~/.smb/smb.conf changing nothing and printing nothing; the
# temporary name, never the final one, while a transfer runs (a pause in
# the middle and a watcher listing the directory the whole time); every
# error code for real: wrong password and unknown user #806, missing
# folder and share #804, read-only share and a share the user may not
# enter #807, unresolvable name #802, stopped server, server killed and
# server frozen in the middle of a transfer #751 (no final file), disk
# full #801 (nothing left), "max connections = 1" taken #801, cancelled
# #995; existing names refused (#801) or suffixed; SMB1-only server
# refused; encryption demanded by the share and by our setting (seen in
# smbstatus and on the wire: a capture of loopback shows the document
# without encryption and not with it), refused against a server that
# cannot encrypt; the password in no output and never on the wire.
# Needs root and the packages of scripts/setup-deps; build first: make tests.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/sambapeer.sh

T=build/tests/lib/smb_send_tool
[ "$(id -u)" -eq 0 ] || {
	echo "1..0 # SKIP needs root for the Samba peers"
	exit 0
}
[ -x "$T" ] || {
	echo "1..1"
	echo "not ok 1 $T is not built: run make tests"
	exit 1
}
work=$(mktemp -d)
bg_pids=()
cleanup() {
	local p
	for p in "${bg_pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	sambapeer_stop
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
sambapeer_start "$work/peer" >"$work/start.log" 2>&1 || {
	echo "1..1"
	echo "not ok 1 the Samba peers did not start"
	sed 's/^/# /' "$work/start.log"
	sambapeer_log 2>/dev/null | sed 's/^/# /'
	exit 1
}

tap_plan 47
H=127.0.0.1
PW=$SAMBAPEER_PASSWORD
RW=$SAMBAPEER_RW_DIR
export IRS_SMB_PASSWORD=$PW
MARK=irsend-smb-marker-$RANDOM$RANDOM
: >"$work/outputs"

head -c 3145728 /dev/urandom >"$work/doc.pdf"
head -c 41943040 /dev/urandom >"$work/big.pdf"
head -c 6291456 /dev/urandom >"$work/six.pdf"
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 64)' >"$work/bytes.bin"
for i in 1 2 3; do printf 'page %s\n' "$i" >"$work/page$i.txt"; done
printf 'version one\n' >"$work/v1.txt"
printf 'version two\n' >"$work/v2.txt"
{
	for i in $(seq 200); do printf 'confidential %s line %s\n' "$MARK" "$i"; done
} >"$work/marked.txt"

# run [OPTIONS...] PATH NAME...: one tool run on the main server as the test user; its
# output (KEY=VALUE) in $out, everything it printed kept for the password check.
run() {
	out=$("$T" --port "$SAMBAPEER_PORT" --user "$SAMBAPEER_USER" --timeout 5000 --trace "$@" \
		2>"$work/trace")
	rc=$?
	{
		printf '%s\n' "$out"
		cat "$work/trace"
	} >>"$work/outputs"
}

# send NAME EXPECT [KEY=VALUE...] -- OPTIONS...: one run, its code and printed keys checked.
send() {
	local name=$1 want=$2 bad="" k
	shift 2
	local checks=()
	while [ "$1" != -- ]; do
		checks+=("$1")
		shift
	done
	shift
	run "$@"
	grep -qx "code=$want" <<<"$out" || bad="code"
	for k in "${checks[@]}"; do
		grep -qxF "$k" <<<"$out" || bad="$bad $k"
	done
	if [ -z "$bad" ]; then
		tap_ok "$name"
		return 0
	fi
	tap_fail "$name" "wanted code=$want${checks[*]:+ ${checks[*]}}; missing:$bad" "$out" \
		"$(tail -n 15 "$work/trace")"
	return 1
}

check() { tap_check "$@"; }

# wait_file F [TIMEOUT_S]: until F exists.
wait_file() {
	local i
	for ((i = 0; i < ${2:-30} * 20; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# paused OPTIONS...: a run in the background that stops after --pause-at bytes and waits
# for $work/pause to be removed; its output goes to $work/paused.out.
paused() {
	rm -f "$work/pause"
	"$T" --port "${PORT:-$SAMBAPEER_PORT}" --user "$SAMBAPEER_USER" --timeout 3000 --trace \
		--pause-file "$work/pause" "$@" >"$work/paused.out" 2>"$work/paused.trace" &
	paused_pid=$!
	bg_pids+=("$paused_pid")
	wait_file "$work/pause"
}

# resume: let the paused run go on and wait for it.
resume() {
	rm -f "$work/pause"
	wait "$paused_pid"
	cat "$work/paused.out" "$work/paused.trace" >>"$work/outputs"
}

# share_encryption SHARE: the Encryption column smbstatus shows for SHARE's connection.
share_encryption() {
	smbstatus -s "$SAMBAPEER_CONF" -S 2>/dev/null | awk -v s="$1" '$1 == s { print $(NF - 1) }'
}

# --- what arrives
NAME='Büro scan #1 100% (a).pdf'
send "a 3 MB document, a name with spaces, '#', '%' and UTF-8: sent" 899 \
	"stored0=$NAME" "progress=3145728" "bytes=3145728" -- --dest "\\\\$H\\scans" \
	"$work/doc.pdf" "$NAME"
check "... byte for byte on the server's disk, no temporary file left" \
	sh -c "cmp '$work/doc.pdf' \"$RW/$NAME\" && ! ls -A '$RW' | grep -q 'irsend-tmp\$'"
mkdir -p "$RW/2024/March" && chown -R "$SAMBAPEER_USER:" "$RW/2024"
send "three files in one call, //host/share/dir/dir form" 899 sent=3 stored2=p3.txt -- \
	--dest "//$H/scans/2024/March/" "$work/page1.txt" p1.txt "$work/page2.txt" p2.txt \
	"$work/bytes.bin" p3.txt
check "... each byte for byte" sh -c "cmp '$work/page1.txt' '$RW/2024/March/p1.txt' &&
	cmp '$work/page2.txt' '$RW/2024/March/p2.txt' && cmp '$work/bytes.bin' '$RW/2024/March/p3.txt'"
run --threads 4 --dest "\\\\$H\\scans" "$work/six.pdf" th.pdf
check "four sends at once from four threads: each sent, each byte for byte" sh -c \
	"[ $rc = 0 ] && for t in 1 2 3 4; do cmp '$work/six.pdf' '$RW/t'\$t'-th.pdf' || exit 1; done"

# --- user names: user (above), DOMAIN\user, user@domain
out=$("$T" --port "$SAMBAPEER_PORT" --user "$SAMBAPEER_WORKGROUP\\$SAMBAPEER_USER" \
	--dest "\\\\$H\\scans" "$work/page1.txt" dom.txt 2>>"$work/outputs")
echo "$out" >>"$work/outputs"
check "DOMAIN\\user: sent, byte for byte" bash -c "grep -qx code=899 <<<'$out' && cmp '$work/page1.txt' '$RW/dom.txt'"
out=$("$T" --port "$SAMBAPEER_PORT" --user "$SAMBAPEER_USER@irsend.test" \
	--dest "\\\\$H\\scans" "$work/page2.txt" upn.txt 2>>"$work/outputs")
echo "$out" >>"$work/outputs"
check "user@domain: sent, byte for byte" bash -c "grep -qx code=899 <<<'$out' && cmp '$work/page2.txt' '$RW/upn.txt'"

# --- the host's smb.conf decides nothing: a hostile ~/.smb/smb.conf (libsmbclient reads it at
# every context made) that would mean NTLMv1, Kerberos only, SMB1, no encryption and
# debug output, with a parameter Samba does not know; two sends, to the share that
# demands encryption from an NTLMv2-only server that speaks no SMB1
mkdir -p "$work/home/.smb"
printf '%s\n' '[global]' 'client ntlmv2 auth = no' 'client lanman auth = yes' \
	'client use kerberos = required' 'client min protocol = NT1' 'client max protocol = NT1' \
	'client smb encrypt = off' 'name resolve order = bcast' 'log level = 10' \
	'irsend no such parameter = 1' >"$work/home/.smb/smb.conf"
out=$(HOME=$work/home "$T" --port "$SAMBAPEER_PORT" --user "$SAMBAPEER_USER" --threads 2 \
	--dest "\\\\$H\\$SAMBAPEER_SHARE_ENC" "$work/page3.txt" home.txt 2>"$work/home.err")
rc=$?
printf '%s\n' "$out" >>"$work/outputs"
cat "$work/home.err" >>"$work/outputs"
check "a hostile ~/.smb/smb.conf: both sent, byte for byte, nothing but results on stdout" \
	bash -c "[ $rc = 0 ] && cmp '$work/page3.txt' '$SAMBAPEER_ENC_DIR/t1-home.txt' &&
	cmp '$work/page3.txt' '$SAMBAPEER_ENC_DIR/t2-home.txt' &&
	! grep -v '^[a-z]*[0-9]*=' <<<'$out' | grep -q . && [ ! -s '$work/home.err' ]"

# --- a reader never sees the final name before the document is complete
full=$(stat -c %s "$work/big.pdf")
rm -f "$work/watch.stop" "$work/watch.bad" "$work/watch.tmp"
(
	while [ ! -e "$work/watch.stop" ]; do
		if [ -e "$RW/big.pdf" ]; then
			s=$(stat -c %s "$RW/big.pdf" 2>/dev/null || echo gone)
			[ "$s" = "$full" ] || echo "big.pdf seen with $s bytes" >>"$work/watch.bad"
		fi
		ls -A "$RW" | grep -q '^\.big\.pdf\..*\.irsend-tmp$' && : >"$work/watch.tmp"
	done
) &
watch_pid=$!
bg_pids+=("$watch_pid")
paused --pause-at 20971520 --dest "\\\\$H\\scans" "$work/big.pdf" big.pdf
tmp=$(ls -A "$RW" | grep '^\.big\.pdf\..*\.irsend-tmp$')
check "20 MB into 40 MB: no big.pdf yet, a hidden temporary file holds what came so far" \
	sh -c "[ ! -e '$RW/big.pdf' ] && [ -n '$tmp' ] && [ \$(stat -c %s '$RW/$tmp') -ge 20971520 ] &&
	[ \$(stat -c %s '$RW/$tmp') -lt $full ]"
resume
sleep 0.2
: >"$work/watch.stop"
wait "$watch_pid"
check "... then sent: big.pdf complete, the temporary file gone" sh -c \
	"grep -qx code=899 '$work/paused.out' && cmp '$work/big.pdf' '$RW/big.pdf' && [ ! -e '$RW/$tmp' ]"
check "a watcher listing the folder all along: big.pdf never incomplete, the temporary seen" \
	sh -c "[ ! -s '$work/watch.bad' ] && [ -e '$work/watch.tmp' ]"

# --- existing names
send "existing name, refuse: #801" 801 "stored0=" -- --dest "\\\\$H\\scans" "$work/v2.txt" dom.txt
check "... the existing file untouched, nothing left" sh -c \
	"cmp '$work/page1.txt' '$RW/dom.txt' && ! ls -A '$RW' | grep -q 'irsend-tmp\$'"
send "existing name, suffix: stored as 'dom (2).txt'" 899 "stored0=dom (2).txt" -- \
	--exists suffix --dest "\\\\$H\\scans" "$work/v2.txt" dom.txt
send "... again: 'dom (3).txt'" 899 "stored0=dom (3).txt" -- --exists suffix \
	--dest "\\\\$H\\scans" "$work/v1.txt" dom.txt
check "... the original and both new ones as sent" sh -c "cmp '$work/page1.txt' '$RW/dom.txt' &&
	cmp '$work/v2.txt' '$RW/dom (2).txt' && cmp '$work/v1.txt' '$RW/dom (3).txt'"
send "a name SMB cannot store ('a?b.pdf'): #801 before anything is sent" 801 bytes=0 -- \
	--dest "\\\\$H\\scans" "$work/v1.txt" 'a?b.pdf'

# --- refusals
IRS_SMB_PASSWORD="not-$PW" send "wrong password: #806" 806 -- --dest "\\\\$H\\scans" \
	"$work/v1.txt" wrongpw.txt
out=$("$T" --port "$SAMBAPEER_PORT" --user nobody-here --dest "\\\\$H\\scans" "$work/v1.txt" \
	nouser.txt 2>>"$work/outputs")
echo "$out" >>"$work/outputs"
check "unknown user: #806" grep -qx code=806 <<<"$out"
send "missing folder: #804, the folder named as the operator wrote it" 804 \
	"text=no folder \\\\$H\\scans\\no\\such on the server" -- --dest "//$H/scans/no/such" \
	"$work/v1.txt" x.txt
send "missing share: #804" 804 -- --dest "\\\\$H\\nosuchshare" "$work/v1.txt" x.txt
send "read-only share: #807" 807 -- --dest "\\\\$H\\$SAMBAPEER_SHARE_RO" "$work/v1.txt" ro.txt
send "a share the user may not enter (the login itself succeeds): #807" 807 -- \
	--dest "\\\\$H\\$SAMBAPEER_SHARE_DENY" "$work/v1.txt" deny.txt
check "... nothing written in either" sh -c "[ -z \"\$(ls -A '$SAMBAPEER_RO_DIR')\" ]"
run --dest "\\\\$H\\scans\\..\\$SAMBAPEER_SHARE_RO" "$work/v1.txt" up.txt
o1=$out
cp "$work/trace" "$work/trace1"
run --dest "\\\\$H" "$work/v1.txt" noshare.txt
check "destinations with '..' or without a share: #804 before any connection" bash -c \
	"grep -qx code=804 <<<'$o1' && grep -qx code=804 <<<'$out' &&
	! grep -q 'SMB 3' '$work/trace' '$work/trace1'"
out=$("$T" --port "$SAMBAPEER_PORT" --user "$SAMBAPEER_WORKGROUP\\" --dest "\\\\$H\\scans" \
	"$work/v1.txt" x.txt 2>>"$work/outputs")
echo "$out" >>"$work/outputs"
check "a user name 'DOMAIN\\' with no user: #806" grep -qx code=806 <<<"$out"
send "a name that cannot resolve: #802" 802 -- --dest '\\no-such-host.invalid\scans' \
	"$work/v1.txt" x.txt
send "SMB1-only server: #801, SMB1 never used" 801 -- --port "$SAMBAPEER_NT1_PORT" \
	--dest "\\\\$H\\scans" "$work/v1.txt" nt1.txt
check "... nothing written there" sh -c "[ -z \"\$(ls -A '$SAMBAPEER_NT1_DIR')\" ]"

# disk full: the 4 MB share takes one 3 MB file, not a second
send "disk full on the small share: #801, the first of two files stored" 801 file0=899 \
	file1=801 sent=1 -- --dest "\\\\$H\\small" "$work/doc.pdf" s1.pdf "$work/doc.pdf" s2.pdf
check "... s1.pdf complete, no s2.pdf, no temporary file" sh -c \
	"cmp '$work/doc.pdf' '$SAMBAPEER_SMALL_DIR/s1.pdf' && [ ! -e '$SAMBAPEER_SMALL_DIR/s2.pdf' ] &&
	! ls -A '$SAMBAPEER_SMALL_DIR' | grep -q 'irsend-tmp\$'"

# "max connections = 1": a transfer in progress holds the share
paused --pause-at 1048576 --dest "\\\\$H\\$SAMBAPEER_SHARE_ONE" "$work/doc.pdf" one.pdf
send "max connections 1 taken by a transfer in progress: #801" 801 -- \
	--dest "\\\\$H\\$SAMBAPEER_SHARE_ONE" "$work/v1.txt" two.txt
resume
check "... the transfer holding it completes" sh -c \
	"grep -qx code=899 '$work/paused.out' && cmp '$work/doc.pdf' '$SAMBAPEER_ONE_DIR/one.pdf'"

send "cancelled after 1 MB: #995" 995 -- --cancel-at 1 --dest "\\\\$H\\scans" "$work/doc.pdf" \
	cancelled.pdf
check "... no file, no temporary file" sh -c \
	"[ ! -e '$RW/cancelled.pdf' ] && ! ls -A '$RW' | grep -q 'irsend-tmp\$'"

# --- the server goes away
sambapeer_stop_main
send "server stopped: #751" 751 -- --dest "\\\\$H\\scans" "$work/v1.txt" stopped.txt
sambapeer_restart_main >/dev/null 2>&1
paused --pause-at 8388608 --dest "\\\\$H\\scans" "$work/big.pdf" killed.pdf
sambapeer_kill_main
resume
check "server killed in the middle of a transfer: #751" grep -qx code=751 "$work/paused.out"
check "... no killed.pdf; at most its temporary file" sh -c "[ ! -e '$RW/killed.pdf' ] &&
	! ls -A '$RW' | grep -v '^\.killed\.pdf\..*\.irsend-tmp\$' | grep -q killed"
rm -f "$RW"/.killed.pdf.*
sambapeer_restart_main >/dev/null 2>&1
paused --pause-at 8388608 --dest "\\\\$H\\scans" "$work/big.pdf" frozen.pdf
sambapeer_freeze_main
t0=$(date +%s)
resume
t1=$(date +%s)
sambapeer_thaw_main
check "server frozen in the middle of a transfer: #751 within the timeouts ($((t1 - t0)) s)" \
	sh -c "grep -qx code=751 '$work/paused.out' && [ $((t1 - t0)) -lt 30 ] && [ ! -e '$RW/frozen.pdf' ]"
rm -f "$RW"/.frozen.pdf.*

# --- encryption
paused --pause-at 1048576 --dest "\\\\$H\\$SAMBAPEER_SHARE_ENC" "$work/doc.pdf" enc1.pdf
enc=$(share_encryption "$SAMBAPEER_SHARE_ENC")
resume
check "share demands encryption, setting off: sent encrypted ($enc)" sh -c \
	"grep -qx code=899 '$work/paused.out' && case '$enc' in AES-*) true ;; *) false ;; esac &&
	cmp '$work/doc.pdf' '$SAMBAPEER_ENC_DIR/enc1.pdf'"
paused --pause-at 1048576 --encrypt --dest "\\\\$H\\scans" "$work/doc.pdf" enc2.pdf
enc=$(share_encryption scans)
resume
check "setting on, a share that does not demand it: sent encrypted ($enc)" sh -c \
	"grep -qx code=899 '$work/paused.out' && case '$enc' in AES-*) true ;; *) false ;; esac &&
	cmp '$work/doc.pdf' '$RW/enc2.pdf'"
send "setting on, a server that cannot encrypt (SMB 2.1): #801" 801 -- --encrypt \
	--port "$SAMBAPEER_SMB21_PORT" --dest "\\\\$H\\scans" "$work/marked.txt" noenc.txt
check "... nothing written there" sh -c "[ -z \"\$(ls -A '$SAMBAPEER_SMB21_DIR')\" ]"
send "setting off, the same server: sent" 899 -- --port "$SAMBAPEER_SMB21_PORT" \
	--dest "\\\\$H\\scans" "$work/v1.txt" plain.txt

# The wire: the document visible without encryption (the capture sees it), not with it;
# the password (NTLMv2) on neither.
capture() {
	local pcap=$1 i
	shift
	tcpdump -Z root --immediate-mode -i lo -U -s 0 -w "$pcap" "tcp port $SAMBAPEER_PORT" \
		2>"$pcap.err" &
	local cap=$!
	bg_pids+=("$cap")
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$pcap.err" 2>/dev/null && break
		sleep 0.05
	done
	run "$@"
	sleep 0.3
	kill -INT "$cap" 2>/dev/null
	wait "$cap" 2>/dev/null
}
pw16=$(printf '%s' "$PW" | iconv -t UTF-16LE | od -An -tx1 | tr -d ' \n')
if command -v tcpdump >/dev/null; then
	sambapeer_restart_main >/dev/null 2>&1 || true
	capture "$work/plain.pcap" --dest "\\\\$H\\scans" "$work/marked.txt" cap-plain.txt
	capture "$work/enc.pcap" --encrypt --dest "\\\\$H\\scans" "$work/marked.txt" cap-enc.txt
	check "capture without encryption: the document visible, the password not" sh -c \
		"grep -qaF '$MARK' '$work/plain.pcap' && ! grep -qaF '$PW' '$work/plain.pcap' &&
		! od -An -tx1 '$work/plain.pcap' | tr -d ' \n' | grep -q '$pw16'"
	check "capture with encryption: sent, neither document nor password on the wire" sh -c \
		"cmp '$work/marked.txt' '$RW/cap-enc.txt' && ! grep -qaF '$MARK' '$work/enc.pcap' &&
		! grep -qaF '$PW' '$work/enc.pcap'"
else
	tap_skip "capture without encryption" "tcpdump is not installed"
	tap_skip "capture with encryption" "tcpdump is not installed"
fi

check "the password in no output of any run (results and traces)" \
	sh -c "[ -s '$work/outputs' ] && ! grep -qF '$PW' '$work/outputs'"
tap_done
