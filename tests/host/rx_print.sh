#!/bin/bash
# Printing received documents (issue 9): rx_print() through the real lp of
# cups-client to a private cupsd (tests/lib/cupspeer.sh) whose queue
# writes each job to a file. A 2-page MH TIFF, a text file and both in one
# job come out byte for byte, typed image/tiff and text/plain; the job
# name is the title, shell metacharacters and all, with control bytes and
# invalid UTF-8 replaced; the agent's user prints too; calls from several
# threads at once all land. Failures say what happened: a missing queue,
# a stopped cupsd (within the time limit), a cupsd that accepts and never
# answers (lp killed at the limit), no lp at all. A fake lp
# (rx_print_tool run as "lp") shows what lp is given: only stdin
# (/dev/null), stdout and stderr although the caller holds descriptors
# without O_CLOEXEC, no blocked or ignored signal, LC_ALL=C, the argument
# list; a hanging lp and its child are both killed. Needs root; build
# first: make tests.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh
. tests/lib/cupspeer.sh

tool=$PWD/build/tests/lib/rx_print_tool
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (a private cupsd, the agent's user)"
	exit 0
fi
[ -x "$tool" ] || {
	echo "1..0 # SKIP $tool is not built: run make tests"
	exit 0
}
for t in cupsd lp lpstat ipptool pbmtext pnmtotiff tiffcp tiffinfo; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed: run scripts/setup-deps"
		exit 0
	}
done
tap_plan 24
work=$(mktemp -d)
trap 'cupspeer_stop; rm -rf "$work"' EXIT
chmod 0755 "$work"

if ! cupspeer_start "$work/cups" >"$work/cups.log" 2>&1; then
	tap_fail "start a private cupsd" "$(cat "$work/cups.log")"
	tap_done
fi
tap_ok "private cupsd on $CUPSPEER_SERVER, queue $CUPSPEER_QUEUE accepting"

