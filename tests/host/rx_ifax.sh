#!/bin/bash
# Reception of real I-Fax messages (user/mail/rx_*.c through
# build/tests/lib/rx_parse): pages drawn by netpbm (pbmtext, pnmtotiff),
# coded MH, MR, MMR, PackBits and uncompressed by libtiff's tiffcp, messages
# built by Python's email package (simple and full mode, several TIFFs,
# uuencoded, a Postfix-style DSN, an MDN), one broken message for every
# reception error code, and our own sender's messages (mime_test --write).
# document.tif is compared with the source pages pixel for pixel
# (tiffsplit, tifftopnm); the MDN and DSN we build are read back by Python's email package.
# Runs on the host; build first: make tests.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/lib/tiffpages.sh

rx=build/tests/lib/rx_parse
mt=build/tests/host/mime_test
for t in python3 pbmtext pnmpad pnmtotiff tifftopnm tiffcp tiffsplit tiffinfo; do
	command -v "$t" >/dev/null || {
		echo "1..0 # SKIP $t is not installed (scripts/setup-deps)"
		exit 0
	}
done
if [ ! -x "$rx" ] || [ ! -x "$mt" ]; then
	echo "1..0 # SKIP $rx or $mt is not built: run make tests"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tap_plan 53

# --- source pages: two A4-wide fax pages, then every coding tiffcp has -------------
page() { # page N TEXT -> $work/pN.tif (1-bit, 204x98 dpi, uncompressed)
	pbmtext -builtin fixed "$2" | pnmpad -white -width 1728 -height 240 >"$work/p$1.pbm" &&
		pnmtotiff -xresolution 204 -yresolution 98 "$work/p$1.pbm" >"$work/p$1.tif" 2>/dev/null
}
page 1 "Page one: the quick brown fox" && page 2 "Page two: jumps over the lazy dog" &&
	page 3 "Page three" || { tap_fail "netpbm pages"; tap_done; }
tiffcp "$work/p1.tif" "$work/p2.tif" "$work/src.tif"
for c in g3 g3:2d g4 packbits none; do
	tiffcp -c "$c" "$work/src.tif" "$work/${c/:/_}.tif"
done
tiffcp -c g4 "$work/p1.tif" "$work/p2.tif" "$work/p3.tif" "$work/three.tif"

# rx MSG [rx_parse options...]: process MSG into a fresh $work/out.N, JSON in $work/json
n=0
rx() {
	local msg=$1
	shift
	n=$((n + 1))
	out="$work/out.$n"
	mkdir "$out"
	"$rx" "$@" "$msg" "$out" >"$work/json" 2>"$work/err"
	cat "$work/json" >>"$work/all.json"
}

# expect NAME KEY=VALUE...: the last rx_parse JSON has these values
expect() {
	local name=$1 msg
	shift
	if msg=$(python3 - "$work/json" "$@" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
bad = []
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    got = r[k]
    if isinstance(got, bool):
        got = "true" if got else "false"
    if str(got) != v:
        bad.append(f"{k}: {got!r} != {v!r}")
if bad:
    print("; ".join(bad) + " | " + json.dumps(r))
    sys.exit(1)
EOF
	); then
		tap_ok "$name"
	else
		tap_fail "$name" "$msg" "$(cat "$work/err")"
	fi
}

# compression NAME FILE SCHEME...: tiffinfo's Compression Scheme of every page
compression() {
	local name=$1 file=$2 got
	shift 2
	got=$(tiffinfo "$file" 2>/dev/null | sed -n 's/^ *Compression Scheme: //p' | paste -sd, -)
	if [ "$got" = "$(
		IFS=,
		echo "$*"
	)" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "compression: $got, wanted $*"
	fi
}

# --- messages built by Python's email package ------------------------------------------
python3 - "$work" <<'EOF' || { tap_fail "python builds the messages"; tap_done; }
import binascii, sys
from email.message import EmailMessage
from email import policy
w = sys.argv[1]
rd = lambda n: open(f"{w}/{n}", "rb").read()

def save(name, m):
    open(f"{w}/{name}", "wb").write(m.as_bytes(policy=policy.SMTP))

