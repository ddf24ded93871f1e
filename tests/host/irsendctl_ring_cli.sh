#!/bin/bash
# irsendctl scan, capture and feed without the module: help texts, usage
# errors (exit 2), and inputs that fail before the device is needed.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
ctl=build/bin/irsendctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nodev=(--device "$tmp/no-such-device")

# expect NAME STATUS PATTERN CMD...: CMD exits STATUS and its stderr matches PATTERN
# (grep -E) on one line, and prints nothing on stdout.
expect() {
	local name=$1 status=$2 pattern=$3 out err rc
	shift 3
	out=$("$@" 2>"$tmp/err")
	rc=$?
	err=$(cat "$tmp/err")
	if [ $rc -eq "$status" ] && [ -z "$out" ] && [ "$(wc -l <<<"$err")" -eq 1 ] &&
		grep -qE -- "$pattern" <<<"$err"; then
		tap_ok "$name"
	else
		tap_fail "$name" "exit $rc (want $status)" "stdout: $out" "stderr: $err" \
			"wanted: $pattern"
	fi
}

# help_ok CMD: the command's help is a complete manual page on stdout.
help_ok() {
	local out
	out=$($ctl "$1" --help) || return 1
	for section in "^Usage: irsendctl $1" '^Options:' '^Exit status:' '^Examples:' '--help'; do
		grep -qE -- "$section" <<<"$out" || { echo "no '$section'"; return 1; }
	done
}

printf 'P5\n4 2\n255\nabcdefgh' >"$tmp/good.pgm"
printf 'P5\n4 2\n65535\n' >"$tmp/deep.pgm"
printf 'P2\n4 2\n255\n1 2 3 4 5 6 7 8\n' >"$tmp/plain.pgm"
printf 'P5\n4 2\n255\nabc' >"$tmp/short.pgm"
printf 'hello\n' >"$tmp/text.txt"
: >"$tmp/empty.pgm"

tap_plan 40

tap_check "scan --help is a manual page" help_ok scan
tap_check "capture --help is a manual page" help_ok capture
tap_check "feed --help is a manual page" help_ok feed
out=$($ctl --help)
if grep -q '^  scan ' <<<"$out" && grep -q '^  capture ' <<<"$out" && grep -q '^  feed ' <<<"$out"; then
	tap_ok "irsendctl --help lists scan, capture and feed"
else
	tap_fail "irsendctl --help lists scan, capture and feed" "$out"
fi
out=$($ctl capture --help)
grep -q 'job-JJJJ-page-PPPP' <<<"$out" && grep -q 'job-0007-page-0001.pgm' <<<"$out" &&
	tap_ok "capture --help documents the file naming" ||
	tap_fail "capture --help documents the file naming" "$out"

# scan: usage errors
expect "scan without --out" 2 "scan: --out DIR is required" $ctl scan
expect "scan --res 250" 2 "scan: --res 250: the scanner offers 100, 150" $ctl scan --res 250 --out "$tmp/s"
expect "scan --res 100x200 (not a scanner pair)" 2 "--res 100x200" $ctl scan --res 100x200 --out "$tmp/s"
expect "scan --res 300dpi" 2 "--res 300dpi" $ctl scan --res 300dpi --out "$tmp/s"
expect "scan --size Letter" 2 "--size Letter: expected A3, B4, A4, A5" $ctl scan --size Letter --out "$tmp/s"
expect "scan --size 10x10mm (too small)" 2 "--size 10x10mm" $ctl scan --size 10x10mm --out "$tmp/s"
expect "scan --depth 16" 2 "--depth 16: expected 1, 8 or 24" $ctl scan --depth 16 --out "$tmp/s"
expect "scan --pages 0" 2 "--pages 0: expected 1..999" $ctl scan --pages 0 --out "$tmp/s"
expect "scan --pages 1000" 2 "--pages 1000" $ctl scan --pages 1000 --out "$tmp/s"
expect "scan --pace 10001" 2 "--pace 10001: expected 0..10000 ms" $ctl scan --pace 10001 --out "$tmp/s"
expect "scan --seed -1" 2 "--seed -1" $ctl scan --seed -1 --out "$tmp/s"
expect "scan --jam-at beyond the pages" 2 "--jam-at 3: the job has only 2 pages" \
	$ctl scan --pages 2 --jam-at 3 --out "$tmp/s"
