#!/bin/bash
# File transmission through irsendd (seed 1.2.1): a job with SMB and FTP
# folders among its destinations stores its files there, byte for byte the
# files its User Inbox got, against a real smbd and vsftpd; a wrong
# password is #806 and the job fails; an existing name is refused (#801)
# or suffixed as file.existing says; without the SEND option a folder is
# refused; the password is in no reply, log or job log, and only in the
# job's own file (mode 0600). Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh
. tests/lib/sambapeer.sh
. tests/lib/ftppeer.sh

irsendd_need_root
for t in python3 pbmtext smbd vsftpd; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
tap_plan 9
work=$(mktemp -d)
trap 'irsendd_cleanup; sambapeer_stop; ftppeer_stop; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
if ! sambapeer_start "$work/smb" >"$work/smb.log" 2>&1 || ! ftppeer_start "$work/ftp" plain >"$work/ftp.log" 2>&1; then
	tap_fail "start smbd and vsftpd" "$(tail -5 "$work/smb.log" "$work/ftp.log")"
	tap_done
fi
irsendd_provision "$work" && irsendd_start "$work" || {
	tap_fail "start irsendd"
	tap_done
}
{ echo "irsend file send"; seq 1 30; } | pbmtext >"$work/p.pbm"
chmod 0644 "$work/p.pbm"
smb="//$SAMBAPEER_HOST/$SAMBAPEER_SHARE_RW"
ftp="ftp://127.0.0.1:$FTPPEER_PORT/$FTPPEER_INBOX"
printf '%s\n' "$SAMBAPEER_PASSWORD" >"$work/smb.pw"
printf '%s\n' "$FTPPEER_PASSWORD" >"$work/ftp.pw"
ctl settings set smb.port "$SAMBAPEER_PORT" >/dev/null 2>&1

out=$(ctl send --smb "$smb" --user "$SAMBAPEER_USER" --password-file "$work/smb.pw" "$work/p.pbm" 2>&1)
if [ $? -eq 1 ] && grep -q 'need the SEND option' <<<"$out"; then
	tap_ok "without SEND an SMB folder is refused"
else
	tap_fail "without SEND an SMB folder is refused" "$out"
fi
irsendd_license SEND || {
	tap_fail "license SEND"
	tap_done
}

# job_of OUTPUT: the job id of a follow's output ("job N: ..." or "job N accepted").
job_of() { grep -Eo '^(irsendctl send: )?job [0-9]+' <<<"$1" | grep -Eo '[0-9]+' | head -1; }
out=$(ctl send --box 1 --smb "$smb" --ftp "$ftp" --user "$SAMBAPEER_USER" --password-file "$work/smb.pw" \
	--format pdf --name both "$work/p.pbm" 2>&1)
rc=$?
job=$(job_of "$out")
mkdir -p "$work/exp"
doc=$(ctl box show 1 --json | python3 -c 'import json,sys; print([d["doc"] for d in json.load(sys.stdin)["docs"] if d["name"] == "both"][0])' 2>/dev/null)
ctl box export 1 "$doc" --out "$work/exp" >/dev/null 2>&1
# The FTP login is another user: that destination fails, the SMB one works.
if cmp -s "$work/exp/both.pdf" "$SAMBAPEER_RW_DIR/both.pdf"; then
	tap_ok "SMB: the PDF arrives in the share, byte for byte the box copy"
else
	tap_fail "SMB: the PDF arrives in the share, byte for byte the box copy" "$out" "$(ls "$SAMBAPEER_RW_DIR")"
fi
code=$(ctl job show "$job" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"]["destinations"][2]["code"])')
[ $rc -eq 1 ] && [ "$code" = 806 ] && tap_ok "the FTP server refuses the SMB user: #806, the job failed" ||
	tap_fail "the FTP server refuses the SMB user: #806, the job failed" "exit $rc code $code" "$out"

out=$(ctl send --ftp "$ftp" --user "$FTPPEER_USER" --password-file - --format pdf,tiff-mmr --name viaftp \
	"$work/p.pbm" <"$work/ftp.pw" 2>&1)
if [ $? -eq 0 ] && [ -s "$FTPPEER_ROOT/$FTPPEER_INBOX/viaftp.pdf" ] && [ -s "$FTPPEER_ROOT/$FTPPEER_INBOX/viaftp.tif" ]; then
	tap_ok "FTP: both formats arrive (password from standard input)"
else
	tap_fail "FTP: both formats arrive (password from standard input)" "$out" "$(ls "$FTPPEER_ROOT/$FTPPEER_INBOX" 2>&1)"
fi

out=$(ctl send --smb "$smb" --user "$SAMBAPEER_USER" --password-file "$work/smb.pw" --format pdf --name both \
	"$work/p.pbm" 2>&1)
if [ $? -eq 1 ] && grep -q '#801' <<<"$out"; then
	tap_ok "an existing name is refused (#801) by default"
else
	tap_fail "an existing name is refused (#801) by default" "$out"
fi
ctl settings set file.existing suffix >/dev/null
out=$(IRSEND_FILE_PASSWORD=$SAMBAPEER_PASSWORD ctl send --smb "$smb" --user "$SAMBAPEER_USER" --format pdf \
	--name both "$work/p.pbm" 2>&1)
if [ $? -eq 0 ] && ls "$SAMBAPEER_RW_DIR" | grep -q '^both (2).pdf$'; then
	tap_ok "file.existing suffix: stored as 'both (2).pdf' (password from the environment)"
else
	tap_fail "file.existing suffix: stored as 'both (2).pdf' (password from the environment)" "$out" "$(ls "$SAMBAPEER_RW_DIR")"
fi

out=$(ctl send --smb '\\only-a-server' --user x "$work/p.pbm" 2>&1)
[ $? -eq 1 ] && grep -q 'expected' <<<"$out" && tap_ok "a malformed SMB folder is refused before any job" ||
	tap_fail "a malformed SMB folder is refused before any job" "$out"

# The password: nowhere but the job's own file, which only the agent reads.
joblog=$(find "$work/data" -name joblog.jsonl | head -1)
[ -s "$joblog" ] || leak="no job log found"
leak=${leak:-}$(grep -l -e "$SAMBAPEER_PASSWORD" -e "$FTPPEER_PASSWORD" "$work/irsendd.log" "$joblog" 2>/dev/null;
	ctl jobs --json | grep -c -e "$SAMBAPEER_PASSWORD" -e "$FTPPEER_PASSWORD" | grep -v '^0$')
if [ -z "$leak" ]; then
	tap_ok "no password in the agent's log, the job log or the job list"
else
	tap_fail "no password in the agent's log, the job log or the job list" "$leak"
fi
out=$(ctl send --no-wait --smb "//$SAMBAPEER_HOST/nosuchshare" --user "$SAMBAPEER_USER" \
	--password-file "$work/smb.pw" --name waits "$work/p.pbm" 2>&1)
job=$(job_of "$out")
f=$(ls -d "$work"/data/spool/*"$job"/job.json 2>/dev/null | head -1)
mode=$(stat -c %a "$f" 2>/dev/null)
[ "$mode" = 600 ] && tap_ok "a job's own file (with the password, for its retries) is mode 0600" ||
	tap_fail "a job's own file (with the password, for its retries) is mode 0600" "'$f' mode '$mode'" "$(ls "$work/data/spool" 2>&1)"
tap_done