def fax(subject, text, atts, dnt=None, msgid="<rx.1@sender.example>"):
    m = EmailMessage()
    m["From"] = "Sender Fax <fax@sender.example>"
    m["To"] = "ifax@device.example"
    m["Subject"] = subject
    m["Message-ID"] = msgid
    if dnt:
        m["Disposition-Notification-To"] = dnt
    m.set_content(text)
    for data, name, mt, st, params in atts:
        m.add_attachment(data, maintype=mt, subtype=st, filename=name, params=params)
    return m

faxbw = {"application": "faxbw"}
save("simple.eml", fax("Simple mode", "Two pages\n", [(rd("g3.tif"), "doc.tif", "image", "tiff", faxbw)]))
save("full.eml", fax("Full mode \u00e9t\u00e9", "Profile F\n",
                     [(rd("g3_2d.tif"), "mr.tif", "image", "tiff", {}),
                      (rd("g4.tif"), "mmr.tif", "image", "tiff", {}),
                      (rd("packbits.tif"), "pb.tif", "application", "octet-stream", {}),
                      (rd("none.tif"), "\u20ac.tif", "image", "tiff", {})],
                     dnt="Sender Fax <mdn@sender.example>"))
data = rd("g4.tif")
uu = "begin 644 fax.tif\n" + "".join(binascii.b2a_uu(data[i:i + 45]).decode() for i in range(0, len(data), 45)) + "`\nend\n"
save("uu.eml", fax("uuencoded", "Before\n" + uu + "After\n", []))
# Postfix's DSN layout (bounce(8) templates), about our message <1700.ab@device.example>.
open(f"{w}/dsn.eml", "wb").write(b"""Return-Path: <>
From: MAILER-DAEMON@mx.sender.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: ifax@device.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4F1C2A0E3B.1700000000/mx.sender.example"
Content-Transfer-Encoding: 8bit
Message-Id: <20231114221321.4F1C2A0E3B@mx.sender.example>

This is a MIME-encapsulated message.

--4F1C2A0E3B.1700000000/mx.sender.example
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host mx.sender.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--4F1C2A0E3B.1700000000/mx.sender.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.sender.example
X-Postfix-Queue-ID: 4F1C2A0E3B
X-Postfix-Sender: rfc822; ifax@device.example
Arrival-Date: Tue, 14 Nov 2023 22:13:20 +0000 (UTC)
Original-Envelope-Id: 1700.ab@device.example

Final-Recipient: rfc822; nobody@sender.example
Original-Recipient: rfc822;nobody@sender.example
Action: failed
Status: 5.1.1
Diagnostic-Code: X-Postfix; unknown user: "nobody"

--4F1C2A0E3B.1700000000/mx.sender.example
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers
Content-Transfer-Encoding: 8bit

From: ifax@device.example
To: nobody@sender.example
Subject: Scan
Message-ID: <1700.ab@device.example>

--4F1C2A0E3B.1700000000/mx.sender.example--
""")
open(f"{w}/mdn.eml", "wb").write(b"""From: fax@sender.example\r
To: ifax@device.example\r
Subject: Disposition notification\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=disposition-notification;\r
 boundary="MDNB"\r
\r
--MDNB\r
Content-Type: text/plain\r
\r
Your fax could not be printed.\r
--MDNB\r
Content-Type: message/disposition-notification\r
\r
Reporting-UA: fax.sender.example; Fax 1.0\r
Final-Recipient: rfc822;fax@sender.example\r
Original-Message-ID: <1700.cd@device.example>\r
Disposition: automatic-action/MDN-sent-automatically; processed/error\r
Error: decode failed\r
--MDNB--\r
""")

# One broken message per reception error code.
save("e818.eml", fax("pdf", "x\n", [(b"%PDF-1.4\n%...", "d.pdf", "application", "pdf", {})]))
simple = rd("simple.eml")
save_raw = lambda n, b: open(f"{w}/{n}", "wb").write(b)
save_raw("e819.eml", simple[:simple.rindex(b"\r\n--")] + b"\r\n")  # closing boundary cut off
i = simple.index(b"\r\n\r\n", simple.index(b"Content-Transfer-Encoding: base64")) + 10
save_raw("e820.eml", simple[:i] + b"@@@" + simple[i + 3:])
g3 = rd("g3.tif")
save("e821.eml", fax("cut", "x\n", [(g3[:6], "cut.tif", "image", "tiff", {})]))
off = int.from_bytes(g3[4:8], "little")  # tiffcp writes the strips before the directory
bad = bytearray(g3)
for k in range(16, min(off, 400)):
    bad[k] = 0
