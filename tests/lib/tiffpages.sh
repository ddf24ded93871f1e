# Comparing TIFF documents by their pixels. Source after tap.sh.
#
# same_pages A B: the same number of pages, each the same bitmap (tiffsplit,
# tifftopnm, cmp): pixels only, whatever the tags or the coding. (tiffcmp
# stops at the first differing tag and still exits 0.) Says why on stdout.
same_pages() {
	local d a b i
	d=$(mktemp -d)
	tiffsplit "$1" "$d/a." && tiffsplit "$2" "$d/b." || {
		rm -rf "$d"
		return 1
	}
	a=("$d"/a.*.tif)
	b=("$d"/b.*.tif)
	if [ ${#a[@]} -ne ${#b[@]} ]; then
		echo "pages: ${#a[@]} vs ${#b[@]}"
		rm -rf "$d"
		return 1
	fi
	for ((i = 0; i < ${#a[@]}; i++)); do
		tifftopnm "${a[i]}" 2>/dev/null >"$d/a.pnm" && tifftopnm "${b[i]}" 2>/dev/null >"$d/b.pnm" &&
			[ -s "$d/a.pnm" ] && cmp -s "$d/a.pnm" "$d/b.pnm" || {
			echo "page $((i + 1)) differs"
			rm -rf "$d"
			return 1
		}
	done
	rm -rf "$d"
}
