#!/bin/bash
# irsendctl scan, capture and feed against the module: real page files,
# byte-identical feeding of pages written by other tools (netpbm, and SANE's
# scanimage with its test backend), cancel by SIGINT, clear failures.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
ctl=$PWD/build/bin/irsendctl
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

tap_plan 10

# Pixel data of a binary PNM: the file without its header (3 tokens).
pixels() {
	python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
pos, tokens = 2, 2 if data[:2] == b"P4" else 3
for _ in range(tokens):
    while True:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] != b"#":
            break
        pos = data.index(b"\n", pos) + 1
    while data[pos:pos + 1].isdigit():
        pos += 1
sys.stdout.buffer.write(data[pos + 1:])
' "$1"
}

out=$($ctl scan --pages 5 --res 600 --size A4 --depth 1 --out "$d/p" 2>&1)
rc=$?
n_ok=$(grep -c 'crc ok' <<<"$out")
dims=$(for i in 1 2 3 4 5; do pnmfile "$d/p/page-000$i.pbm" 2>&1; done | grep -c 'PBM raw, 4960 by 7016')
if [ $rc -eq 0 ] && [ "$n_ok" -eq 5 ] && [ "$dims" -eq 5 ] && [ ! -e "$d/p/page-0006.pbm" ]; then
	tap_ok "scan writes five 4960x7016 PBM pages at A4 600 dpi, crc ok"
else
	tap_fail "scan writes five 4960x7016 PBM pages at A4 600 dpi, crc ok" "exit $rc" "$out"
fi

if pnmtopng "$d/p/page-0003.pbm" >"$d/page3.png" 2>/dev/null &&
	pngtopnm "$d/page3.png" | cmp -s - "$d/p/page-0003.pbm"; then
	tap_ok "a scanned page opens in netpbm and survives a PNG round trip"
else
	tap_fail "a scanned page opens in netpbm and survives a PNG round trip"
fi

out=$($ctl scan --res 150 --size A5 --depth 24 --out "$d/c" 2>&1)
rc=$?
if [ $rc -eq 0 ] && pnmfile "$d/c/page-0001.ppm" | grep -q 'PPM raw, 872 by 1240  maxval 255'; then
	tap_ok "a 24-bit A5 150 dpi scan is an 872x1240 PPM"
else
	tap_fail "a 24-bit A5 150 dpi scan is an 872x1240 PPM" "exit $rc" "$out" \
		"$(pnmfile "$d/c/page-0001.ppm" 2>&1)"
fi

# Pages written by netpbm, fed and captured, come back byte-identical.
pgmramp -lr 333 222 >"$d/a.pgm"
pbmmake -gray 101 77 >"$d/b.pbm"
ppmpat -g2 -color red,blue 63 45 >"$d/c.ppm" 2>/dev/null || ppmmake red 63 45 >"$d/c.ppm"
$ctl capture --out "$d/cap" --jobs 1 --timeout 60 --ready-file "$d/ready" >"$d/cap.out" 2>&1 &
cap=$!
for _ in $(seq 100); do [ -e "$d/ready" ] && break; sleep 0.1; done
feed_out=$($ctl feed "$d/a.pgm" "$d/b.pbm" "$d/c.ppm" 2>&1)
feed_rc=$?
wait $cap
cap_rc=$?
same=0
for f in "$d"/cap/job-*-page-0001.pgm "$d"/cap/job-*-page-0002.pbm "$d"/cap/job-*-page-0003.ppm; do
	[ -f "$f" ] || continue
	case $f in *0001.pgm) src=$d/a.pgm ;; *0002.pbm) src=$d/b.pbm ;; *) src=$d/c.ppm ;; esac
	cmp -s <(pixels "$src") <(pixels "$f") && same=$((same + 1))
done
if [ $feed_rc -eq 0 ] && [ $cap_rc -eq 0 ] && [ $same -eq 3 ]; then
	tap_ok "three netpbm pages fed through the ring arrive byte-identical"
else
	tap_fail "three netpbm pages fed through the ring arrive byte-identical" \
		"feed $feed_rc: $feed_out" "capture $cap_rc: $(cat "$d/cap.out")" "identical: $same"
fi

