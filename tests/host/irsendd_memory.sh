#!/bin/bash
# irsendd's memory does not grow with the page count: a 1000-page job
# (A4 at 200 dpi, 1 bit, sent as files) encoded as PDF and TIFF-MMR into a
# box, with the agent's VmRSS sampled from /proc while it runs and its
# VmHWM (peak) read at the end, against the same for a 10-page job on a
# fresh agent. The ceiling is about 3 times the peak measured when this
# test was written (printed below). Needs root; build first: make all.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/irsendd.sh

irsendd_need_root
for t in pbmtext pnmpad pamenlarge qpdf tiffinfo; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed"
		exit 0
	}
done
# Peak resident memory allowed for the 1000-page job, KiB: 3 times the peak measured
# when this test was written (VmHWM 9.0 MiB for 10 pages, 9.5 MiB for 1000).
CEILING_KB=$((28 * 1024))
# The 1000-page peak may exceed the 10-page one by this much, KiB (not a per-page growth).
SLACK_KB=$((4 * 1024))
tap_plan 8
work=$(mktemp -d)
trap 'irsendd_cleanup; rm -rf "$work"' EXIT
chmod 0755 "$work"
irsendd_users || {
	tap_fail "create the test users"
	tap_done
}

{
	echo "irsendd memory test"
	seq 1 60 | sed 's/^/line \0: the quick brown fox jumps over the lazy dog/'
} | pbmtext -builtin fixed | pamenlarge 2 |
	pnmpad -white -left 60 -top 80 -width 1728 -height 2339 >"$work/page.pbm"
for _ in $(seq 1 10); do cat "$work/page.pbm"; done >"$work/p10.pbm"
for _ in $(seq 1 10); do cat "$work/p10.pbm"; done >"$work/p100.pbm"

status_kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$IRSD_PID/status"; }

# run_job NAME FILES...: a fresh agent, one job, sampled; sets peak_rss, hwm, idle_rss.
run_job() {
	local name=$1 client rss
	shift
	rm -rf "$work/data"
	irsendd_start "$work" || return 1
	peak_rss=0
	ctl send --json --box 1 --format pdf,tiff-mmr --name "$name" "$@" >"$work/$name.json" 2>&1 &
	client=$!
	while kill -0 $client 2>/dev/null; do
		rss=$(status_kb VmRSS)
		[ -n "$rss" ] && [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
		sleep 0.1
	done
	wait $client || return 1
	sleep 0.3
	idle_rss=$(status_kb VmRSS)
	hwm=$(status_kb VmHWM)
	# Whichever is higher: the kernel's peak or our samples.
	[ -n "$hwm" ] && [ "$peak_rss" -gt "$hwm" ] && hwm=$peak_rss
	irsendd_stop
}

if run_job ten "$work/p10.pbm"; then
	tap_ok "a 10-page job"
else
	tap_fail "a 10-page job" "$(cat "$work/ten.json")" "$(tail -n 5 "$work/irsendd.log")"
fi
hwm10=$hwm
echo "# 10 pages: peak $hwm10 kB, sampled VmRSS peak $peak_rss kB, after the job $idle_rss kB"

start=$SECONDS
set -- "$work/p100.pbm" "$work/p100.pbm" "$work/p100.pbm" "$work/p100.pbm" "$work/p100.pbm" \
	"$work/p100.pbm" "$work/p100.pbm" "$work/p100.pbm" "$work/p100.pbm" "$work/p100.pbm"
if run_job thousand "$@" && grep -q '"result":"ok","pages":1000,' "$work/thousand.json"; then
	tap_ok "a 1000-page job ($((SECONDS - start)) s)"
else
	tap_fail "a 1000-page job" "$(cat "$work/thousand.json")" "$(tail -n 5 "$work/irsendd.log")"
fi
hwm1000=$hwm
echo "# 1000 pages: peak $hwm1000 kB, sampled VmRSS peak $peak_rss kB, after the job $idle_rss kB"
echo "# ceiling $CEILING_KB kB; allowed growth over 10 pages $SLACK_KB kB"

if [ -n "$hwm1000" ] && [ "$hwm1000" -le "$CEILING_KB" ]; then
	tap_ok "1000 pages: peak resident memory $hwm1000 kB <= $CEILING_KB kB"
else
	tap_fail "1000 pages: peak resident memory under the ceiling" "VmHWM '$hwm1000' kB"
fi
if [ -n "$hwm1000" ] && [ -n "$hwm10" ] && [ "$hwm1000" -le $((hwm10 + SLACK_KB)) ]; then
	tap_ok "the peak does not grow with the page count ($hwm10 kB for 10, $hwm1000 kB for 1000)"
else
	tap_fail "the peak does not grow with the page count" "10: '$hwm10' kB, 1000: '$hwm1000' kB"
fi
if [ -n "$idle_rss" ] && [ "$idle_rss" -le "$CEILING_KB" ]; then
	tap_ok "after the job the agent holds $idle_rss kB"
else
	tap_fail "after the job the agent's memory is back under the ceiling" "VmRSS '$idle_rss' kB"
fi

# The document itself: 1000 pages in each format.
rm -rf "$work/exp"
mkdir "$work/exp"
irsendd_start "$work"
doc=$(ctl box show 1 --json | sed -n 's/.*"docs":\[{"doc":\([0-9]*\),.*/\1/p')
if ctl box export 1 "$doc" --out "$work/exp" >/dev/null &&
	[ "$(qpdf --show-npages "$work/exp/thousand.pdf" 2>&1)" = 1000 ] &&
	qpdf --check "$work/exp/thousand.pdf" >/dev/null 2>&1; then
	tap_ok "the PDF has 1000 pages and passes qpdf --check"
else
	tap_fail "the PDF has 1000 pages and passes qpdf --check" "$(ls -l "$work/exp")"
fi
n=$(tiffinfo "$work/exp/thousand.tif" 2>/dev/null | grep -c 'Compression Scheme: CCITT Group 4')
if [ "$n" = 1000 ]; then
	tap_ok "the TIFF has 1000 MMR pages"
else
	tap_fail "the TIFF has 1000 MMR pages" "$n pages"
fi
if irsendd_stop; then
	tap_ok "SIGTERM: exit 0"
else
	tap_fail "SIGTERM: exit 0"
fi
tap_done
