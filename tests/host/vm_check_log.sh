#!/bin/bash
# The guest kernel log checker flags every kind of bug report and passes a
# clean boot log.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
check=scripts/lib/vm-check-log
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

clean='[    0.000000] Linux version 6.1.0 (debian-kernel@lists.debian.org)
[    1.098006] PCI: Using host bridge windows from ACPI; if necessary, use "pci=nocrs" and report a bug
[    2.061976] AMD-Vi: AMD IOMMUv2 functionality not available on this system - This is not a bug.
[    7.634565] 9p: Installing v9fs 9p2000 file system support'
reports=(
	'[   12.1] WARNING: CPU: 0 PID: 1 at kmod/main.c:50 irsend_init+0x10/0x20 [irsend]'
	'[   12.1] BUG: kernel NULL pointer dereference, address: 0000000000000000'
	'[   12.1] Oops: 0002 [#1] PREEMPT SMP NOPTI'
	'[   12.1] general protection fault, probably for non-canonical address 0xdead'
	'[   12.1] refcount_t: underflow; use-after-free.'
	'[   12.1] list_add corruption. prev->next should be next'
	'[   12.1] list_del corruption, ffff888003a0b000->next is LIST_POISON1'
	'[   12.1] BUG kmalloc-64 (Tainted: G           O      ): Redzone overwritten'
)
tap_plan $((${#reports[@]} + 2))

echo "$clean" >"$tmp/clean"
tap_check "a clean boot log passes" $check "$tmp/clean"

for r in "${reports[@]}"; do
	printf '%s\n%s\r\n' "$clean" "$r" >"$tmp/bad"
	if $check "$tmp/bad" 2>/dev/null; then
		tap_fail "flags: ${r#*] }"
	else
		tap_ok "flags: ${r#*] }"
	fi
done

tap_check "missing log files are not an error" $check "$tmp/none"
tap_done
