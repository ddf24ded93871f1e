#!/bin/bash
# The job journal against kill -9 of irsendd: rounds of jobs from files,
# the agent killed while it accepts a job (spooling its pages from a slow
# pipe, while another job runs), while it
# encodes and while it stores into the User Inboxes, then restarted. In the
# end every job a client saw accepted is in the job log exactly once and
# ended ok, every box holds exactly one document per job sent to it, and
# the exported documents pass qpdf --check and tiffinfo. SIGTERM: exit 0,
# the job in progress kept in the journal and finished after a restart.
# Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh

irsendd_need_root
for t in python3 pbmtext pnmpad pamenlarge qpdf tiffinfo; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
ROUNDS=10
tap_plan 14
work=$(mktemp -d)
trap 'irsendd_cleanup; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
data=$work/data
spool=$data/spool

# A4 at 200 dpi, 1 bit, with text so that the encoders have work.
{
	echo "irsendd journal test"
	seq 1 60 | sed 's/^/line \0: the quick brown fox jumps over the lazy dog/'
} | pbmtext -builtin fixed | pamenlarge 2 |
	pnmpad -white -left 60 -top 80 -width 1728 -height 2339 >"$work/page.pbm"
for _ in $(seq 1 30); do cat "$work/page.pbm"; done >"$work/p30.pbm"
for _ in $(seq 1 100); do cat "$work/page.pbm"; done >"$work/p100.pbm"

: >"$work/accepted"
: >"$work/hits"
njob=0
clients=

# submit FILE FORMATS BOXES: send with --no-wait in the background; the
# job id the client was given goes to $work/accepted.
submit() {
	njob=$((njob + 1))
	(
		out=$(ctl send --no-wait --json --name "j$njob" --format "$2" --box "$3" "$1" 2>/dev/null)
		id=$(echo "$out" | sed -n 's/^{"job":\([0-9]*\)}$/\1/p')
		[ -n "$id" ] && echo "$id $3" >>"$work/accepted"
	) &
	clients="$clients $!"
}

# wait_clients: the clients started by submit (not the agent: it is a child too).
wait_clients() {
	[ -n "$clients" ] && wait $clients
	clients=
}

# wait_state STAGE SECONDS: until some job's state file says STAGE.
wait_state() {
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		grep -qs "\"stage\":\"$1\"" "$spool"/[0-9]*/state.json && return 0
		sleep 0.01
	done
	return 1
}

# What the journal shows right after a kill: .new- (accepting) or a stage.
record_hit() {
	local s
	ls -a "$spool" | grep -q '^\.new-' && echo accepting >>"$work/hits"
	for s in "$spool"/[0-9]*/state.json; do
		[ -e "$s" ] && sed -n 's/.*"stage":"\([a-z]*\)".*/\1/p' "$s" >>"$work/hits"
	done
}

# submit_slowly FILE FORMATS BOXES: as submit, the pages through a pipe
# that pauses half way (a scanner's pace): the agent is still accepting.
submit_slowly() {
	njob=$((njob + 1))
	(
		out=$({ cat "$1"; sleep 2; cat "$1"; } |
			ctl send --no-wait --json --name "j$njob" --format "$2" --box "$3" - 2>/dev/null)
		id=$(echo "$out" | sed -n 's/^{"job":\([0-9]*\)}$/\1/p')
		[ -n "$id" ] && echo "$id $3" >>"$work/accepted"
	) &
	clients="$clients $!"
}

# storing_round: eight boxes, and one file per page to link into each;
# the kill comes within 10 ms of the storing stage.
storing_round() {
	submit "$work/p100.pbm" pdf,pdf-split 1,2,3,4,5,6,7,8
	wait_state storing 30
	sleep "0.00$((RANDOM % 10))"
}

# encoding_round: a 100-page job, killed at a random page of its encoding.
encoding_round() {
	submit "$work/p100.pbm" pdf,tiff-mmr 1,3
	wait_state encoding 20
	sleep "0.$((RANDOM % 8))"
}

