#!/bin/bash
# The encoders' output checked by tools that share no code with them:
# libtiff's tiffinfo/tiffcp/tiffdump, netpbm's tifftopnm, poppler's
# pdfinfo/pdfimages/pdftoppm and qpdf. Pages come from netpbm (pbmtext), so
# neither side of a comparison is ours. Lossless formats must give back the
# pixels fed in, bit for bit. Runs on the host; build first: make tests.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

enc=build/tests/host/encode_test
for t in tiffinfo tiffcp tiffdump tifftopnm pdfinfo pdfimages pdftoppm qpdf pbmtext pnmpad pamenlarge \
	pamcut pamarith pamsumm pamthreshold pnmpsnr pgmramp ppmrainbow; do
	if ! command -v "$t" >/dev/null; then
		echo "1..0 # SKIP $t is not installed (libtiff-tools, poppler-utils, qpdf, netpbm)"
		exit 0
	fi
done
if [ ! -x "$enc" ]; then
	echo "1..0 # SKIP $enc is not built: run make tests"
	exit 0
fi

tap_plan 40
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# page N W H SCALE: a PBM of W x H with lines of text, glyphs enlarged SCALE times.
page() {
	{
		echo "Page $1 of an irsend encoder test"
		seq 1 45 | sed "s/^/line \0: the quick brown fox jumps over the lazy dog, page $1/"
	} | pbmtext -builtin fixed | pamenlarge "$4" |
		pnmpad -white -left $((30 * $4)) -top $((40 * $4)) -width "$2" -height "$3"
}

# A4 at 200 dpi (1648 pixels: a multiple of 8, as the scanner gives) and at 600 dpi.
for i in 1 2 3; do
	page $i 1648 2339 2 >"$work/p$i.pbm"
	page $i 4960 7016 6 >"$work/hi$i.pbm"
done
cat "$work"/p1.pbm "$work"/p2.pbm "$work"/p3.pbm >"$work/doc.pbm"
cat "$work"/hi1.pbm "$work"/hi2.pbm "$work"/hi3.pbm >"$work/hi.pbm"
pgmramp -diagonal 1648 2339 >"$work/grey.pgm"
ppmrainbow -width 1648 -height 2339 red yellow blue >"$work/colour.ppm"

# run NAME CMD...: CMD's stdout and stderr in $work/NAME.out; its status.
run() {
	local name=$1
	shift
	"$@" >"$work/$name.out" 2>&1
}

# same_pixels A B: two PNM streams with the same images, whatever their headers' spacing.
same_pixels() {
	local d
	d=$(pamarith -xor "$1" "$2" 2>&1 | pamsumm -sum -brief 2>&1) || return 1
	[ "$d" = 0 ] || {
		echo "$d pixels differ"
		return 1
	}
}

# Every page of a multi-image PBM stream $1 against $2.
same_stream() {
	cmp -s "$1" "$2" || {
		echo "decoded pages differ from the input"
		return 1
	}
}

tiff_format() {
	local fmt=$1 scheme=$2 dir=$work/$1
	mkdir -p "$dir"
	if ! run "$fmt" "$enc" --encode "$fmt" "$dir" doc "$work/doc.pbm:200"; then
		tap_fail "$fmt: encode 3 pages" "$(cat "$work/$fmt.out")"
		for _ in 1 2 3 4; do tap_fail "$fmt: (not encoded)"; done
		return
	fi
	tap_ok "$fmt: encode 3 pages"
	tiffinfo "$dir/doc.tif" >"$dir/info" 2>"$dir/info.err"
	if [ -s "$dir/info.err" ] || [ "$(grep -c '^TIFF Directory' "$dir/info")" != 3 ] ||
		[ "$(grep -c "Compression Scheme: $scheme\$" "$dir/info")" != 3 ] ||
		[ "$(grep -c 'Resolution: 200, 200 pixels/inch' "$dir/info")" != 3 ]; then
		tap_fail "$fmt: tiffinfo: 3 directories, $scheme, 200 dpi, no warning" \
			"$(cat "$dir/info.err" "$dir/info")"
	else
		tap_ok "$fmt: tiffinfo: 3 directories, $scheme, 200 dpi, no warning"
	fi
	tap_check "$fmt: tifftopnm gives back the input pixels" \
		sh -c "tifftopnm '$dir/doc.tif' 2>/dev/null >'$dir/back.pbm' && cmp '$dir/back.pbm' '$work/doc.pbm'"
	tap_check "$fmt: tiffcp -c none decodes every page to the input pixels" \
		sh -c "tiffcp -c none '$dir/doc.tif' '$dir/none.tif' && tifftopnm '$dir/none.tif' 2>/dev/null | cmp - '$work/doc.pbm'"
	tap_check "$fmt: tiffcp -c g4 re-encodes it losslessly" \
		sh -c "tiffcp -c g4 '$dir/doc.tif' '$dir/g4.tif' && tifftopnm '$dir/g4.tif' 2>/dev/null | cmp - '$work/doc.pbm'"
}