save("e822.eml", fax("noise", "x\n", [(bytes(bad), "bad.tif", "image", "tiff", {})]))
save("e827.eml", fax("audio", "x\n", [(b"RIFF\0\0\0\0WAVEfmt ", "a.wav", "audio", "x-wav", {})]))
h = EmailMessage()
h["From"] = "a@sender.example"
h["Subject"] = "html"
h.set_content("<html><body><p>only HTML</p></body></html>", subtype="html")
save("e828.eml", h)
save("e829.eml", fax("three", "x\n", [(rd("three.tif"), "three.tif", "image", "tiff", {})]))
save("e835.eml", fax("long", "".join(f"line {k}\n" for k in range(1, 21)), []))
EOF
tap_ok "python builds the messages"

# --- simple and full mode --------------------------------------------------------------
rx "$work/simple.eml"
expect "simple mode: I-Fax, 2 pages, no MDN asked" kind=ifax errcode=0 pages=2 full_mode=false \
	subject="Simple mode" from=fax@sender.example message_id="<rx.1@sender.example>"
tap_check "simple mode: document.tif is the source, pixel for pixel" same_pages "$work/src.tif" "$out/document.tif"
compression "simple mode: MH pages copied as MH" "$out/document.tif" "CCITT Group 3" "CCITT Group 3"
tap_check "simple mode: the text part in text.txt" grep -qx "Two pages" "$out/text.txt"

rx "$work/full.eml"
expect "full mode: 4 TIFFs (MR, MMR, PackBits, none) appended: 8 pages" kind=ifax errcode=0 \
	pages=8 full_mode=true mdn_to=mdn@sender.example subject="Full mode été"
tiffcp "$work/src.tif" "$work/src.tif" "$work/src.tif" "$work/src.tif" "$work/src4.tif"
tap_check "full mode: every page equals its source page" same_pages "$work/src4.tif" "$out/document.tif"
compression "full mode: codings kept per page, in attachment order" "$out/document.tif" \
	"CCITT Group 3" "CCITT Group 3" "CCITT Group 4" "CCITT Group 4" "PackBits" "PackBits" \
	"None" "None"

# --- MDN for full mode, read back by Python's email package and by us -----------------
mkdir "$work/mdn1" "$work/mdn2"
"$rx" --mdn "$work/mdn_ok.eml" --our ifax@device.example "$work/full.eml" "$work/mdn1" >/dev/null
"$rx" --mdn "$work/mdn_err.eml" --our ifax@device.example --error "part 3: page 1 does not decode" \
	"$work/full.eml" "$work/mdn2" >/dev/null
check_mdn() {
	python3 - "$@" <<'EOF'
import sys, email, email.utils
from email import policy
path, disp = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
assert all(b < 0x80 for b in raw), "8-bit bytes"
assert all(len(l) <= 998 for l in raw.split(b"\r\n")), "long line"
assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF"
m = email.message_from_bytes(raw, policy=policy.default)
assert not m.defects, m.defects
assert email.utils.parsedate_to_datetime(m["Date"]) is not None
assert m["Message-ID"].startswith("<") and m["Message-ID"].endswith("@device.example>"), m["Message-ID"]
assert m["From"].addresses[0].addr_spec == "ifax@device.example"
assert m["To"].addresses[0].addr_spec == "mdn@sender.example"
assert m["In-Reply-To"] == "<rx.1@sender.example>"
assert m.get_content_type() == "multipart/report"
assert m.get_param("report-type") == "disposition-notification"
parts = list(m.iter_parts())
assert parts[0].get_content_type() == "text/plain"
assert parts[1].get_content_type() == "message/disposition-notification"
body = parts[1].get_payload()
text = "".join(str(p) for p in body) if isinstance(body, list) else body
assert "Original-Message-ID: <rx.1@sender.example>" in text, text
assert "Final-Recipient: rfc822;ifax@device.example" in text, text
assert "Reporting-UA: device.example;" in text, text
assert f"Disposition: automatic-action/MDN-sent-automatically; {disp}" in text, text
EOF
}
tap_check "MDN processed: valid RFC 5322/8098 (Python's email)" check_mdn "$work/mdn_ok.eml" processed
tap_check "MDN processed/error: valid, Error field" check_mdn "$work/mdn_err.eml" processed/error
rx "$work/mdn_ok.eml"
expect "our MDN read back: processed, about the fax" kind=mdn failed=false \
	about_message_id="<rx.1@sender.example>"
