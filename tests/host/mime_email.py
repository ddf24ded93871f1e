#!/usr/bin/env python3
"""The MIME writer's output read by Python's email package (run by mime_email.sh).

Usage: mime_email.py MIME_TEST WORKDIR
Messages are written by `MIME_TEST --write` (tests/host/mime_test.c) and
parsed with email.policy.default, which shares no code with ours: headers
decode to what was given (RFC 2047 round trip), attachments decode to the
bytes of their files, every line ends in CRLF and is short, and a 50 MB
attachment streams through in flat memory. Prints TAP.
"""
import email
import email.policy
import email.utils
import hashlib
import os
import subprocess
import sys

TOOL, WORK = sys.argv[1:3]
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
    return cond


def write(out, *args):
    """Run mime_test --write; returns (raw bytes, {size, read, maxrss_kb})."""
    p = subprocess.run([TOOL, "--write", out, *args], capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(f"mime_test --write {' '.join(args)}: {p.stderr.strip()}")
    words = p.stdout.split()
    info = dict(zip(words[0::2], map(int, words[1::2])))
    with open(out, "rb") as f:
        return f.read(), info


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def line_problems(raw, limit=78):
    """Lines that do not end in CRLF, are too long, or start with '.'."""
    bad = []
    if not raw.endswith(b"\r\n"):
        bad.append("no CRLF at the end")
    for i, line in enumerate(raw.split(b"\r\n")[:-1]):
        if b"\n" in line or b"\r" in line:
            bad.append(f"line {i + 1}: bare CR or LF")
        if len(line) > limit:
            bad.append(f"line {i + 1}: {len(line)} characters")
        if line.startswith(b"."):
            bad.append(f"line {i + 1}: starts with '.'")
        if any(c >= 0x80 for c in line):
            bad.append(f"line {i + 1}: 8-bit byte")
    return bad


def data_file(name, size, seed):
    path = os.path.join(WORK, name)
    x = seed
    with open(path, "wb") as f:
        chunk = bytearray()
        for _ in range(size):
            x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
            chunk.append(x >> 24)
        f.write(chunk)
    return path


def same_bytes(part, path):
    with open(path, "rb") as f:
        return part.get_payload(decode=True) == f.read()


# 1. An e-mail with a text part and split-PDF pages of awkward sizes.
sizes = [0, 1, 2, 3, 56, 57, 58, 114, 1000, 65537]
files = [data_file(f"page-{i:04d}.pdf", s, i + 1) for i, s in enumerate(sizes)]
to = ",".join(f"user{i}@example.com" for i in range(30))
body = "Scanned by irsend.\nSecond line, caf\u00e9.\n.a line starting with a dot\nx=1\n"
args = ["--to", to, "--cc", "boss@example.org", "--bcc", "hidden@example.net",
        "--subject", "Scanned document", "--body", body, "--name", "Scanner 3F"]
for f in files:
    args += ["--attach", f"{f}:{os.path.basename(f)}:application/pdf"]
raw, info = write(os.path.join(WORK, "mail.eml"), *args)
msg = parse(raw)
ok(info["size"] == info["read"] == len(raw), "announced size is the size read",
   info, len(raw))
ok(not line_problems(raw), "CRLF lines of at most 78 characters, 7-bit, none starting with '.'",
   *line_problems(raw)[:5])
ok(not msg.defects and all(not p.defects for p in msg.walk()), "no defects found by the parser",
   msg.defects)
ok(msg.get_content_type() == "multipart/mixed", "multipart/mixed", msg.get_content_type())
addrs = [a.addr_spec for a in msg["To"].addresses]
ok(addrs == to.split(","), "To: holds every address in order", addrs[:3])
ok([a.addr_spec for a in msg["Cc"].addresses] == ["boss@example.org"], "Cc:", msg["Cc"])
ok("hidden" not in raw.decode(), "Bcc address not in the message")
frm = msg["From"].addresses[0]
ok(frm.addr_spec == "scanner@example.com" and frm.display_name == "Scanner 3F",
   "From: display name and address", msg["From"])
ok(str(msg["Subject"]) == "Scanned document", "Subject", msg["Subject"])
ok(msg["MIME-Version"] == "1.0", "MIME-Version 1.0")
mid = msg["Message-ID"]
ok(mid.startswith("<") and mid.endswith("@example.com>") and " " not in mid,
   "Message-ID <...@domain of From>", mid)
try:
    date = email.utils.parsedate_to_datetime(msg["Date"])
    ok(date.tzinfo is not None, "Date parses, with a zone", msg["Date"])
except (TypeError, ValueError) as e:
    ok(False, "Date parses", msg["Date"], e)
ok("Disposition-Notification-To" not in msg, "no MDN request for e-mail")
parts = list(msg.iter_parts())
text = parts[0]
ok(text.get_content_type() == "text/plain" and text.get_content().replace("\r\n", "\n").rstrip("\n")
   == body.rstrip("\n"), "text part decodes to the body setting", repr(text.get_content()))
atts = parts[1:]
ok(len(atts) == len(files), "one attachment per file", len(atts))
good = [same_bytes(p, f) for p, f in zip(atts, files)]
ok(all(good), "every attachment decodes to its file byte for byte",
   [s for s, g in zip(sizes, good) if not g])
ok([p.get_filename() for p in atts] == [os.path.basename(f) for f in files]
   and all(p.get_content_type() == "application/pdf" for p in atts),
   "file names and types", [p.get_filename() for p in atts][:3])

# 2. I-Fax simple and full mode.
tif = data_file("doc.tif", 30000, 99)
for kind in ("simple", "full"):
    raw, info = write(os.path.join(WORK, f"ifax-{kind}.eml"), "--kind", kind, "--to",
                      "fax@example.com", "--subject", "I-Fax",
                      "--attach", f"{tif}:doc.tif:image/tiff; application=faxbw")
    msg = parse(raw)
    att = [p for p in msg.walk() if p.get_content_maintype() == "image"]
    ok(len(att) == 1 and att[0].get_content_type() == "image/tiff"
       and att[0].get_param("application") == "faxbw" and same_bytes(att[0], tif),
       f"I-Fax {kind}: image/tiff; application=faxbw, the TIFF byte for byte",
       att and att[0]["Content-Type"])
    dnt = msg["Disposition-Notification-To"]
    if kind == "full":
        ok(dnt is not None and email.utils.parseaddr(str(dnt))[1] == "scanner@example.com",
           "I-Fax full: Disposition-Notification-To the sender (RFC 8098)", dnt)
    else:
        ok(dnt is None, "I-Fax simple: no MDN request", dnt)
    ok(not line_problems(raw), f"I-Fax {kind}: line rules", *line_problems(raw)[:5])

# 3. RFC 2047 round trips.
subjects = [
    "R\u00e9sum\u00e9 des pages num\u00e9ris\u00e9es",
    "\u6771\u4eac\u30aa\u30d5\u30a3\u30b9\u306e\u30b9\u30ad\u30e3\u30f3\u6587\u66f8 " * 4,
    "emoji \U0001F4E0 fax \U0001F4E0",
    "a plain ASCII subject that is long enough to need folding across more than one line "
    "of the header, twice over",
    "looks =?UTF-8?B?ZW5jb2RlZA==?= but is not",
    "  two  spaces  kept  ",
    "x" * 120,
    "tab\there",
]
for i, s in enumerate(subjects):
    raw, info = write(os.path.join(WORK, f"subj{i}.eml"), "--to", "a@example.com",
                      "--subject", s, "--name", s[:40])
    msg = parse(raw)
    want = s.replace("\t", " ") if i == 7 else s
    got = str(msg["Subject"])
    ok(got in (s, want) and not line_problems(raw),
       f"RFC 2047 round trip, subject {i}", repr(s), repr(got), *line_problems(raw)[:3])
raw, _ = write(os.path.join(WORK, "part.eml"), "--to", "a@example.com", "--subject",
               "Fax", "--part", "2/5")
ok(str(parse(raw)["Subject"]) == "Fax (2/5)", "divided pages: subject says part 2/5")

# 4. Non-ASCII file names (RFC 2231).
name = "\u30b9\u30ad\u30e3\u30f3\u6587\u66f8 \u7b2c1\u90e8 with a long tail of words.pdf"
raw, _ = write(os.path.join(WORK, "name.eml"), "--to", "a@example.com",
               "--attach", f"{files[3]}:{name}:application/pdf")
att = [p for p in parse(raw).walk() if p.get_content_type() == "application/pdf"]
ok(att and att[0].get_filename() == name and not line_problems(raw),
   "RFC 2231 file name round trip", att and att[0].get_filename())

# 5. 50 MB streams through in flat memory.
big = os.path.join(WORK, "big.pdf")
with open(big, "wb") as f:
    block = hashlib.sha256(b"irsend").digest() * 32768  # 1 MiB
    for i in range(50):
        f.write(bytes([i]) + block[1:])
small_raw, small = write(os.path.join(WORK, "small.eml"), "--to", "a@example.com",
                         "--attach", f"{files[2]}:x.pdf:application/pdf")
raw, info = write(os.path.join(WORK, "big.eml"), "--to", "a@example.com",
                  "--attach", f"{big}:big.pdf:application/pdf")
grow = info["maxrss_kb"] - small["maxrss_kb"]
ok(info["size"] == info["read"] == len(raw) and grow < 4096,
   "50 MB attachment: exact size, memory grows by less than 4 MiB",
   f"size {info['size']} read {info['read']} file {len(raw)}",
   f"maxrss {small['maxrss_kb']} KiB small, {info['maxrss_kb']} KiB big")
with open(big, "rb") as f:
    want = hashlib.sha256(f.read()).hexdigest()
att = [p for p in parse(raw).walk() if p.get_content_type() == "application/pdf"][0]
ok(hashlib.sha256(att.get_payload(decode=True)).hexdigest() == want,
   "50 MB attachment decodes to the file")
ok(max(len(line) for line in raw.split(b"\r\n")) <= 78, "50 MB message: lines within 78")

print(f"1..{n}")
sys.exit(1 if failed else 0)