tiff_format tiff-mh "CCITT Group 3"
tiff_format tiff-mr "CCITT Group 3"
tiff_format tiff-mmr "CCITT Group 4"
tap_check "tiff-mr: Group 3 options say 2-D" \
	grep -q "Group 3 Options: 2-d encoding" "$work/tiff-mr/info"

mkdir -p "$work/thr"
tap_check "tiff-mmr with 2 threads: same pixels, in page order" \
	sh -c "'$enc' --encode tiff-mmr '$work/thr' doc --threads 2 '$work/doc.pbm:200' >/dev/null &&
		tifftopnm '$work/thr/doc.tif' 2>/dev/null | cmp - '$work/doc.pbm'"

# I-Fax profile S from a 600 dpi A4 scan.
ifax_check() {
	local res=$1 height=$2 yres=$3 dir=$work/ifax-$1 info
	mkdir -p "$dir"
	if ! run "ifax-$res" "$enc" --encode ifax "$dir" fax --ifax-res "$res" "$work/hi.pbm:600"; then
		tap_fail "ifax $res: encode 3 A4 600 dpi pages" "$(cat "$work/ifax-$res.out")"
		return
	fi
	info=$(tiffinfo "$dir/fax.tif" 2>&1)
	if [ "$(grep -c 'Image Width: 1728 Image Length: '"$height" <<<"$info")" = 3 ] &&
		[ "$(grep -c 'Compression Scheme: CCITT Group 3$' <<<"$info")" = 3 ] &&
		[ "$(grep -c 'Group 3 Options: (0 = 0x0)' <<<"$info")" = 3 ] &&
		[ "$(grep -c "Resolution: 200, $yres pixels/inch" <<<"$info")" = 3 ] &&
		[ "$(grep -c "Rows/Strip: $height" <<<"$info")" = 3 ] &&
		! grep -qi 'warning\|error' <<<"$info"; then
		tap_ok "ifax $res: 3 pages 1728 x $height, MH, T4Options 0, 200x$yres dpi, one strip each"
	else
		tap_fail "ifax $res: 3 pages 1728 x $height, MH, T4Options 0, 200x$yres dpi, one strip each" \
			"$info"
	fi
}
ifax_check 200x200 2339 200
ifax_check 200x100 1169 100
# tiffdump: one StripOffsets value per directory, and Compression 3 in the raw tag.
tap_check "ifax: tiffdump shows Compression (259) 3 and one StripOffsets (273) per page" \
	bash -c "d=\$(tiffdump '$work/ifax-200x200/fax.tif') &&
		[ \"\$(grep -c 'Compression (259) SHORT (3) 1<3>' <<<\"\$d\")\" = 3 ] &&
		[ \"\$(grep -c 'StripOffsets (273) LONG (4) 1<' <<<\"\$d\")\" = 3 ]"

# A 200x200 page is already at fax resolution: the same pixels, centred in 1728.
mkdir -p "$work/ifax-same"
pnmpad -white -left 40 -right 40 "$work/p2.pbm" >"$work/p2-fax.pbm"
tap_check "ifax from a 200 dpi page: the page's own pixels, centred in 1728" \
	sh -c "'$enc' --encode ifax '$work/ifax-same' fax --ifax-res 200x200 '$work/p2.pbm:200' >/dev/null &&
		tifftopnm '$work/ifax-same/fax.tif' 2>/dev/null | cmp - '$work/p2-fax.pbm'"
tap_check "ifax: tiffcp re-encodes it as G4 without complaint" \
	sh -c "tiffcp -c g4 '$work/ifax-200x200/fax.tif' '$work/ifax-g4.tif' 2>&1 | (! grep .) &&
		[ \"\$(tiffinfo '$work/ifax-g4.tif' 2>/dev/null | grep -c 'Image Width: 1728')\" = 3 ]"

# PDF of 1-bit pages: G4 images, page size from pixels and resolution.
mkdir -p "$work/pdf"
if run pdf "$enc" --encode pdf "$work/pdf" doc --threads 2 "$work/doc.pbm:200"; then
	tap_ok "pdf: encode 3 pages"
else
	tap_fail "pdf: encode 3 pages" "$(cat "$work/pdf.out")"
fi
info=$(pdfinfo "$work/pdf/doc.pdf" 2>&1)
if grep -q '^Pages: *3$' <<<"$info" && grep -q '^Page size: *593.28 x 842.04 pts' <<<"$info"; then
	tap_ok "pdf: pdfinfo: 3 pages of 593.28 x 842.04 pt (1648 x 2339 at 200 dpi)"
else
	tap_fail "pdf: pdfinfo: 3 pages of 593.28 x 842.04 pt (1648 x 2339 at 200 dpi)" "$info"
fi
tap_check "pdf: qpdf --check finds no error" qpdf --check "$work/pdf/doc.pdf"
tap_check "pdf: pdfimages lists 3 CCITT images at 200 ppi" \
	sh -c "[ \"\$(pdfimages -list '$work/pdf/doc.pdf' | grep -c ' ccitt .* 200   200 ')\" = 3 ]"
tap_check "pdf: poppler decodes the G4 images to the input pixels" \
	sh -c "pdfimages '$work/pdf/doc.pdf' '$work/pdf/im' && cat '$work'/pdf/im-00[012].pbm | cmp - '$work/doc.pbm'"
# Rendering resamples (poppler rounds the page up to 1649 pixels and smooths
# edges), so a rendered page is compared thresholded, and nearly all pixels agree.
render_ok=1
for i in 1 2 3; do
	rm -f "$work"/pdf/r-*
	pdftoppm -gray -aa no -aaVector no -r 200 -f $i -l $i "$work/pdf/doc.pdf" "$work/pdf/r" 2>/dev/null
	d=$(pamcut -width 1648 -height 2339 "$work"/pdf/r-*.pgm 2>/dev/null |
		pamthreshold -simple -threshold 0.5 2>/dev/null |
		pamarith -xor - "$work/p$i.pbm" 2>/dev/null | pamsumm -sum -brief 2>/dev/null)
	# 1% of 1648 x 2339 pixels
	if [ -z "$d" ] || [ "${d%.*}" -gt 38546 ]; then
		render_ok=0
		echo "# page $i: ${d:-no render} pixels differ"
	fi
done
if [ $render_ok = 1 ]; then
	tap_ok "pdf: pdftoppm at 200 dpi renders each page as the input (99% of pixels)"
else
	tap_fail "pdf: pdftoppm at 200 dpi renders each page as the input (99% of pixels)"
fi

# PDF with grey and colour pages: JPEG, close to the input.
mkdir -p "$work/mixed"
if run mixed "$enc" --encode pdf "$work/mixed" doc "$work/grey.pgm:200" "$work/colour.ppm:200" \
	"$work/p3.pbm:200"; then
	tap_ok "pdf: grey, colour and 1-bit pages encode"
else
	tap_fail "pdf: grey, colour and 1-bit pages encode" "$(cat "$work/mixed.out")"
fi
tap_check "pdf mixed: qpdf --check and 3 pages" \
	sh -c "qpdf --check '$work/mixed/doc.pdf' && pdfinfo '$work/mixed/doc.pdf' | grep -q '^Pages: *3\$'"
tap_check "pdf mixed: pdfimages: gray jpeg, rgb jpeg, ccitt" \
	bash -c "l=\$(pdfimages -list '$work/mixed/doc.pdf') && grep -q 'gray *1 *8 *jpeg' <<<\"\$l\" &&
		grep -q 'rgb *3 *8 *jpeg' <<<\"\$l\" && grep -q 'gray *1 *1 *ccitt' <<<\"\$l\""
psnr_ok() {
	# pnmpsnr prints "... N dB" per component; all above 30 dB.
	local out
	out=$(pnmpsnr "$1" "$2" 2>&1) || return 1
	awk '/dB/ { for (i = 1; i <= NF; i++) if ($i == "dB" && $(i - 1) + 0 < 30) bad = 1 }
		END { exit bad }' <<<"$out" || {
		echo "$out"
		return 1
	}
}
rm -f "$work"/mixed/g-*
pdftoppm -gray -f 1 -l 1 -scale-to-x 1648 -scale-to-y 2339 "$work/mixed/doc.pdf" "$work/mixed/g" 2>/dev/null
tap_check "pdf mixed: the grey page renders above 30 dB PSNR" psnr_ok "$work"/mixed/g-1.pgm "$work/grey.pgm"

# Split PDF.
mkdir -p "$work/split"
tap_check "pdf-split: 3 files of one page each, all valid" \
	sh -c "'$enc' --encode pdf-split '$work/split' scan '$work/doc.pbm:200' >/dev/null &&
		[ \"\$(ls -A '$work/split' | tr '\n' ' ')\" = 'scan-0001.pdf scan-0002.pdf scan-0003.pdf ' ] &&
		for f in '$work'/split/*.pdf; do qpdf --check \"\$f\" >/dev/null &&
			pdfinfo \"\$f\" | grep -q '^Pages: *1\$' || exit 1; done"
tap_check "pdf-split: page 2 holds the second page's pixels" \
	sh -c "pdfimages '$work/split/scan-0002.pdf' '$work/split/im' && cmp '$work/split/im-000.pbm' '$work/p2.pbm'"

# Grey pages and monochrome formats: refused unless thresholding is asked for.
mkdir -p "$work/grey"
if ! "$enc" --encode tiff-mmr "$work/grey" doc "$work/grey.pgm:200" >"$work/grey.out" 2>&1 &&
	grep -q "1-bit pages only" "$work/grey.out" && [ -z "$(ls -A "$work/grey")" ]; then
	tap_ok "tiff-mmr refuses a grey page with a clear message and leaves no file"
else
	tap_fail "tiff-mmr refuses a grey page with a clear message and leaves no file" \
		"$(cat "$work/grey.out")"
fi
tap_check "tiff-mmr --binarize thresholds a grey page into a valid 1-bit TIFF" \
	sh -c "'$enc' --encode tiff-mmr '$work/grey' doc --binarize '$work/grey.pgm:200' >/dev/null &&
		tiffinfo '$work/grey/doc.tif' 2>&1 | grep -q 'Bits/Sample: 1'"

# A full disk: a 64 KiB tmpfs in a private mount namespace.
if unshare -rm true 2>/dev/null; then
	for fmt in tiff-mmr pdf pdf-split ifax; do
		mkdir -p "$work/full-$fmt"
		out=$(unshare -rm sh -c "mount -t tmpfs -o size=64k none '$work/full-$fmt' &&
			if '$enc' --encode $fmt '$work/full-$fmt' doc '$work/hi.pbm:600' '$work/hi.pbm:600'; then
				echo ENCODED; fi; echo \"left: [\$(ls -A '$work/full-$fmt')]\"" 2>&1)
		if grep -q "No space left on device" <<<"$out" && ! grep -q ENCODED <<<"$out" &&
			grep -q "left: \[\]" <<<"$out"; then
			tap_ok "$fmt on a full disk: 'No space left on device', nothing left behind"
		else
			tap_fail "$fmt on a full disk: 'No space left on device', nothing left behind" "$out"
		fi
	done
else
	for fmt in tiff-mmr pdf pdf-split ifax; do
		tap_skip "$fmt on a full disk" "no unprivileged mount namespaces here"
	done
fi

tap_done