# The documents: what the reception worker stores (document.tif, text.txt).
{ echo "irsend print test page one"; seq 1 30; } | pbmtext >"$work/p1.pbm"
{ echo "page two"; seq 100 140; } | pbmtext >"$work/p2.pbm"
pnmtotiff "$work/p1.pbm" >"$work/p1.tif" 2>/dev/null
pnmtotiff "$work/p2.pbm" >"$work/p2.tif" 2>/dev/null
tiffcp -c g3 "$work/p1.tif" "$work/p2.tif" "$work/document.tif"
printf 'Received I-Fax text\nGr\xc3\xbc\xc3\x9fe, line two\n' >"$work/text.txt"
chmod 0644 "$work"/*.tif "$work"/*.pbm "$work/text.txt"

# pr ARGS...: rx_print_tool; sets out (its output), rc, job (the first id), err, ms.
pr() {
	out=$("$tool" "$@" 2>&1)
	rc=$?
	job=$(sed -n 's/^job //p' <<<"$out" | head -1)
	err=$(sed -n 's/^error //p' <<<"$out" | head -1)
	ms=$(sed -n 's/^ms //p' <<<"$out")
}
# printed NAME WANT TYPE...: the job completed, the output is the file WANT
# byte for byte, and its documents were typed TYPE...
printed() {
	local name=$1 want=$2 st types
	shift 2
	if [ $rc -ne 0 ] || ! [[ $job =~ ^$CUPSPEER_QUEUE-[0-9]+$ ]]; then
		tap_fail "$name" "exit $rc: $out"
		return
	fi
	st=$(cupspeer_wait_job "$job" 20)
	types=$(cupspeer_job_attr "$job" document-format-detected | tr '\n' ' ')
	if [ "$st" = completed ] && cmp -s "$want" "$CUPSPEER_OUT" && [ "$types" = "$* " ]; then
		tap_ok "$name ($job, $(stat -c %s "$CUPSPEER_OUT") bytes)"
	else
		tap_fail "$name" "state $st, types '$types' (want '$* ')" \
			"$(cmp "$want" "$CUPSPEER_OUT" 2>&1)" "$(cupspeer_log 10)"
	fi
}
srv=(--server "$CUPSPEER_SERVER")
# alive PID: running (a killed orphan may stay a zombie until init reaps it).
alive() {
	local st
	st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ "$st" != Z ]
}

pages=$(tiffinfo "$work/document.tif" 2>/dev/null | grep -c 'TIFF Directory')
pr "${srv[@]}" --queue "$CUPSPEER_QUEUE" --title "fax one" "$work/document.tif"
if [ "$pages" = 2 ]; then
	printed "a 2-page MH TIFF comes out byte for byte" "$work/document.tif" image/tiff
else
	tap_fail "the test TIFF has 2 pages, not $pages"
fi

pr "${srv[@]}" --queue "$CUPSPEER_QUEUE" --title "just text" "$work/text.txt"
printed "a text file comes out byte for byte" "$work/text.txt" text/plain

cat "$work/document.tif" "$work/text.txt" >"$work/both"
pr "${srv[@]}" --queue "$CUPSPEER_QUEUE" --title "fax and text" "$work/document.tif" \
	"$work/text.txt"
printed "TIFF and text as one job of two documents" "$work/both" image/tiff text/plain
n=$(cupspeer_job_attr "$job" number-of-documents)
[ "$n" = 2 ] && tap_ok "the job has 2 documents" || tap_fail "the job has 2 documents, not '$n'"

# ipptool shows a name with \ before " and \.
title='$(touch '"$work"'/pwned); `touch '"$work"'/pwned2` | rm -rf '"$work"' & "q" '"'"'s'"'"' a\b > x < y; *'
shown=${title//\\/\\\\}
shown=${shown//\"/\\\"}
pr "${srv[@]}" --queue "$CUPSPEER_QUEUE" --title "$title" "$work/text.txt"
name=$(cupspeer_job_attr "$job" job-name)
cupspeer_wait_job "$job" >/dev/null
if [ $rc -eq 0 ] && [ "$name" = "$shown" ] && [ ! -e "$work/pwned" ] && [ ! -e "$work/pwned2" ] &&
	[ -f "$work/document.tif" ]; then
	tap_ok "a title with shell metacharacters is the job name, word for word, and runs nothing"
else
	tap_fail "title with shell metacharacters" "exit $rc: $out" "job-name: $name" "want:     $shown" \
		"$(ls "$work")"
fi

pr "${srv[@]}" --queue "$CUPSPEER_QUEUE" --title "$(printf 'Gr\xc3\xbc\xc3\x9fe\nvon\tfax\xff\x01 end \x7f')" \
	"$work/text.txt"
name=$(cupspeer_job_attr "$job" job-name)
cupspeer_wait_job "$job" >/dev/null
[ $rc -eq 0 ] && [ "$name" = "Grüße von fax?  end" ] &&
	tap_ok "control bytes become spaces, invalid UTF-8 '?', UTF-8 stays (cupsd would drop the name)" ||
	tap_fail "title sanitised" "exit $rc: $out" "job-name: '$name'"

long=$(printf 'x%.0s' $(seq 1 300))
pr "${srv[@]}" --queue "$CUPSPEER_QUEUE" --title "$long" "$work/text.txt"
name=$(cupspeer_job_attr "$job" job-name)
cupspeer_wait_job "$job" >/dev/null
[ $rc -eq 0 ] && [ ${#name} -eq 127 ] && tap_ok "a 300-byte title is cut to 127 bytes" ||
	tap_fail "long title" "exit $rc: $out" "job-name length ${#name}"

# The agent runs as its own user.
if irsendd_users; then
	out=$(setpriv --reuid="$IRSD_USER" --regid="$IRSD_USER" --clear-groups "$tool" "${srv[@]}" \
		--queue "$CUPSPEER_QUEUE" --title "as the agent" "$work/document.tif" 2>&1)
	rc=$?
	job=$(sed -n 's/^job //p' <<<"$out")
	owner=$(cupspeer_job_attr "$job" job-originating-user-name)
	printed "the agent's user ($IRSD_USER) prints" "$work/document.tif" image/tiff
	[ "$owner" = "$IRSD_USER" ] && tap_ok "the job is $IRSD_USER's" ||
		tap_fail "the job is $IRSD_USER's" "owner '$owner'"
else
	tap_fail "create the agent's user"
	tap_fail "the job is the agent user's"
fi

pr "${srv[@]}" --queue "$CUPSPEER_QUEUE" --threads 6 "$work/text.txt"
ids=$(sed -n 's/^job //p' <<<"$out" | sort -u | wc -l)
all=1
for j in $(sed -n 's/^job //p' <<<"$out"); do
	cupspeer_wait_job "$j" >/dev/null || all=0
done
[ $rc -eq 0 ] && [ "$ids" = 6 ] && [ $all = 1 ] &&
	tap_ok "6 threads print at once: 6 jobs, all completed" ||
	tap_fail "6 threads at once" "exit $rc, $ids ids, completed: $all" "$out"

# No server given: lp's own default (here CUPS_SERVER), and the default queue.
out=$(CUPS_SERVER=$CUPSPEER_SERVER "$tool" --title "defaults" "$work/text.txt" 2>&1)
rc=$?
job=$(sed -n 's/^job //p' <<<"$out")
printed "no queue, no server: the system's default server and queue" "$work/text.txt" text/plain

pr "${srv[@]}" --queue nosuch "$work/text.txt"
[ $rc -eq 1 ] && [[ $err == *"queue nosuch on the CUPS server $CUPSPEER_SERVER"* ]] &&
	[[ $err == *"does not exist"* ]] && [[ $err != *"not running"* ]] &&
	tap_ok "a missing queue: $err" || tap_fail "missing queue" "exit $rc: $out"

pr "${srv[@]}" --queue "$CUPSPEER_QUEUE" "$work/no-such-file.tif"
[ $rc -eq 1 ] && [[ $err == *no-such-file.tif* ]] && tap_ok "a missing file: $err" ||
	tap_fail "a missing file" "exit $rc: $out"

pr "${srv[@]}" --queue "$CUPSPEER_QUEUE"
[ $rc -eq 1 ] && [ "$err" = "nothing to print" ] && tap_ok "no files: nothing to print" ||
	tap_fail "no files" "exit $rc: $out"

# cupsd stopped (SIGSTOP): the kernel accepts, nobody answers; lp waits forever.
cupspeer_freeze
pr "${srv[@]}" --queue "$CUPSPEER_QUEUE" --timeout-ms 2000 "$work/text.txt"
cupspeer_thaw
[ $rc -eq 1 ] && [[ $err == *"did not finish within 2 s"* ]] && [[ $err == *"$CUPSPEER_SERVER"* ]] &&
	[ "${ms:-0}" -ge 2000 ] && [ "${ms:-0}" -lt 4000 ] &&
	tap_ok "a cupsd that never answers: lp killed after ${ms} ms: $err" ||
	tap_fail "frozen cupsd" "exit $rc: $out"

# A fake lp: what rx_print hands to lp.
mkdir -p "$work/fake"
ln -s "$tool" "$work/fake/lp"
report=$work/fake/report
export RX_PRINT_FAKE_REPORT=$report
: >"$report"
out=$(PATH=$work/fake:$PATH LC_ALL=C.UTF-8 "$tool" "${srv[@]}" --queue q1 --title 'a $(b) c' \
	--open-fds 5 "$work/document.tif" "$work/text.txt" 2>&1)
rc=$?
fds=$(sed -n 's/^fd //p' "$report" | sort -n)
want_fds="0 /dev/null"
if [ $rc -eq 0 ] && [ "$(wc -l <<<"$fds")" = 3 ] && [ "$(sed -n 1p <<<"$fds")" = "$want_fds" ] &&
	[[ $(sed -n 2p <<<"$fds") == "1 pipe:"* ]] && [[ $(sed -n 3p <<<"$fds") == "2 pipe:"* ]]; then
	tap_ok "lp gets stdin /dev/null, stdout and stderr pipes, nothing else (7 left open by the caller)"
else
	tap_fail "descriptors of lp" "exit $rc: $out" "$fds"
fi
args=$(sed -n 's/^arg //p' "$report" | tr '\n' '|')
want="-h|$CUPSPEER_SERVER|-d|q1|-t|a \$(b) c|-o|fit-to-page|--|$work/document.tif|$work/text.txt|"
[ "$args" = "$want" ] && [[ $out == *"job fake-42"* ]] &&
	tap_ok "lp's arguments: -h, -d, -t (one argument), -o fit-to-page for a TIFF, --, the files" ||
	tap_fail "lp's arguments" "got  $args" "want $want" "$out"
blk=$(sed -n 's/^sigblk //p' "$report")
ign=$(sed -n 's/^sigign //p' "$report")
lc=$(sed -n 's/^lc_all //p' "$report")
# Signals 1-31 only: 32 and 33 are glibc's own (sigaction refuses them), and
# whatever started the tests may leave them ignored; lp never uses them.
std() { printf '%016x' $((0x$1 & 0x7fffffff)); }
[ "$(std "$blk")" = 0000000000000000 ] && [ "$(std "$ign")" = 0000000000000000 ] && [ "$lc" = C ] &&
	tap_ok "lp gets no blocked or ignored signal (the agent blocks SIGTERM, ignores SIGPIPE) and LC_ALL=C" ||
	tap_fail "lp's signals and locale" "SigBlk $blk SigIgn $ign LC_ALL $lc"

: >"$report"
PATH=$work/fake:$PATH pr "${srv[@]}" "$work/text.txt"
args=$(sed -n 's/^arg //p' "$report" | tr '\n' '|')
[ "$args" = "-h|$CUPSPEER_SERVER|--|$work/text.txt|" ] &&
	tap_ok "text only, default queue, empty title: no -d, -t, -o" ||
	tap_fail "minimal arguments" "got $args"

: >"$report"
out=$(PATH=$work/fake:$PATH RX_PRINT_FAKE=fail "$tool" "${srv[@]}" --queue q1 "$work/text.txt" 2>&1)
rc=$?
[ $rc -eq 1 ] && [[ $out == *"error queue q1 on the CUPS server $CUPSPEER_SERVER: lp: Error - fake failure; second line"* ]] &&
	tap_ok "lp's error, on one line, names queue and server" || tap_fail "lp's error" "exit $rc: $out"

: >"$report"
out=$(PATH=$work/fake:$PATH RX_PRINT_FAKE=hang "$tool" "${srv[@]}" --timeout-ms 1500 "$work/text.txt" 2>&1)
rc=$?
lp_pid=$(sed -n 's/^pid //p' "$report")
child=$(sed -n 's/^child //p' "$report")
if [ $rc -eq 1 ] && [[ $out == *"did not finish within 2 s"* ]] && [ -n "$lp_pid" ] &&
	[ -n "$child" ] && ! alive "$lp_pid" && ! alive "$child"; then
	tap_ok "a hanging lp and the child it started are both killed at the limit"
else
	tap_fail "hanging lp" "exit $rc: $out" "lp $lp_pid child $child" "$(ps -o pid,stat,cmd -p "$lp_pid,$child" 2>&1)"
	kill -9 "$lp_pid" "$child" 2>/dev/null
fi
unset RX_PRINT_FAKE_REPORT

out=$(PATH=$work/fake/none "$tool" "${srv[@]}" "$work/text.txt" 2>&1)
rc=$?
[ $rc -eq 1 ] && [[ $out == *"cannot run lp: No such file or directory (package cups-client)"* ]] &&
	tap_ok "no lp: cannot run lp" || tap_fail "no lp" "exit $rc: $out"

# cupsd gone: lp alone says "The printer or class does not exist".
cupspeer_stop
pr "${srv[@]}" --queue "$CUPSPEER_QUEUE" --timeout-ms 10000 "$work/text.txt"
[ $rc -eq 1 ] && [[ $err == "the CUPS server $CUPSPEER_SERVER is not running or cannot be reached"* ]] &&
	[ "${ms:-99999}" -lt 10000 ] &&
	tap_ok "a stopped cupsd: said so in ${ms} ms: $err" || tap_fail "stopped cupsd" "exit $rc: $out"
tap_done
