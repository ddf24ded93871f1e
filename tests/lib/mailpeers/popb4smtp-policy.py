#!/usr/bin/python3
"""Postfix policy service (spawn) for POP before SMTP in the test peers.

Answers OK for a client address that logged in to the Dovecot POP3 server
within the window (seconds, read from STATE/window at every request), and
DUNNO otherwise, so that reject_unauth_destination refuses relaying.
Dovecot's postlogin script touches STATE/ip-<address>.
"""
import os
import sys
import time

state = sys.argv[1]


def window():
    try:
        with open(os.path.join(state, "window")) as f:
            return float(f.read().strip())
    except (OSError, ValueError):
        return 60.0


def decide(attrs):
    addr = attrs.get("client_address", "")
    if not addr or "/" in addr:
        return "DUNNO"
    try:
        st = os.stat(os.path.join(state, "ip-" + addr))
    except OSError:
        return "DUNNO"
    if time.time() - st.st_mtime <= window():
        return "OK"
    return "DUNNO"


def main():
    attrs = {}
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line:
            k, _, v = line.partition("=")
            attrs[k] = v
            continue
        sys.stdout.write("action=%s\n\n" % decide(attrs))
        sys.stdout.flush()
        attrs = {}


main()
