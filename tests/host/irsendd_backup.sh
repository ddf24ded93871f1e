#!/bin/bash
# Mail Box backup and restore through irsendd (seed 2.1.9) against a real
# smbd: backup run writes BOX (manifest and files, byte for byte the box
# copies); a second run refuses because BOX exists, and likewise BOX.tmp;
# an agent killed (-9) during a backup leaves the previous BOX intact and
# no other BOX (at most BOX.tmp, which the next run refuses); #806 wrong
# password, #804 missing folder, #807 read-only share; a restore brings
# back documents and settings (PIN hashes) byte for byte and removes
# documents made after the backup; a restore crashing at start resumes at
# the next start. Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh
. tests/lib/sambapeer.sh

irsendd_need_root
for t in python3 pbmtext smbd; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
tap_plan 12
work=$(mktemp -d)
trap 'irsendd_cleanup; sambapeer_stop; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
if ! sambapeer_start "$work/smb" >"$work/smb.log" 2>&1; then
	tap_fail "start smbd" "$(tail -5 "$work/smb.log")"
	tap_done
fi
irsendd_provision "$work" && irsendd_start "$work" || {
	tap_fail "start irsendd"
	tap_done
}
bk="$SAMBAPEER_RW_DIR/bk"
mkdir -p "$bk" && chown "$SAMBAPEER_USER" "$bk"
ctl settings set smb.port "$SAMBAPEER_PORT" >/dev/null &&
	ctl settings set backup.server "\\\\127.0.0.1\\$SAMBAPEER_SHARE_RW" >/dev/null &&
	ctl settings set backup.path bk >/dev/null &&
	ctl settings set backup.user "$SAMBAPEER_USER" >/dev/null &&
	ctl settings set backup.password "$SAMBAPEER_PASSWORD" >/dev/null

# Documents in three boxes, one of them large enough for a backup to take a moment.
{ echo "irsend backup"; seq 1 40; } | pbmtext >"$work/p.pbm"
python3 -c 'import os,sys; w,h=2480,3508; sys.stdout.buffer.write(b"P4\n%d %d\n" % (w,h) + os.urandom(w//8*h))' >"$work/noise.pbm"
chmod 0644 "$work/p.pbm" "$work/noise.pbm"
ctl send --box 1 --format pdf --name first "$work/p.pbm" >/dev/null 2>&1
ctl send --box 1 --format pdf,tiff-mmr --name second "$work/p.pbm" >/dev/null 2>&1
for i in 1 2 3 4; do ctl send --box 2 --format tiff-mmr --name "noise$i" "$work/noise.pbm" >/dev/null 2>&1; done
ctl box set 1 --name "Sales dept" --doc-limit 50 >/dev/null
ctl box set 2 --new-pin 4321 >/dev/null

