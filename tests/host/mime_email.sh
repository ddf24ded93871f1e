#!/bin/bash
# The MIME writer's messages checked by Python's email package
# (mime_email.py): headers, RFC 2047/2231 round trips, attachments byte
# for byte, CRLF and line lengths, a 50 MB attachment in flat memory.
# Runs on the host; build first: make tests.
set -u
cd "$(dirname "$0")/../.." || exit 1

tool=build/tests/host/mime_test
command -v python3 >/dev/null || {
	echo "1..0 # SKIP python3 is not installed"
	exit 0
}
if [ ! -x "$tool" ]; then
	echo "1..0 # SKIP $tool is not built: run make tests"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "TAP version 13"
python3 tests/host/mime_email.py "$tool" "$work"