started=0
for round in $(seq 1 $ROUNDS); do
	irsendd_start "$work" && started=$((started + 1))
	case $((round % 3)) in
	1) # accepting: killed while it spools pages that come slowly through a pipe
		submit "$work/p30.pbm" pdf,tiff-mmr 1,2
		submit_slowly "$work/p30.pbm" pdf,tiff-mmr 3,4
		sleep "0.$((RANDOM % 5 + 3))"
		;;
	2) # encoding, at a random page
		encoding_round
		;;
	0) # storing: eight boxes, and one file per page to link into each
		storing_round
		;;
	esac
	irsendd_kill9
	wait_clients
	record_hit
done
# A stage may be short, and a recovered job may run first: a few more
# rounds of each stage no kill has landed in yet (counted like the others).
for stage in encoding storing; do
	for _ in 1 2 3 4 5; do
		grep -qx $stage "$work/hits" && break
		irsendd_start "$work" && started=$((started + 1))
		${stage}_round
		irsendd_kill9
		wait_clients
		record_hit
		ROUNDS=$((ROUNDS + 1))
	done
done
if [ $started -eq $ROUNDS ]; then
	tap_ok "irsendd started $ROUNDS times on the same journal"
else
	tap_fail "irsendd started $ROUNDS times on the same journal" "only $started"
fi
echo "# stages at the kills: $(sort "$work/hits" | uniq -c | tr -s ' \n' ' ')"
for stage in accepting encoding storing; do
	if grep -qx $stage "$work/hits"; then
		tap_ok "a kill -9 hit the $stage stage"
	else
		tap_fail "a kill -9 hit the $stage stage" "hits: $(sort "$work/hits" | uniq -c)"
	fi
done

# The last start finishes what the journal holds.
irsendd_start "$work"
wait_idle() {
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		ctl jobs --json --recent 0 2>/dev/null | grep -q '"active":\[\]' && return 0
		sleep 0.2
	done
	return 1
}
if wait_idle 90; then
	tap_ok "every recovered job ran to its end"
else
	tap_fail "every recovered job ran to its end" "$(ctl jobs --json --recent 0)"
fi
ctl jobs --json --recent 1000 >"$work/jobs.json"
for b in 1 2 3 4 5 6 7 8; do
	ctl box show "$b" --json >"$work/box$b.json" || echo '{}' >"$work/box$b.json"
done

# check.py prints "ok NAME" or "fail NAME: why" lines, and the docs to export.
cat >"$work/check.py" <<'PY'
import json, os, sys
work, data = sys.argv[1], sys.argv[2]
accepted = {}
for line in open(f"{work}/accepted"):
    jid, boxes = line.split()
    accepted[int(jid)] = [int(b) for b in boxes.split(",")]
log = []
for line in open(f"{data}/joblog.jsonl"):
    try:
        log.append(json.loads(line))
    except ValueError:
        pass
ended = json.load(open(f"{work}/jobs.json"))["ended"]
ids = [e["job"]["id"] for e in log]
dups = sorted({i for i in ids if ids.count(i) > 1})
print("ok no job is twice in the job log" if not dups else f"fail no job is twice in the job log: {dups}")
api_ids = sorted(e["job"]["id"] for e in ended)
print("ok irsendctl jobs lists the job log" if api_ids == sorted(ids) else
      f"fail irsendctl jobs lists the job log: {api_ids} vs {sorted(ids)}")
byid = {e["job"]["id"]: e for e in log}
missing = sorted(set(accepted) - set(byid))
print(f"ok all {len(accepted)} accepted jobs are in the job log" if not missing and accepted else
      f"fail all accepted jobs are in the job log: missing {missing}, accepted {sorted(accepted)}")
bad = {i: byid[i]["state"].get("message") for i in accepted if i in byid and byid[i]["state"]["result"] != "ok"}
print("ok every accepted job ended ok" if not bad else f"fail every accepted job ended ok: {bad}")
# Documents: exactly one per (ok job, box), none else.
want = {b: set() for b in range(1, 9)}
for e in log:
    if e["state"]["result"] == "ok":
        for d in e["job"]["destinations"]:
            want[d["box"]].add(e["job"]["id"])
