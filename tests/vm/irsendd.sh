#!/bin/bash
# irsendd with the module, on the scratch disk $IRSEND_TEST_DATA: the agent
# mounts the blank data partition (making ext4), scans from the simulated
# ADF into a User Inbox as PDF and MMR TIFF, survives kill -9 during a scan
# and during encoding (nothing lost, nothing twice), cancels, stops cleanly
# on SIGTERM, and applies the saved MAC allow-list at start.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
ctl=$PWD/build/bin/irsendctl
agentd=$PWD/build/bin/irsendd
disk=${IRSEND_TEST_DATA:-/dev/vdb}
d=$(mktemp -d)
log=$d/irsendd.log
export IRSEND_SOCKET=/run/irsend/irsendd.sock
pid=

stop_agent() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pid=
}
cleanup() {
	stop_agent
	umount /var/lib/irsend 2>/dev/null
	$ctl macfilter off --no-save >/dev/null 2>&1
	$ctl macfilter flush --no-save >/dev/null 2>&1
	$ctl hdd detach >/dev/null 2>&1
	wipefs -qa "$disk" >/dev/null 2>&1
	blockdev --rereadpt "$disk" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT

# Start the agent with its defaults; wait until it answers.
start_agent() {
	"$agentd" >>"$log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		$ctl jobs >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# The stage of job $1 (empty once it ended).
stage_of() {
	$ctl jobs --json 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin)["active"]:
    if e["job"]["id"] == int(sys.argv[1]):
        print(e["state"]["stage"], e["state"]["pages"])' "$1"
}

# wait_stage JOB STAGE MIN_PAGES: poll (for a minute at most) until the job
# is there; fails at once when the job has ended.
wait_stage() {
	local end=$((SECONDS + 60)) st pg
	while [ $SECONDS -lt $end ]; do
		read -r st pg <<<"$(stage_of "$1")"
		[ -z "$st" ] && return 1
		[ "$st" = "$2" ] && [ "${pg:-0}" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_end JOB: poll (two minutes at most) until the job has ended.
wait_end() {
	local end=$((SECONDS + 120))
	while [ $SECONDS -lt $end ] && [ -n "$(stage_of "$1")" ]; do
		sleep 0.1
	done
}

# job_field ID EXPR: a field of the ended job (python expression on e).
job_field() {
	$ctl job show "$1" --json | python3 -c "import json,sys; e=json.load(sys.stdin); print($2)"
}

box_docs() {
	$ctl box show "$1" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["docs"]))'
}

tap_plan 14

# A fresh disk: partitioned, attached, its data partition blank.
$ctl hdd detach >/dev/null 2>&1
$ctl hdd format "$disk" --yes >/dev/null 2>&1
dd if=/dev/zero of="${disk}2" bs=1M count=4 status=none
id irsend >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin irsend
getent group irsend >/dev/null || groupadd --system irsend

if start_agent && findmnt -n -o FSTYPE /var/lib/irsend | grep -qx ext4 &&
	[ "$(stat -c %U /var/lib/irsend)" = irsend ] &&
	grep -q 'CapEff:	0000000000000000' /proc/"$pid"/status &&
	[ "$(awk '/^Uid:/ {print $2}' /proc/"$pid"/status)" = "$(id -u irsend)" ]; then
	tap_ok "irsendd with its defaults: ext4 made and mounted on the blank data partition, runs as irsend without capabilities"
else
	tap_fail "irsendd with its defaults: ext4 made and mounted on the blank data partition, runs as irsend without capabilities" \
		"$(cat "$log")" "$(findmnt /var/lib/irsend)"
fi

out=$($ctl send --box 1 --format pdf,tiff-mmr --name scan3 --scan 3 2>&1)
rc=$?
mkdir -p "$d/out"
if [ $rc -eq 0 ] && grep -q 'ok, 3 pages: box 1 document 1' <<<"$out" &&
	$ctl box export 1 1 --out "$d/out" >/dev/null &&
	[ "$(pdfinfo "$d/out/scan3.pdf" | awk '/^Pages:/ {print $2}')" = 3 ] &&
	qpdf --check "$d/out/scan3.pdf" >/dev/null &&
	[ "$(tiffinfo "$d/out/scan3.tif" 2>/dev/null | grep -c 'TIFF Directory')" = 3 ] &&
	tiffinfo "$d/out/scan3.tif" 2>/dev/null | grep -q 'CCITT Group 4'; then
	tap_ok "send --scan 3: a 3-page PDF and MMR TIFF in box 1, exported and valid"
else
	tap_fail "send --scan 3: a 3-page PDF and MMR TIFF in box 1, exported and valid" "exit $rc" "$out" \
		"$(ls -l "$d/out")"
fi

# kill -9 in the middle of a scan: the job ends with a recorded error, no document.
out=$($ctl send --box 2 --scan 20 --pace 300 --no-wait 2>&1)
job=$(awk '/accepted/ {print $2}' <<<"$out")
if wait_stage "$job" scanning 2; then
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	pid=
	start_agent
fi
if [ -n "$job" ] && [ "$(job_field "$job" 'e["state"]["result"]')" = failed ] &&
	[ "$(job_field "$job" 'e["state"]["code"]')" = 751 ] && [ "$(box_docs 2)" = 0 ]; then
	tap_ok "kill -9 during a scan: after restart the job ended as failed with #751, nothing stored"
else
	tap_fail "kill -9 during a scan: after restart the job ended as failed with #751, nothing stored" \
		"$out" "$($ctl job show "$job" 2>&1)" "$(tail -5 "$log")"
fi

# The page ring is free again: a new scan goes through.
out=$($ctl send --box 2 --scan 1 2>&1) && grep -q 'box 2 document 1' <<<"$out" &&
	tap_ok "the page ring is usable after the killed agent" ||
	tap_fail "the page ring is usable after the killed agent" "$out"

# kill -9 while encoding: the job resumes and stores exactly one document.
out=$($ctl send --box 3 --format pdf,tiff-mmr --res 600 --scan 4 --no-wait 2>&1)
job=$(awk '/accepted/ {print $2}' <<<"$out")
if wait_stage "$job" encoding 4; then
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	pid=
	start_agent
fi
wait_end "$job"
if [ "$(job_field "$job" 'e["state"]["result"]')" = ok ] && [ "$(box_docs 3)" = 1 ] &&
	grep -q "job $job: recovered from the journal at stage encoding" "$log"; then
	tap_ok "kill -9 while encoding: recovered, the job ends ok with one document"
else
	tap_fail "kill -9 while encoding: recovered, the job ends ok with one document" \
		"$($ctl job show "$job" 2>&1)" "$(tail -8 "$log")"
fi

# Cancel during the scan: #099, nothing stored.
out=$($ctl send --box 4 --scan 10 --pace 300 --no-wait 2>&1)
job=$(awk '/accepted/ {print $2}' <<<"$out")
wait_stage "$job" scanning 1
$ctl job cancel "$job" >/dev/null 2>&1
wait_end "$job"
if [ "$(job_field "$job" 'e["state"]["result"]')" = cancelled ] &&
	[ "$(job_field "$job" 'e["state"]["code"]')" = 99 ] && [ "$(box_docs 4)" = 0 ]; then
	tap_ok "job cancel during a scan: cancelled with #099, nothing stored"
else
	tap_fail "job cancel during a scan: cancelled with #099, nothing stored" "$($ctl job show "$job" 2>&1)"
fi

# A paper jam fails the job and says so.
out=$($ctl send --box 4 --scan 3 --jam-at 2 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q 'paper jam' <<<"$out" && [ "$(box_docs 4)" = 0 ] &&
	tap_ok "a paper jam fails the job with a message, nothing stored" ||
	tap_fail "a paper jam fails the job with a message, nothing stored" "exit $rc" "$out"

# SIGTERM during a scan: the scan finishes, the agent exits 0, the job ends after restart.
out=$($ctl send --box 5 --scan 3 --pace 1000 --no-wait 2>&1)
job=$(awk '/accepted/ {print $2}' <<<"$out")
wait_stage "$job" scanning 1
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
start_agent
wait_end "$job"
if [ $rc -eq 0 ] && [ "$(job_field "$job" 'e["state"]["result"]')" = ok ] &&
	[ "$(job_field "$job" 'e["state"]["pages"]')" = 3 ] && [ "$(box_docs 5)" = 1 ]; then
	tap_ok "SIGTERM during a scan: the scan completes, exit 0, the job finishes after restart"
else
	tap_fail "SIGTERM during a scan: the scan completes, exit 0, the job finishes after restart" \
		"exit $rc" "$($ctl job show "$job" 2>&1)" "$(tail -8 "$log")"
fi

# The saved MAC allow-list lives on the data disk and is applied at start.
mac=52:54:00:aa:bb:01
$ctl macfilter add $mac >/dev/null 2>&1
$ctl macfilter on >/dev/null 2>&1
$ctl macfilter off --no-save >/dev/null 2>&1
$ctl macfilter flush --no-save >/dev/null 2>&1
stop_agent
start_agent
out=$($ctl macfilter list 2>&1)
if grep -qi "$mac" <<<"$out" && $ctl macfilter stats --json 2>/dev/null | grep -q '"enabled": *\(1\|true\)' &&
	grep -q 'MAC allow-list applied' "$log"; then
	tap_ok "the saved MAC allow-list (on the data disk) is applied when irsendd starts"
else
	tap_fail "the saved MAC allow-list (on the data disk) is applied when irsendd starts" "$out" \
		"$($ctl macfilter stats --json 2>&1)" "$(grep -i mac "$log")"
fi
$ctl macfilter off >/dev/null 2>&1
$ctl macfilter flush >/dev/null 2>&1

# The documents survive a restart (the partition is mounted again, not remade).
stop_agent
umount /var/lib/irsend
start_agent
[ "$(box_docs 1)" = 1 ] && [ "$(box_docs 3)" = 1 ] &&
	tap_ok "after unmount and restart every document is still there" ||
	tap_fail "after unmount and restart every document is still there" "$($ctl box list 2>&1)"

# A second agent refuses to take over the live socket.
"$agentd" >"$d/second.log" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q 'another irsendd\|page ring' "$d/second.log" &&
	tap_ok "a second irsendd refuses to start while one runs" ||
	tap_fail "a second irsendd refuses to start while one runs" "exit $rc" "$(cat "$d/second.log")"

# Job ids are never reused across restarts.
ids=$($ctl jobs --recent 100 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
ids = [e["job"]["id"] for e in d["active"] + d["ended"]]
print(len(ids), len(set(ids)))')
[ "$(cut -d" " -f1 <<<"$ids")" = "$(cut -d" " -f2 <<<"$ids")" ] && [ "${ids%% *}" -ge 7 ] &&
	tap_ok "job ids stay unique across restarts ($ids)" ||
	tap_fail "job ids stay unique across restarts" "$ids"

# The NVRAM counters count what the job log says.
ok_jobs=$($ctl jobs --recent 100 --json | python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["ended"] if e["state"].get("result") == "ok"))')
out=$($ctl nvram get counters 2>&1)
grep -q "jobs_ok=$ok_jobs " <<<"$out" && grep -q 'jobs_cancelled=1 ' <<<"$out" &&
	grep -q 'pages_scanned=' <<<"$out" &&
	tap_ok "NVRAM counters: jobs_ok=$ok_jobs as in the job log, one cancelled" ||
	tap_fail "NVRAM counters: jobs_ok=$ok_jobs as in the job log, one cancelled" "$out"

# Service-mode values live in NVRAM: they survive a restart and the data partition.
$ctl service set SMTPTXPN 2525 >/dev/null 2>&1
stop_agent
umount /var/lib/irsend
start_agent
[ "$($ctl service get SMTPTXPN 2>&1)" = 2525 ] && $ctl nvram get service 2>&1 | grep -q . &&
	$ctl service set SMTPTXPN 70000 2>&1 | grep -q '1-65535' &&
	tap_ok "service-mode SMTPTXPN=2525 kept in NVRAM across a restart; 70000 refused with the range" ||
	tap_fail "service-mode SMTPTXPN=2525 kept in NVRAM across a restart; 70000 refused with the range" \
		"$($ctl service get SMTPTXPN 2>&1)" "$($ctl service set SMTPTXPN 70000 2>&1)"

tap_done