# state DIR: every box's settings and documents, and every document's files, under DIR.
state() {
	rm -rf "$1" && mkdir -p "$1"
	ctl box list --json | python3 -c 'import json,sys; [print(b["box"],b["name"],b["pin"],b["documents"],b["doc_limit"]) for b in json.load(sys.stdin)["boxes"]]' >"$1/boxes"
	grep -h '^pin=.\|^name=.' "$IRSD_DIR"/data/boxes/user/*/box.conf >"$1/conf" 2>/dev/null
	for b in 1 2 3; do
		ctl box show "$b" --json 2>/dev/null | python3 -c 'import json,sys; [print(d["doc"],d["name"],d["pages"],d["formats"],d["bytes"],d["created"],d["job"]) for d in json.load(sys.stdin)["docs"]]' >"$1/docs$b"
		while read -r doc _; do
			mkdir -p "$1/$b/$doc"
			ctl box export "$b" "$doc" --out "$1/$b/$doc" >/dev/null 2>&1
		done <"$1/docs$b"
	done
}
state "$work/before"

out=$(ctl backup run 2>&1)
rc=$?
n=$(find "$bk/BOX" -type f ! -name manifest.json 2>/dev/null | wc -l)
if [ $rc -eq 0 ] && [ -s "$bk/BOX/manifest.json" ] && [ ! -e "$bk/BOX.tmp" ] && [ "$n" -ge 6 ] &&
	python3 - "$bk/BOX" "$work/before" <<'EOF'; then
import hashlib, json, os, sys
box, before = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(box, "manifest.json")))
assert m["format"] == 1 and m["box_count"] == len(m["boxes"])
seen = 0
for b in m["boxes"]:
    for d in b["documents"]:
        for f in d["files"]:
            data = open(os.path.join(box, f["remote"]), "rb").read()
            assert len(data) == f["size"] and hashlib.sha256(data).hexdigest() == f["sha256"]
            assert data == open(os.path.join(before, str(b["box"]), str(d["id"]), f["name"]), "rb").read()
            seen += 1
assert seen >= 6, seen
EOF
	tap_ok "backup run: BOX with the manifest and every file, byte for byte the box copies"
else
	tap_fail "backup run: BOX with the manifest and every file, byte for byte the box copies" "exit $rc" "$out"
fi
grep -rqs "$SAMBAPEER_PASSWORD" "$IRSD_DIR/irsendd.log" "$bk/BOX/manifest.json" &&
	tap_fail "the password is in no log and not in the backup" ||
	tap_ok "the password is in no log and not in the backup"

out=$(ctl backup run 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q 'BOX exists' <<<"$out" && tap_ok "a second backup refuses: BOX exists" ||
	tap_fail "a second backup refuses: BOX exists" "exit $rc" "$out"
mv "$bk/BOX" "$bk/BOX.prev"
mkdir "$bk/BOX.tmp" && chown "$SAMBAPEER_USER" "$bk/BOX.tmp"
out=$(ctl backup run 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q 'BOX.tmp exists' <<<"$out" && [ ! -e "$bk/BOX" ] &&
	tap_ok "BOX.tmp refuses a backup too" || tap_fail "BOX.tmp refuses a backup too" "exit $rc" "$out"
rmdir "$bk/BOX.tmp"
mv "$bk/BOX.prev" "$bk/BOX"

# kill -9 during backups into a second folder that holds an earlier BOX.
bad=""
for round in 1 2 3 4 5; do
	mkdir -p "$work/kill" "$SAMBAPEER_RW_DIR/k$round"
	cp -a "$bk/BOX" "$SAMBAPEER_RW_DIR/k$round/BOX.prev"
	chown -R "$SAMBAPEER_USER" "$SAMBAPEER_RW_DIR/k$round"
	ctl settings set backup.path "k$round" >/dev/null
	ctl backup run >/dev/null 2>&1 &
	runner=$!
	sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
	irsendd_kill9
	wait "$runner"
	d="$SAMBAPEER_RW_DIR/k$round"
	# BOX complete (the run ended first) or absent; the earlier backup untouched.
	diff -r "$bk/BOX" "$d/BOX.prev" >/dev/null || bad="$bad r$round:prev"
	[ -e "$d/BOX" ] && [ ! -s "$d/BOX/manifest.json" ] && bad="$bad r$round:nomanifest"
	echo "# round $round: $(ls "$d" | tr '\n' ' ')"
	irsendd_start "$work" || bad="$bad r$round:restart"
	if [ -e "$d/BOX.tmp" ]; then
		out=$(ctl backup run 2>&1)
		grep -q 'BOX.tmp exists' <<<"$out" || bad="$bad r$round:tmp-not-refused"
	fi
done
[ -z "$bad" ] && tap_ok "kill -9 during a backup: the earlier BOX intact, never a partial BOX, BOX.tmp refused" ||
	tap_fail "kill -9 during a backup: the earlier BOX intact, never a partial BOX, BOX.tmp refused" "$bad"

# errors
ctl settings set backup.path bk >/dev/null
ctl settings set backup.password "wrong-password" >/dev/null
out=$(ctl backup run 2>&1)
grep -q '#806' <<<"$out" && tap_ok "wrong password: #806" || tap_fail "wrong password: #806" "$out"
ctl settings set backup.password "$SAMBAPEER_PASSWORD" >/dev/null
ctl settings set backup.path nope >/dev/null
out=$(ctl backup run 2>&1)
grep -q '#804' <<<"$out" && tap_ok "missing folder: #804" || tap_fail "missing folder: #804" "$out"
ctl settings set backup.path "" >/dev/null
ctl settings set backup.server "\\\\127.0.0.1\\$SAMBAPEER_SHARE_RO" >/dev/null
out=$(ctl backup run 2>&1)
grep -q '#807' <<<"$out" && tap_ok "read-only share: #807" || tap_fail "read-only share: #807" "$out"
ctl settings set backup.server "\\\\127.0.0.1\\$SAMBAPEER_SHARE_RW" >/dev/null
ctl settings set backup.path bk >/dev/null

# Changes after the backup, then the restore.
ctl send --box 3 --format pdf --name later "$work/p.pbm" >/dev/null 2>&1
ctl box delete 1 1 >/dev/null 2>&1
ctl box set 2 --pin 4321 --new-pin 999 >/dev/null
ctl box set 1 --name "renamed" >/dev/null
state "$work/changed"
out=$(ctl restore 2>&1)
rc=$?
out2=$(ctl restore --yes 2>&1)
rc2=$?
[ $rc -eq 2 ] && [ $rc2 -eq 0 ] && ctl restore status | grep -q 'yes, at the next start' &&
	tap_ok "restore asks for --yes, then is scheduled for the next start" ||
	tap_fail "restore asks for --yes, then is scheduled for the next start" "$rc $out" "$rc2 $out2"

# The restore runs from irsendd's start-up (main.c calls backup_restore_at_start()).
if ! grep -q backup_restore_at_start user/irsendd/main.c; then
	for t in "a restore interrupted at start resumes at the next start" \
		"restore: documents and settings (PIN hash) as backed up, later documents gone" \
		"restore status: the report (6 documents); the Memory RX Inbox empty"; do
		tap_skip "$t" "irsendd does not run the restore at start yet"
	done
	tap_done
fi
irsendd_stop
export IRSEND_TEST_RESTORE_CRASH_AT=20
irsendd_start "$work" >/dev/null 2>&1
unset IRSEND_TEST_RESTORE_CRASH_AT
irsendd_kill9
st=$(cat "$IRSD_DIR/data/restore/state" 2>/dev/null)
irsendd_start "$work"
state "$work/after"
if [ "$st" = applying ] && diff -r "$work/before" "$work/after" >/dev/null; then
	tap_ok "a restore interrupted at start resumes at the next start"
else
	tap_fail "a restore interrupted at start resumes at the next start" "state after the crash: $st" "$(diff -r "$work/before" "$work/after" | head -5)"
fi
if diff -r "$work/before" "$work/after" >/dev/null && ! diff -r "$work/changed" "$work/after" >/dev/null &&
	[ ! -s "$work/after/docs3" ] && ctl box show 2 --pin 4321 >/dev/null 2>&1; then
	tap_ok "restore: documents and settings (PIN hash) as backed up, later documents gone"
else
	tap_fail "restore: documents and settings (PIN hash) as backed up, later documents gone" "$(diff -r "$work/before" "$work/after" | head -5)"
fi
out=$(ctl restore status 2>&1)
grep -q 'result: done' <<<"$out" && grep -q 'documents 6' <<<"$out" && [ "$(ctl box show rx --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["docs"]))')" = 0 ] &&
	tap_ok "restore status: the report (6 documents); the Memory RX Inbox empty" ||
	tap_fail "restore status: the report (6 documents); the Memory RX Inbox empty" "$out"
tap_done
