#!/usr/bin/env python3
"""Settings and service-mode keys through irsendctl (run by irsendd_settings.sh).

Usage: irsendd_settings.py set|verify STATE_FILE LOG_FILE
  set:    every key of 'settings list' and 'service list' set to a valid value
          other than its default, read back; out-of-range values refused with
          the allowed values in the message; the values written to STATE_FILE
  verify: after a restart, every key still reads as STATE_FILE says
Runs irsendctl as "ctl" from $IRSENDCTL with $IRSEND_SOCKET set. Prints TAP
lines without a plan.
"""
import json
import os
import re
import subprocess
import sys

CTL = os.environ["IRSENDCTL"]
mode, state_file, log_file = sys.argv[1:4]
n = failed = 0


def ok(cond, name, *diag):
    global n, failed
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} {name}")
    if not cond:
        failed += 1
        for d in diag:
            for line in str(d).splitlines():
                print(f"# {line}")
    sys.stdout.flush()
    return cond


def ctl(*args):
    p = subprocess.run([CTL, *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def listing(scope):
    rc, out, err = ctl(scope, "list", "--json")
    if rc != 0:
        return None
    return json.loads(out)["settings"]


def valid_other(s):
    """A valid value other than the default, from the 'allowed' text."""
    allowed, default, key = s["allowed"], s["default"], s["key"]
    m = re.fullmatch(r"(-?\d+)-(-?\d+)", allowed)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        return str(hi if str(hi) != default else lo)
    if re.fullmatch(r"[\w.-]+(\|[\w.-]+)+", allowed):
        choices = allowed.split("|")
        return next(c for c in reversed(choices) if c != default)
    if allowed.startswith("host name"):
        return "mail.example.org"
    if allowed.startswith("e-mail"):
        return "scanner@example.org"
    if allowed.startswith("IP addresses"):
        return "192.0.2.0/24,2001:db8::/32"
    if allowed.startswith("absolute file"):
        return "/etc/irsend/ca.pem"
    if allowed.startswith("hexadecimal"):
        return "ab" * 32
    if allowed.startswith("SMB share"):
        return "\\\\files\\scans"
    if "without spaces" in allowed:
        return "test-" + key.replace(".", "-")[:20]
    if allowed.startswith("text"):
        return "Test value for " + key
    return None


def invalid(s):
    """(value, words the refusal must quote) outside what is allowed."""
    allowed = s["allowed"]
    m = re.fullmatch(r"(-?\d+)-(-?\d+)", allowed)
    if m:
        return [(str(int(m.group(2)) + 1), [allowed]), ("12abc", [allowed]),
                (str(2**64), [allowed])] + ([(str(int(m.group(1)) - 1), [allowed])]
                                            if int(m.group(1)) > 0 else [("-1", [allowed])])
    if "|" in allowed and re.fullmatch(r"[\w.-]+(\|[\w.-]+)+", allowed):
        return [("no-such-choice", [allowed])]
    m = re.search(r"(\d+)-(\d+) characters", allowed)
    if m and "without spaces" in allowed:
        return [("x" * (int(m.group(2)) + 1), [m.group(2)]), ("two words", ["space"])]
    if m and allowed.startswith("text"):
        return [("x" * (int(m.group(2)) + 1), [m.group(2)])]
    if allowed.startswith("host name"):
        return [("bad host!", ["host"])]
    if allowed.startswith("e-mail"):
        return [("not-an-address", ["e-mail"])]
    if allowed.startswith("IP addresses"):
        return [("192.0.2.300/24", ["IP"])]
    if allowed.startswith("absolute file"):
        return [("relative/ca.pem", ["absolute"])]
    if allowed.startswith("hexadecimal"):
        return [("xyz", ["64"])]
    if allowed.startswith("SMB share"):
        return [("files/scans", ["share"])]
    return []


def main():
    scopes = ("settings", "service")
    if mode == "set":
        state = {}
        for scope in scopes:
            items = listing(scope)
            if not ok(items is not None and len(items) > 0, f"{scope} list --json"):
                continue
            if scope == "service":
                want = {"SMTPTXPN", "SMTPRXPN", "POP3N", "FTPTXPN", "RAW-DATA", "IFAX-LIM",
                        "IFAX-SZL", "IFAX-PGD", "NS-CMD5", "NS-NTLM", "NS-GSAPI", "NS-PLNWS",
                        "NS-LGN", "NS-PLN"}
                keys = {s["key"] for s in items}
                ok(keys == want, "service list has the 14 service-mode values of seed 4.4.1",
                   f"missing {sorted(want - keys)}, extra {sorted(keys - want)}")
            ok(all(s["value"] == s["default"] and s["set"] is False for s in items),
               f"{scope}: a fresh agent shows every default",
               [s for s in items if s["value"] != s["default"] or s["set"]])
            unset, unread, refused_ok, refused_bad, secrets = [], [], 0, [], []
            for s in items:
                key = s["key"]
                value = valid_other(s)
                if value is None:
                    unset.append(f"{key}: no valid value known for {s['allowed']!r}")
                    continue
                rc, out, err = ctl(scope, "set", key, value)
                if rc != 0:
                    unset.append(f"{key} = {value!r}: exit {rc}: {err.strip()}")
                    continue
                rc, out, err = ctl(scope, "get", key, "--json")
                got = json.loads(out) if rc == 0 else {}
                secret = got.get("value") == "(set)" and value != "(set)"
                if secret:
                    secrets.append((key, value))
                elif got.get("value") != value or got.get("set") is not True:
                    unread.append(f"{key}: set {value!r}, get {got!r}")
                    continue
                rc, out, err = ctl(scope, "get", key)
                if out.rstrip("\n") != got.get("value"):
                    unread.append(f"{key}: plain get printed {out!r}")
                state[f"{scope}/{key}"] = got.get("value")
                for bad, words in invalid(s):
                    rc, out, err = ctl(scope, "set", key, bad)
                    msg = err.strip()
                    if rc == 1 and key in msg and all(w in msg for w in words):
                        refused_ok += 1
                    else:
                        refused_bad.append(f"{key} = {bad[:40]!r}: exit {rc}, {msg!r}, "
                                           f"wanted {words}")
                rc, out, err = ctl(scope, "get", key, "--json")
                if rc != 0 or json.loads(out).get("value") != got.get("value"):
                    unread.append(f"{key}: a refused set changed it: {out!r}")
            ok(not unset, f"{scope}: every one of {len(items)} keys takes a valid non-default value",
               *unset)
            ok(not unread, f"{scope}: get returns every value set", *unread)
            ok(refused_ok > 0 and not refused_bad,
               f"{scope}: {refused_ok} out-of-range values refused, the allowed values named",
               *refused_bad)
            if scope == "settings":
                log = open(log_file, errors="replace").read()
                leaked = [k for k, v in secrets if v in log]
                _, listed, _ = ctl(scope, "list", "--json")
                shown_secret = [k for k, v in secrets if v in listed]
                ok(len(secrets) > 0 and not leaked and not shown_secret,
                   f"{len(secrets)} secrets read back as (set), never in the list or the log",
                   f"in the log: {leaked}", f"in the list: {shown_secret}")
            rc, out, err = ctl(scope, "get", "no.such.key")
            ok(rc == 1 and "no.such.key" in err, f"{scope} get of an unknown key: exit 1",
               f"exit {rc}: {err!r}")
            rc, out, err = ctl(scope, "set", "no.such.key", "1")
            ok(rc == 1 and "no.such.key" in err, f"{scope} set of an unknown key: exit 1",
               f"exit {rc}: {err!r}")
            rc, out, err = ctl(scope, "set", "only-a-key")
            ok(rc == 2, f"{scope} set without a value: usage, exit 2", f"exit {rc}: {err!r}")
        with open(state_file, "w") as f:
            json.dump(state, f)
    else:
        state = json.load(open(state_file))
        diff = []
        for scope in scopes:
            items = listing(scope) or []
            for s in items:
                k = f"{scope}/{s['key']}"
                if k in state and (s["value"] != state[k] or s["set"] is not True):
                    diff.append(f"{k}: {s['value']!r} after the restart, {state[k]!r} before")
            ok(items and not diff and all(f"{scope}/{s['key']}" in state for s in items),
               f"{scope}: all {len(items)} values the same after a restart", *diff)
    return 1 if failed else 0


sys.exit(main())
