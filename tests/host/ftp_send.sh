#!/bin/bash
# The FTP client (user/file/ftp_*.c) against real vsftpd servers
# (tests/lib/ftppeer.sh) through build/tests/lib/ftp_send_tool: what
# arrives byte for byte (binary bytes, an empty file, 3 MB) by EPSV, PASV
# and the active fallback (EPRT); explicit FTPS with the right CA, a wrong
# CA and pins, the data connection resuming the control session
# (require_ssl_reuse), and a capture of the loopback traffic showing the
# password in the clear without FTPS and nowhere with it; every error
# code for real: wrong password and unknown user #806, FTPS refused both
# ways, missing directory #804, no permission (550 and 553) #807, disk
# full #801 (nothing left behind), cancelled #995, unresolvable name #802,
# a server killed in the middle of a transfer and a stopped server #751
# (no file under the final name); the existing-name policies (refuse #801,
# suffixes). Needs root and the packages of scripts/setup-deps; build
# first: make tests.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/ftppeer.sh

T=build/tests/lib/ftp_send_tool
[ "$(id -u)" -eq 0 ] || {
	echo "1..0 # SKIP needs root for the FTP peers"
	exit 0
}
[ -x "$T" ] || {
	echo "1..1"
	echo "not ok 1 $T is not built: run make tests"
	exit 1
}
work=$(mktemp -d)
cap_pid=
cleanup() {
	[ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null
	ftppeer_stop
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
ftppeer_start "$work/peer" >"$work/start.log" 2>&1 || {
	echo "1..1"
	echo "not ok 1 the FTP peers did not start"
	sed 's/^/# /' "$work/start.log"
	exit 1
}

tap_plan 44
H=127.0.0.1
IN=$FTPPEER_ROOT/$FTPPEER_INBOX
export IRS_FTP_PASSWORD=$FTPPEER_PASSWORD
MARK=irsend-ftp-marker-$RANDOM$RANDOM

# Test documents: every byte value, bare CR and LF, CRLF, NULs (TYPE A would change them).
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4 + b"a\r\nb\nc\rd\0\0\r\r\n")' \
	>"$work/bytes.bin"
head -c 3145728 /dev/urandom >"$work/big.bin"
: >"$work/empty.bin"
printf 'document %s\n' "$MARK" >"$work/marked.txt"
printf 'first version\n' >"$work/v1.txt"
printf 'second version\n' >"$work/v2.txt"

# send NAME EXPECT [KEY=VALUE...] -- OPTIONS...: one send, its code and printed keys checked;
# the password must be in neither the trace nor the result.
send() {
	local name=$1 want=$2 out bad=""
	shift 2
	local checks=()
	while [ "$1" != -- ]; do
		checks+=("$1")
		shift
	done
	shift
	out=$("$T" --timeout 10000 --trace "$@" 2>"$work/trace")
	grep -qx "code=$want" <<<"$out" || bad="code"
	for k in "${checks[@]}"; do
		grep -qxF "$k" <<<"$out" || bad="$bad $k"
	done
	grep -qF "$FTPPEER_PASSWORD" "$work/trace" && bad="$bad password-shown"
	grep -qF "$FTPPEER_PASSWORD" <<<"$out" && bad="$bad password-in-result"
	if [ -z "$bad" ]; then
		tap_ok "$name"
		return 0
	fi
	tap_fail "$name" "wanted code=$want${checks[*]:+ ${checks[*]}}; missing:$bad" \
		"$out" "$(tail -n 15 "$work/trace")"
	return 1
}

# check NAME CMD...: tap_check with a label.
check() { tap_check "$@"; }

# no_leftovers DIR: no temporary file of ours in DIR.
no_leftovers() { ! ls -A "$1" | grep -q '^\.irsend-'; }

# log_since FILE LINE: the log's lines after LINE.
log_lines() { wc -l <"$1"; }
log_since() { tail -n +"$(($2 + 1))" "$1"; }

P=(--host $H --port "$FTPPEER_PORT" --user "$FTPPEER_USER")
S=(--host localhost --port "$FTPPEER_FTPS_PORT" --user "$FTPPEER_USER" --tls)

# --- what arrives, by each kind of data connection
send "EPSV: every byte value arrives as sent" 899 data=EPSV final=bytes.bin -- "${P[@]}" \
	--dir "$FTPPEER_INBOX" --name bytes.bin --file "$work/bytes.bin"
check "EPSV: byte for byte, no temporary file left" \
	sh -c "cmp '$work/bytes.bin' '$IN/bytes.bin' && ! ls -A '$IN' | grep -q '^\.irsend-'"
send "PASV: 3 MB" 899 data=PASV "sent=$(stat -c %s "$work/big.bin")" -- "${P[@]}" --no-epsv --dir "$FTPPEER_INBOX" \
	--name big.bin --file "$work/big.bin"
check "PASV: byte for byte" cmp "$work/big.bin" "$IN/big.bin"
send "an empty document" 899 sent=0 -- "${P[@]}" --dir "$FTPPEER_INBOX" --name empty.bin \
	--file "$work/empty.bin"
check "an empty document arrives empty" test -f "$IN/empty.bin" -a ! -s "$IN/empty.bin"
mkdir -p "$IN/sub dir" && chown irsend-ftp: "$IN/sub dir"
send "a path of two levels and a name with spaces" 899 "final=scan 0001.pdf" -- "${P[@]}" \
	--dir "$FTPPEER_INBOX/sub dir" --name "scan 0001.pdf" --file "$work/bytes.bin"
check "... arrives there" cmp "$work/bytes.bin" "$IN/sub dir/scan 0001.pdf"
n=$(log_lines "$FTPPEER_LOG")
send "passive refused: active fallback (EPRT)" 899 data=EPRT -- --host $H \
	--port "$FTPPEER_PORT" --user "$FTPPEER_ACTIVE_USER" --active-fallback \
	--dir "$FTPPEER_INBOX" --name active.bin --file "$work/big.bin"
check "active: byte for byte, the server connected to us (EPRT in its log)" sh -c \
	"cmp '$work/big.bin' '$IN/active.bin' && tail -n +$((n + 1)) '$FTPPEER_LOG' | grep -q '\"EPRT |1|127.0.0.1|'"
send "passive refused, no fallback set: #801" 801 -- --host $H --port "$FTPPEER_PORT" \
	--user "$FTPPEER_ACTIVE_USER" --dir "$FTPPEER_INBOX" --name noactive.bin \
	--file "$work/bytes.bin"

# --- FTPS
n=$(log_lines "$FTPPEER_FTPS_LOG")
send "FTPS, test CA: sent, data connection resumed the TLS session" 899 tls=1 resumed=1 -- \
	"${S[@]}" --ca "$FTPPEER_CA" --dir "$FTPPEER_INBOX" --name tls.bin --file "$work/big.bin"
check "FTPS: byte for byte" cmp "$work/big.bin" "$IN/tls.bin"
check "FTPS: AUTH TLS before USER; the server saw a reused session on the data connection" \
	sh -c "tail -n +$((n + 1)) '$FTPPEER_FTPS_LOG' >'$work/l' &&
	a=\$(grep -n '\"AUTH TLS\"' '$work/l' | head -1 | cut -d: -f1) &&
	u=\$(grep -n '\"USER ' '$work/l' | head -1 | cut -d: -f1) && [ \"\$a\" -lt \"\$u\" ] &&
	grep -q 'SSL version: TLSv1.[23].*, reused' '$work/l'"
n=$(log_lines "$FTPPEER_FTPS_LOG")
send "FTPS, wrong CA: #841" 841 tls=0 -- "${S[@]}" --ca "$FTPPEER_OTHER_CA" \
	--dir "$FTPPEER_INBOX" --name wrongca.bin --file "$work/bytes.bin"
check "FTPS, wrong CA: no USER reached the server" \
	sh -c "! tail -n +$((n + 1)) '$FTPPEER_FTPS_LOG' | grep -q '\"USER '"
send "FTPS to 127.0.0.1, the certificate names localhost only: #841" 841 -- --host $H \
	--port "$FTPPEER_FTPS_PORT" --user "$FTPPEER_USER" --tls --ca "$FTPPEER_CA" \
	--dir "$FTPPEER_INBOX" --name wrongname.bin --file "$work/bytes.bin"
pin=$(openssl x509 -in "$FTPPEER_DIR/tls/server.crt" -pubkey -noout |
	openssl pkey -pubin -outform der | sha256sum | cut -c1-64)
send "FTPS, verification off, the server key pinned: sent" 899 tls=1 -- "${S[@]}" --no-verify \
	--pin "$pin" --dir "$FTPPEER_INBOX" --name pinned.bin --file "$work/bytes.bin"
send "FTPS, another key pinned: #841" 841 -- "${S[@]}" --no-verify \
	--pin "$(printf '%064d' 0)" --dir "$FTPPEER_INBOX" --name badpin.bin --file "$work/bytes.bin"
n=$(log_lines "$FTPPEER_LOG")
send "FTPS asked, the server has no TLS: #841" 841 -- --host $H --port "$FTPPEER_PORT" \
	--user "$FTPPEER_USER" --tls --ca "$FTPPEER_CA" --dir "$FTPPEER_INBOX" --name notls.bin \
	--file "$work/bytes.bin"
check "... and no USER was sent" sh -c "! tail -n +$((n + 1)) '$FTPPEER_LOG' | grep -q '\"USER '"
n=$(log_lines "$FTPPEER_FTPS_LOG")
send "no FTPS, the server demands it: USER refused, #806" 806 -- --host $H \
	--port "$FTPPEER_FTPS_PORT" --user "$FTPPEER_USER" --dir "$FTPPEER_INBOX" \
	--name plain.bin --file "$work/bytes.bin"
check "... and no PASS was sent" sh -c "! tail -n +$((n + 1)) '$FTPPEER_FTPS_LOG' | grep -q '\"PASS '"

# The wire itself: the password crosses loopback in the clear without FTPS (which shows that
# the capture sees it), and neither it nor the document does with FTPS.
capture() {
	local out=$1 i
	shift
	tcpdump -Z root --immediate-mode -i lo -U -s 0 -w "$out" "tcp and portrange $FTPPEER_PORT-$FTPPEER_PASV_MAX" \
		2>"$out.err" &
	cap_pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$out.err" 2>/dev/null && break
		sleep 0.05
	done
	"$T" --timeout 10000 "$@" >"$out.res" 2>&1
	sleep 0.3
	kill -INT "$cap_pid" 2>/dev/null
	wait "$cap_pid" 2>/dev/null
	cap_pid=
}
if command -v tcpdump >/dev/null; then
	capture "$work/plain.pcap" "${P[@]}" --dir "$FTPPEER_INBOX" --name cap-plain.txt \
		--file "$work/marked.txt"
	capture "$work/tls.pcap" "${S[@]}" --ca "$FTPPEER_CA" --dir "$FTPPEER_INBOX" \
		--name cap-tls.txt --file "$work/marked.txt"
	check "capture without FTPS: password and document visible" sh -c \
		"grep -qaF '$FTPPEER_PASSWORD' '$work/plain.pcap' && grep -qaF '$MARK' '$work/plain.pcap'"
	check "capture with FTPS: sent, neither password nor document on the wire" sh -c \
		"grep -qx code=899 '$work/tls.pcap.res' && grep -qaF 'AUTH TLS' '$work/tls.pcap' &&
		! grep -qaF '$FTPPEER_PASSWORD' '$work/tls.pcap' && ! grep -qaF '$MARK' '$work/tls.pcap' &&
		! grep -qaF 'PASS ' '$work/tls.pcap'"
else
	tap_skip "capture without FTPS" "tcpdump is not installed"
	tap_skip "capture with FTPS" "tcpdump is not installed"
fi

# --- refusals
send "wrong password: #806" 806 reply=530 -- --host $H --port "$FTPPEER_PORT" \
	--user "$FTPPEER_USER" --password "not-$FTPPEER_PASSWORD" --dir "$FTPPEER_INBOX" \
	--name x.bin --file "$work/bytes.bin"
send "unknown user: #806" 806 -- --host $H --port "$FTPPEER_PORT" --user nobody-here \
	--dir "$FTPPEER_INBOX" --name x.bin --file "$work/bytes.bin"
send "missing directory: #804, nothing created" 804 -- "${P[@]}" --dir no/such/dir \
	--name x.bin --file "$work/bytes.bin"
send "read-only user (550): #807" 807 reply=550 -- --host $H --port "$FTPPEER_PORT" \
	--user "$FTPPEER_RO_USER" --dir "$FTPPEER_INBOX" --name ro.bin --file "$work/bytes.bin"
send "directory without write permission (553): #807" 807 reply=553 -- "${P[@]}" \
	--dir "$FTPPEER_RODIR" --name ro.bin --file "$work/bytes.bin"
check "no file from the refusals" sh -c "[ ! -e '$IN/ro.bin' ] && [ ! -e '$IN/x.bin' ] &&
	[ ! -e '$FTPPEER_ROOT/no' ] && [ -z \"\$(ls -A '$FTPPEER_ROOT/$FTPPEER_RODIR')\" ]"

# --- an existing name
send "first copy" 899 final=doc.txt -- "${P[@]}" --dir "$FTPPEER_INBOX" --name doc.txt \
	--file "$work/v1.txt"
send "same name, policy refuse: #801" 801 -- "${P[@]}" --dir "$FTPPEER_INBOX" --name doc.txt \
	--exists refuse --file "$work/v2.txt"
send "same name, policy suffix: doc_1.txt" 899 final=doc_1.txt -- "${P[@]}" \
	--dir "$FTPPEER_INBOX" --name doc.txt --exists suffix --file "$work/v2.txt"
send "again: doc_2.txt" 899 final=doc_2.txt -- "${P[@]}" --dir "$FTPPEER_INBOX" \
	--name doc.txt --exists suffix --file "$work/v2.txt"
check "the first copy untouched, the others complete" sh -c "cmp '$work/v1.txt' '$IN/doc.txt' &&
	cmp '$work/v2.txt' '$IN/doc_1.txt' && cmp '$work/v2.txt' '$IN/doc_2.txt'"

# --- the server side fails
head -c $(((FTPPEER_FULL_KB + 512) * 1024)) /dev/urandom >"$work/toobig.bin"
send "disk full: #801" 801 -- "${P[@]}" --dir "$FTPPEER_FULLDIR" --name full.bin \
	--file "$work/toobig.bin"
check "disk full: no final file, the partial temporary file deleted" \
	sh -c "[ -z \"\$(ls -A '$FTPPEER_ROOT/$FTPPEER_FULLDIR')\" ]"
send "cancelled during the transfer: #995" 995 -- "${P[@]}" --dir "$FTPPEER_INBOX" \
	--name cancelled.bin --file "$work/big.bin" --cancel-at 1048576
check "cancelled: no final file, no temporary file" \
	sh -c "[ ! -e '$IN/cancelled.bin' ] && ! ls -A '$IN' | grep -q '^\.irsend-'"
send "unresolvable host name: #802" 802 -- --host no-such-host.invalid --port "$FTPPEER_PORT" \
	--user "$FTPPEER_USER" --name x.bin --file "$work/bytes.bin"

# The server dies with 1 MB of 3 MB sent: the reader waits on a file until the kill.
rm -f "$work/paused"
"$T" --timeout 10000 "${P[@]}" --dir "$FTPPEER_INBOX" --name killed.bin --file "$work/big.bin" \
	--pause-at 1048576 --pause-file "$work/paused" >"$work/killed.out" 2>&1 &
tool=$!
for ((i = 0; i < 200; i++)); do
	[ -e "$work/paused" ] && break
	sleep 0.05
done
ftppeer_kill plain
rm -f "$work/paused"
wait "$tool"
if grep -qx code=751 "$work/killed.out" && [ ! -e "$IN/killed.bin" ]; then
	tap_ok "server killed mid-transfer: #751, no final file"
else
	tap_fail "server killed mid-transfer: #751, no final file" "$(cat "$work/killed.out")" \
		"$(ls -la "$IN")"
fi
send "server stopped: #751" 751 -- "${P[@]}" --dir "$FTPPEER_INBOX" --name stopped.bin \
	--file "$work/bytes.bin"
ftppeer_restart plain >>"$work/start.log" 2>&1
send "server started again: sent" 899 -- "${P[@]}" --dir "$FTPPEER_INBOX" --name again.bin \
	--file "$work/bytes.bin"

tap_done
