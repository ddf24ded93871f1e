#!/bin/bash
# Guest side of tests/bench/encode: the whole path through the agent, the
# simulated ADF -> page ring -> irsendd -> MMR TIFF or PDF -> User Inbox, in
# pages per second, next to "tiffcp -c g4" on the same pages written as
# uncompressed TIFF files, with one and with two encoder threads.
# Usage (in the VM, disk on /dev/vda): encode_scan.sh PAGES
set -euo pipefail
cd "$(dirname "$0")/../.."
pages=${1:-20}
ctl=$PWD/build/bin/irsendctl
agentd=$PWD/build/bin/irsendd
export IRSEND_SOCKET=/run/irsend/irsendd.sock
w=$(mktemp -d)

now() { date +%s.%N; }
rate() { python3 -c "import sys; print('%.2f' % ($pages / (float(sys.argv[2]) - float(sys.argv[1]))))" "$1" "$2"; }

# The same pages as files, scanned before the agent claims the ring.
$ctl scan --pages "$pages" --res 600 --size A4 --out "$w/pbm" >/dev/null
for f in "$w"/pbm/*.pbm; do pnmtotiff -none "$f" >"${f%.pbm}.tif" 2>/dev/null; done
sync
t0=$(now)
tiffcp -c g4 "$w"/pbm/*.tif "$w/tiffcp.tif"
sync
t1=$(now)
tiffcp_rate=$(rate "$t0" "$t1")

$ctl hdd format /dev/vda --yes >/dev/null
dd if=/dev/zero of=/dev/vda2 bs=1M count=4 status=none
id irsend >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin irsend

declare -A result
for threads in 1 2; do
	"$agentd" -s encode_threads=$threads -s log_level=warning 2>>"$w/irsendd.log" &
	pid=$!
	for _ in $(seq 100); do $ctl jobs >/dev/null 2>&1 && break; sleep 0.1; done
	for fmt in tiff-mmr pdf; do
		t0=$(now)
		$ctl send --box 1 --format $fmt --scan "$pages" --res 600 --size A4 >/dev/null
		t1=$(now)
		result[$fmt-$threads]=$(rate "$t0" "$t1")
		$ctl box delete 1 --all >/dev/null
	done
	kill "$pid"
	wait "$pid"
done

printf '\n%d pages, A4 600 dpi 1-bit, in the VM (TCG), pages per second:\n' "$pages"
printf '  %-44s %8s\n' "tiffcp -c g4 (uncompressed TIFF files)" "$tiffcp_rate"
for fmt in tiff-mmr pdf; do
	for threads in 1 2; do
		r=${result[$fmt-$threads]}
		printf '  %-44s %8s   ratio to tiffcp %s\n' \
			"irsendd scan -> $fmt -> box, $threads thread(s)" "$r" \
			"$(python3 -c "print('%.2f' % ($r / $tiffcp_rate))")"
	done
done
rm -rf "$w"