rx "$work/mdn_err.eml"
expect "our MDN with error read back: #834" kind=mdn failed=true report_code=834 \
	diagnostic="part 3: page 1 does not decode"

# --- uuencode, DSN, MDN from others -------------------------------------------------------
rx "$work/uu.eml"
expect "uuencoded MMR in a text part: 2 pages" kind=ifax errcode=0 pages=2 text_lines=2
tap_check "uuencoded: pixel for pixel" same_pages "$work/src.tif" "$out/document.tif"
tap_check "uuencoded: the text around it only" diff <(printf 'Before\nAfter\n') "$out/text.txt"

rx "$work/dsn.eml"
expect "Postfix DSN: failed 5.1.1 about our Message-ID" kind=dsn errcode=0 failed=true \
	report_code=830 status=5.1.1 recipient=nobody@sender.example \
	about_message_id="<1700.ab@device.example>" recipients=1
tap_check "DSN: the notice is text, nothing else output" test ! -e "$out/document.tif"

rx "$work/mdn.eml"
expect "MDN processed/error from another device: #834" kind=mdn failed=true report_code=834 \
	about_message_id="<1700.cd@device.example>" \
	status="automatic-action/MDN-sent-automatically; processed/error"

# --- DSN we build for our SMTP server -----------------------------------------------------
"$rx" --dsn "$work/dsn_out.eml" --envelope-from fax@sender.example --rcpt ifax@device.example \
	--host device.example --errcode 821 "$work/e821.eml"
check_dsn() {
	python3 - "$1" <<'EOF'
import sys, email, email.utils
from email import policy
raw = open(sys.argv[1], "rb").read()
assert all(b < 0x80 for b in raw)
m = email.message_from_bytes(raw, policy=policy.default)
assert not m.defects, m.defects
assert email.utils.parsedate_to_datetime(m["Date"]) is not None
assert m["Message-ID"].endswith("@device.example>")
assert m["To"].addresses[0].addr_spec == "fax@sender.example"
assert m["Auto-Submitted"] == "auto-replied"
assert m.get_param("report-type") == "delivery-status"
p = list(m.iter_parts())
assert [x.get_content_type() for x in p] == ["text/plain", "message/delivery-status", "text/rfc822-headers"], p
ds = p[1].get_payload()
groups = [dict(g.items()) for g in ds]
assert groups[0]["Reporting-MTA"] == "dns; device.example", groups
assert groups[1]["Action"] == "failed" and groups[1]["Status"] == "5.6.0", groups
assert groups[1]["Final-Recipient"] == "rfc822; ifax@device.example"
assert "Message-ID: <rx.1@sender.example>" in p[2].get_content()
assert "#821" in p[0].get_content()
EOF
}
tap_check "our DSN: valid RFC 3464 report (Python's email)" check_dsn "$work/dsn_out.eml"
rx "$work/dsn_out.eml"
expect "our DSN read back: failed, about the original" kind=dsn failed=true \
	about_message_id="<rx.1@sender.example>" status=5.6.0
if "$rx" --dsn "$work/dsn2.eml" --envelope-from "" --rcpt ifax@device.example \
	--host device.example --errcode 821 "$work/e821.eml" 2>/dev/null; then
	tap_fail "no DSN for a null reverse path"
else
	tap_ok "no DSN for a null reverse path"
fi

