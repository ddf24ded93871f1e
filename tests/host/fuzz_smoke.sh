#!/bin/bash
# A short run of every libFuzzer target of tests/fuzz (scripts/fuzz), from
# its committed seed corpus: ok when none crashes in FUZZ_SMOKE_SECONDS
# (default 5) each. Builds them first (make fuzz: the library again with
# clang, coverage, ASan and UBSan). Skipped, with the reason, when clang
# cannot link libFuzzer here (packages clang and libclang-rt-14-dev, see
# scripts/setup-deps). Long runs: scripts/fuzz --time SECONDS.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

secs=${FUZZ_SMOKE_SECONDS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$tmp/probe.c"
if ! why=$(${FUZZ_CC:-clang} -fsanitize=fuzzer,address,undefined -o "$tmp/probe" "$tmp/probe.c" 2>&1); then
	echo "1..0 # SKIP clang cannot link libFuzzer: $(echo "$why" | head -1)"
	exit 0
fi

targets=()
for f in tests/fuzz/*_fuzz.c; do
	[ -e "$f" ] || continue
	t=${f##*/}
	targets+=("${t%_fuzz.c}")
done
if [ ${#targets[@]} -eq 0 ]; then
	echo "1..0 # SKIP no fuzz targets in tests/fuzz"
	exit 0
fi

tap_plan $((${#targets[@]} + 1))
if make -s fuzz >"$tmp/make.log" 2>&1; then
	tap_ok "make fuzz builds ${#targets[@]} targets"
else
	tap_fail "make fuzz builds ${#targets[@]} targets" "$(tail -15 "$tmp/make.log")"
fi
for t in "${targets[@]}"; do
	if out=$(scripts/fuzz --no-build --time "$secs" "$t" 2>&1); then
		tap_ok "$out"
	else
		tap_fail "$t: ${secs} s of fuzzing" "$out"
	fi
done
tap_done