expect "scan with an extra argument" 2 "unexpected argument 'extra'" $ctl scan --out "$tmp/s" extra
expect "scan --bogus" 2 "scan: unknown option '--bogus'" $ctl scan --bogus --out "$tmp/s"
expect "scan --res without a value" 2 "option '--res' needs a value" $ctl scan --out "$tmp/s" --res
expect "scan --json usage error prints no JSON" 2 "--depth 2" $ctl --json scan --depth 2 --out "$tmp/s"
[ ! -e "$tmp/s" ] && tap_ok "usage errors create nothing" || tap_fail "usage errors create nothing"

# scan: failures that need no module
expect "scan without the module says how to load it" 1 "not loaded.*insmod" \
	$ctl "${nodev[@]}" scan --out "$tmp/s"
expect "scan --out under a file" 1 "cannot create the directory $tmp/text.txt/out" \
	$ctl "${nodev[@]}" scan --out "$tmp/text.txt/out"

# capture
expect "capture without --out" 2 "capture: --out DIR is required" $ctl capture
expect "capture --timeout abc" 2 "--timeout abc: expected 0..86400 seconds" \
	$ctl capture --timeout abc --out "$tmp/c"
expect "capture --jobs -1" 2 "--jobs -1" $ctl capture --jobs -1 --out "$tmp/c"
expect "capture without the module" 1 "not loaded" \
	$ctl "${nodev[@]}" capture --out "$tmp/c" --ready-file "$tmp/ready"
[ ! -e "$tmp/ready" ] && tap_ok "capture creates no ready file when it cannot claim the ring" ||
	tap_fail "capture creates no ready file when it cannot claim the ring"

# feed: inputs are checked before the device is opened
expect "feed without input" 2 "feed: no input" $ctl feed
expect "feed --res 10" 2 "--res 10: expected DPI or XxY, each 50..1200 dpi" $ctl feed --res 10 "$tmp/good.pgm"
expect "feed of a missing file" 1 "feed: cannot open $tmp/missing.pgm: No such file" \
	$ctl "${nodev[@]}" feed "$tmp/good.pgm" "$tmp/missing.pgm"
expect "feed of a directory" 1 "feed: $tmp: .*(read error|Is a directory)" $ctl "${nodev[@]}" feed "$tmp"
expect "feed of a text file" 1 "text.txt: not a PNM image \(starts with 'h'" \
	$ctl "${nodev[@]}" feed "$tmp/text.txt"
expect "feed of an empty file" 1 "empty.pgm: empty, no PNM image" $ctl "${nodev[@]}" feed "$tmp/empty.pgm"
expect "feed of 16-bit PGM" 1 "deep.pgm: image 1: maxval 65535 \(16-bit samples\) is not supported" \
	$ctl "${nodev[@]}" feed "$tmp/deep.pgm"
expect "feed of plain PGM" 1 "plain \(ASCII\) PGM 'P2' is not supported" \
	$ctl "${nodev[@]}" feed - <"$tmp/plain.pgm"
expect "feed of nothing on stdin" 1 "standard input: empty" $ctl "${nodev[@]}" feed - </dev/null
expect "feed - given twice" 1 "standard input \('-'\) given twice" $ctl "${nodev[@]}" feed - -
expect "feed of a good page without the module" 1 "not loaded" \
	$ctl "${nodev[@]}" feed "$tmp/good.pgm" "$tmp/short.pgm"
tap_done
