#!/bin/bash
# include/uapi/linux/irsend.h stands alone in userspace and its layout is
# the published one: fixed offsets, no implicit padding, same on 32-bit.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/alone.c" <<'C'
#include <linux/irsend.h>
int main(void) { return IRSEND_IOC_GET_INFO == 0; }
C
cat >"$tmp/layout.c" <<'C'
#include <stddef.h>
#include <linux/irsend.h>
#define AT(f, off) _Static_assert(offsetof(struct irsend_info, f) == (off), #f)
AT(size, 0);
AT(abi_version, 4);
AT(caps, 8);
AT(build_id, 16);
AT(kernel_release, 64);
_Static_assert(sizeof(struct irsend_info) == IRSEND_INFO_SIZE_VER0, "size");
_Static_assert(_Alignof(struct irsend_info) == 8, "alignment");
int main(void) { return 0; }
C

tap_plan 4
tap_check "header compiles alone (C89, -pedantic)" \
	cc -std=c89 -pedantic -Wall -Wextra -Werror -Iinclude/uapi -o "$tmp/a" "$tmp/alone.c"
tap_check "header compiles as C++" \
	bash -c "command -v g++ >/dev/null || exit 0; g++ -x c++ -Wall -Werror -Iinclude/uapi -fsyntax-only $tmp/alone.c"
tap_check "struct irsend_info layout is the published one (64-bit)" \
	cc -std=c11 -Wall -Werror -Wpadded -Iinclude/uapi -fsyntax-only "$tmp/layout.c"
tap_check "struct irsend_info layout is the same for 32-bit callers" \
	cc -m32 -std=c11 -Wall -Werror -Iinclude/uapi -fsyntax-only "$tmp/layout.c"
tap_done