# A real SANE frontend, piped straight in.
mkdir -p "$d/sane"
echo test >"$d/sane/dll.conf"
export SANE_CONFIG_DIR=$d/sane
scanimage -d test --format=pnm --mode Color --resolution 75 >"$d/ref.pnm" 2>/dev/null
rm -f "$d/ready"
$ctl capture --out "$d/sanecap" --jobs 1 --timeout 60 --ready-file "$d/ready" >"$d/cap2.out" 2>&1 &
cap=$!
for _ in $(seq 100); do [ -e "$d/ready" ] && break; sleep 0.1; done
scanimage -d test --format=pnm --mode Color --resolution 75 2>/dev/null | $ctl feed --res 75 - >"$d/feed2.out" 2>&1
feed_rc=$?
wait $cap
cap_rc=$?
got=$(ls "$d"/sanecap/job-*-page-0001.ppm 2>/dev/null | head -n 1)
if [ $feed_rc -eq 0 ] && [ $cap_rc -eq 0 ] && [ -n "$got" ] &&
	cmp -s <(pixels "$d/ref.pnm") <(pixels "$got") && [ -s "$d/ref.pnm" ]; then
	tap_ok "scanimage --format=pnm | irsendctl feed - delivers the scanner's pixels"
else
	tap_fail "scanimage --format=pnm | irsendctl feed - delivers the scanner's pixels" \
		"feed $feed_rc: $(cat "$d/feed2.out")" "capture $cap_rc: $(cat "$d/cap2.out")"
fi
unset SANE_CONFIG_DIR

# SIGINT cancels the job; only whole pages remain.
$ctl scan --pages 40 --pace 300 --res 100 --size A5 --out "$d/int" >"$d/int.out" 2>&1 &
scan=$!
for _ in $(seq 100); do grep -q 'page 1/40' "$d/int.out" 2>/dev/null && break; sleep 0.1; done
kill -INT $scan
wait $scan
rc=$?
n=$(ls "$d/int" | wc -l)
hidden=$(ls -A "$d/int" | grep -c '^\.')
if [ $rc -eq 130 ] && [ "$n" -ge 1 ] && [ "$n" -lt 40 ] && [ "$hidden" -eq 0 ]; then
	tap_ok "SIGINT cancels the scan (exit 130), leaving only whole pages ($n)"
else
	tap_fail "SIGINT cancels the scan (exit 130), leaving only whole pages" "exit $rc, $n files, $hidden hidden" "$(cat "$d/int.out")"
fi

out=$($ctl feed "$d/a.pgm" 2>&1)
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -qi 'consumer' <<<"$out"; then
	tap_ok "feed without a consumer: one line, exit 1"
else
	tap_fail "feed without a consumer: one line, exit 1" "exit $rc: $out"
fi

# Two consumers cannot run at once.
$ctl capture --out "$d/busy" --jobs 1 --timeout 5 --ready-file "$d/ready2" >/dev/null 2>&1 &
cap=$!
for _ in $(seq 100); do [ -e "$d/ready2" ] && break; sleep 0.1; done
out=$($ctl scan --out "$d/busy2" 2>&1)
rc=$?
kill $cap 2>/dev/null
wait $cap 2>/dev/null
if [ $rc -eq 1 ] && grep -qiE 'busy|another|consumer' <<<"$out"; then
	tap_ok "scan while another consumer runs fails clearly"
else
	tap_fail "scan while another consumer runs fails clearly" "exit $rc: $out"
fi

out=$($ctl scan --json --res 100 --size A5 --out "$d/j" 2>/dev/null)
if python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin if l.strip()]
assert lines, "no output"
assert any(l.get("crc") in ("ok", True) or l.get("page") == 1 for l in lines), lines
' <<<"$out"; then
	tap_ok "scan --json prints JSON lines"
else
	tap_fail "scan --json prints JSON lines" "$out"
fi

printf 'P5\n4 4\n255\nabc' >"$d/short.pgm"
out=$($ctl capture --out "$d/cap3" --jobs 1 --timeout 20 --ready-file "$d/ready3" 2>&1 &
	for _ in $(seq 100); do [ -e "$d/ready3" ] && break; sleep 0.1; done
	$ctl feed "$d/short.pgm" 2>&1; echo "feed-exit=$?"; wait)
if grep -q 'feed-exit=1' <<<"$out" && [ -z "$(ls "$d/cap3" 2>/dev/null)" ]; then
	tap_ok "a truncated PNM fails the feed and no page is saved"
else
	tap_fail "a truncated PNM fails the feed and no page is saved" "$out"
fi
tap_done