problems = []
export = []
total = 0
for b in range(1, 9):
    box = json.load(open(f"{work}/box{b}.json"))
    docs = box.get("docs", [])
    total += len(docs)
    jobs = [d["job"] for d in docs]
    if len(jobs) != len(set(jobs)):
        problems.append(f"box {b}: a job stored twice: {sorted(jobs)}")
    if set(jobs) != want[b]:
        problems.append(f"box {b}: jobs {sorted(set(jobs))}, the log says {sorted(want[b])}")
    if box.get("documents") != len(docs):
        problems.append(f"box {b}: documents {box.get('documents')} but {len(docs)} listed")
    for d in docs:
        if "pdf-split" not in d["formats"]:
            export.append(f"{b} {d['doc']} {d['pages']}")
            break
print(f"ok the boxes hold one document per job and destination ({total} documents)" if not problems and total
      else f"fail the boxes hold one document per job and destination: {problems}")
with open(f"{work}/export.list", "w") as f:
    f.write("\n".join(export) + "\n")
PY
python3 "$work/check.py" "$work" "$data" >"$work/check.out" 2>&1 || echo "fail check.py: $(cat "$work/check.out")" >>"$work/check.out"
while read -r verdict rest; do
	case $verdict in
	ok) tap_ok "$rest" ;;
	*) tap_fail "${rest%%:*}" "${rest#*:}" ;;
	esac
done <"$work/check.out"

# Export one document of each box that has one; check its files.
badexp=
nexp=0
while read -r b doc pages; do
	[ -n "$b" ] || continue
	mkdir -p "$work/exp$b"
	if ! ctl box export "$b" "$doc" --out "$work/exp$b" >/dev/null; then
		badexp="$badexp box $b doc $doc: export failed;"
		continue
	fi
	for f in "$work/exp$b"/*.pdf; do
		qpdf --check "$f" >/dev/null 2>&1 || badexp="$badexp $f fails qpdf --check;"
		n=$(qpdf --show-npages "$f" 2>/dev/null)
		[ "$n" = "$pages" ] || badexp="$badexp $f has $n pages, not $pages;"
		nexp=$((nexp + 1))
	done
	for f in "$work/exp$b"/*.tif; do
		[ -e "$f" ] || continue
		n=$(tiffinfo "$f" 2>/dev/null | grep -c 'TIFF Directory')
		[ "$n" = "$pages" ] || badexp="$badexp $f has $n TIFF pages, not $pages;"
	done
done <"$work/export.list"
if [ -z "$badexp" ] && [ $nexp -gt 0 ]; then
	tap_ok "$nexp exported PDFs pass qpdf --check, with their TIFFs, every page there"
else
	tap_fail "exported PDFs pass qpdf --check" "$badexp ($nexp checked)"
fi
left=$(ls -A "$spool" "$data/boxes/.staging" 2>/dev/null | grep -v ':$' | grep -v '^$')
if [ -z "$left" ]; then
	tap_ok "nothing left in the spool or the box staging area"
else
	tap_fail "nothing left in the spool or the box staging area" "$left"
fi

# SIGTERM: the job in progress stays in the journal and ends after a restart.
: >"$work/accepted"
submit "$work/p100.pbm" pdf 5
wait_clients
term_id=$(cut -d' ' -f1 "$work/accepted")
wait_state encoding 20
irsendd_stop
rc=$?
if [ "$rc" -eq 0 ] && [ -n "$term_id" ] && [ -e "$spool/$(printf %08u "$term_id")/state.json" ] &&
	! grep -q "\"id\":$term_id," "$data/joblog.jsonl"; then
	tap_ok "SIGTERM during encoding: exit 0, job $term_id kept in the journal"
else
	tap_fail "SIGTERM during encoding: exit 0, job kept in the journal" "exit $rc, job '$term_id'" \
		"$(ls "$spool")" "$(tail -n 5 "$work/irsendd.log")"
fi
irsendd_start "$work"
wait_idle 60
n=$(grep -c "\"id\":$term_id,.*\"result\":\"ok\"" "$data/joblog.jsonl")
docs=$(ctl box show 5 --json | grep -o "\"job\":$term_id[,}]" | wc -l)
if [ -n "$term_id" ] && [ "$n" = 1 ] && [ "$docs" = 1 ]; then
	tap_ok "after the restart job $term_id ended ok once, one document in box 5"
else
	tap_fail "after the restart the job ended ok once" "log lines $n, documents $docs"
fi
irsendd_stop
tap_done
