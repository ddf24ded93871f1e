#!/bin/bash
# The Memory RX Inbox without room (the agent's data on a 4 MB tmpfs):
# a message that does not fit waits in the spool (nothing lost), the SMTP
# server answers 452 meanwhile so that senders keep theirs, and once a
# document is deleted the waiting message is stored and the server takes
# mail again. Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh

irsendd_need_root
for t in python3 swaks pbmtext pnmtotiff tiffcp; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
tap_plan 4
work=$(mktemp -d)
trap 'irsendd_cleanup; umount "$work/data" 2>/dev/null; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}
mkdir -p "$work/data"
mount -t tmpfs -o size=4m,mode=0750 tmpfs "$work/data"
chown "$IRSD_USER:$IRSD_USER" "$work/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
irsendd_start "$work" || {
	tap_fail "start irsendd"
	tap_done
}
ctl settings set smtpd.enabled on >/dev/null
ctl service set SMTPRXPN "$port" >/dev/null
irsendd_stop && irsendd_start "$work"

# Pages of noise: G3 barely compresses them, about 600 KB each.
python3 -c '
import os, sys
w, h = 1728, 2400
sys.stdout.buffer.write(b"P4\n%d %d\n" % (w, h) + os.urandom(w // 8 * h))' >"$work/noise.pbm"
pnmtotiff "$work/noise.pbm" >"$work/noise.tif" 2>/dev/null && tiffcp -c g3 "$work/noise.tif" "$work/fax.tif"
sw() { swaks --server 127.0.0.1 --port "$port" --from a@example.org --to fax@irsend.test \
	--attach-type image/tiff --attach "@$work/fax.tif" --header "Subject: $1" 2>&1; }
docs() { ctl box show rx --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["docs"]))'; }
spooled() { ls "$work/data/rx/spool" | grep -c '\.eml$'; }

refused=0
for i in 1 2 3 4 5 6 7 8; do
	out=$(sw "fax $i")
	if grep -q '452 4.3.1' <<<"$out"; then
		refused=$i
		break
	fi
	sleep 0.3
done
n=$(docs)
if [ "$refused" -gt 0 ] && [ "$(spooled)" -ge 1 ] && grep -Eq 'messages wait in the spool|kept in the spool' "$work/irsendd.log"; then
	tap_ok "no room: the message that does not fit waits in the spool ($n stored)"
else
	tap_fail "no room: the message that does not fit waits in the spool" "refused at $refused, $n stored, $(spooled) spooled" "$(tail -5 "$work/irsendd.log")"
fi
[ "$refused" -gt 0 ] && tap_ok "meanwhile the SMTP server answers 452 (message $refused kept by its sender)" ||
	tap_fail "meanwhile the SMTP server answers 452" "never refused"

first=$(ctl box show rx --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["docs"][0]["doc"])')
ctl box delete rx "$first" >/dev/null
for _ in $(seq 50); do [ "$(spooled)" = 0 ] && break; sleep 0.1; done
if [ "$(spooled)" = 0 ] && [ "$(docs)" = "$n" ]; then
	tap_ok "a document deleted: the waiting message is stored, the spool empty"
else
	tap_fail "a document deleted: the waiting message is stored, the spool empty" "$(spooled) spooled, $(docs) docs (was $n)"
fi
# The inbox is full again now; delete two and the server takes mail.
for d in $(ctl box show rx --json | python3 -c 'import json,sys; print(" ".join(str(d["doc"]) for d in json.load(sys.stdin)["docs"][:2]))'); do
	ctl box delete rx "$d" >/dev/null
done
out=$(sw "after room")
grep -q '250 2.0.0' <<<"$out" && tap_ok "with room again the server takes mail" ||
	tap_fail "with room again the server takes mail" "$out"
tap_done