# --- one message per reception error -------------------------------------------------------
rx "$work/e818.eml"
expect "#818: a PDF attachment" errcode=818 pages=0 text_lines=1
rx "$work/e819.eml"
expect "#819: closing boundary cut off, the TIFF salvaged" errcode=819 pages=2
tap_check "#819: salvaged pages are the source" same_pages "$work/src.tif" "$out/document.tif"
rx "$work/e820.eml"
expect "#820: base64 with garbage" errcode=820 pages=0 has_document=false
rx "$work/e821.eml"
expect "#821: a TIFF cut to 6 bytes" errcode=821 kind=ifax has_document=false
rx "$work/e822.eml"
expect "#822: a TIFF whose MH strips do not decode" errcode=822 has_document=false
rx "$work/e827.eml"
expect "#827: audio" errcode=827
rx "$work/e828.eml"
expect "#828: HTML only" errcode=828 has_text=false
rx "$work/e829.eml" --max-pages 2
expect "#829: 3 pages over a limit of 2, the first 2 kept" errcode=829 pages=2
tiffcp "$work/p1.tif" "$work/p2.tif" "$work/p12.tif"
tap_check "#829: the kept pages are the first two" same_pages "$work/p12.tif" "$out/document.tif"
rx "$work/e835.eml" --max-lines 5
expect "#835: 20 lines over IFAX-LIM 5, cut to 5" errcode=835 text_lines=5
tap_check "#835: text.txt holds the first 5 lines" diff <(printf 'line %s\n' 1 2 3 4 5) "$out/text.txt"
rx "$work/e835.eml" --max-lines 0
expect "IFAX-LIM 0: no limit" errcode=0 text_lines=20
rx "$work/simple.eml" --max-bytes 1000
expect "#819: a message over max_message_bytes" errcode=819 has_document=false
rx "$work/simple.eml" --raw
tap_check "RAW-DATA: raw.eml is the message byte for byte" cmp "$work/simple.eml" "$out/raw.eml"

# Every detail is one printable line, and never the message's text.
if python3 - "$work/all.json" <<'EOF'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert sum(1 for r in rs if r["errcode"]) >= 10
for r in rs:
    d = r["detail"]
    assert all(0x20 <= ord(c) < 0x7f for c in d), d
    assert (d != "") == (r["errcode"] != 0), r
    for words in ("line 6", "only HTML", "quick brown", "Two pages"):
        assert words not in d, d
EOF
then
	tap_ok "details: printable, one per error, no message text"
else
	tap_fail "details: printable, one per error, no message text"
fi

# --- our own sender (user/mail/mime.c through mime_test --write) ---------------------------
for kind in simple full; do
	for c in g3 g3_2d g4; do
		"$mt" --write "$work/own_$kind.$c.eml" --kind "$kind" --from scan@device.example \
			--to fax@sender.example --subject "Scan $kind" --body "Own $kind" \
			--attach "$work/$c.tif:doc.tif:image/tiff; application=faxbw" >/dev/null
		rx "$work/own_$kind.$c.eml"
		if [ "$kind" = full ]; then fm=true; else fm=false; fi
		expect "own $kind mode ($c): received as I-Fax, 2 pages" kind=ifax errcode=0 pages=2 \
			full_mode=$fm subject="Scan $kind"
		tap_check "own $kind mode ($c): pages equal the source" \
			same_pages "$work/src.tif" "$out/document.tif"
	done
done

# A page changed by one word is not "the same": the comparison is a real check.
page 9 "Page one: the quick brown fix"
if same_pages "$work/p1.tif" "$work/p9.tif" >/dev/null 2>&1; then
	tap_fail "same_pages tells one changed word"
else
	tap_ok "same_pages tells one changed word"
fi

# --- hostile: nothing crashes or hangs ------------------------------------------------------
python3 - "$work" <<'EOF'
import sys
w = sys.argv[1]
open(f"{w}/deep.eml", "wb").write(b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(500)))
open(f"{w}/parts.eml", "wb").write(b"Content-Type: multipart/mixed; boundary=p\r\n\r\n" + b"--p\r\n\r\nx\r\n" * 100000)
open(f"{w}/header.eml", "wb").write(b"Subject: " + b"A" * (1 << 20) + b"\r\n\r\nx\r\n")
EOF
for h in deep parts header; do
	rx "$work/$h.eml"
	expect "hostile $h.eml: #819, no crash" errcode=819
done

tap_done
