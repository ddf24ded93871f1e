#!/usr/bin/env python3
"""Malformed requests on irsendd's control socket (run by irsendd_socket.sh).

Usage: irsendd_socket.py SOCKET PID DATA_DIR WORK_DIR

Every bad request must get one error reply with a fitting code and a
message, and the agent must go on serving: after each case a "hello" on a
new connection is answered, the process is alive, it holds no more
descriptors than before and the job spool holds no leftover. Prints TAP.
"""
import array
import json
import os
import socket
import struct
import sys
import time

SOCK, PID, DATA, WORK = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
FRAME_MAX = 64 * 1024
TIMEOUT = 10.0

n = 0
failed = 0


def ok(cond, name, *diag):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} {name}")
    else:
        failed += 1
        print(f"not ok {n} {name}")
        for d in diag:
            for line in str(d).splitlines():
                print(f"# {line}")
    sys.stdout.flush()
    return cond


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect(SOCK)
    return s


def frame(obj):
    data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return struct.pack(">I", len(data)) + data


def send_frame(s, obj, fds=()):
    data = frame(obj)
    if fds:
        s.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    else:
        s.sendall(data)


def recv_exact(s, k):
    buf = b""
    while len(buf) < k:
        chunk = s.recv(k - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def recv_frame(s):
    """The next frame as a dict, None at the end of the stream."""
    hdr = recv_exact(s, 4)
    if hdr is None:
        return None
    (length,) = struct.unpack(">I", hdr)
    if length > FRAME_MAX:
        raise ValueError(f"the agent sent a frame of {length} bytes")
    body = recv_exact(s, length)
    if body is None:
        raise ValueError("the agent's frame was cut off")
    return json.loads(body)


def reply_to(s):
    """The reply (skipping events), None when the agent closed without one."""
    while True:
        m = recv_frame(s)
        if m is None or "event" not in m:
            return m


def request(cmd, args=None, fds=(), rid=7, v=1):
    s = connect()
    try:
        req = {"v": v, "id": rid, "cmd": cmd}
        if args is not None:
            req["args"] = args
        send_frame(s, req, fds)
        return reply_to(s)
    finally:
        s.close()


def fd_count():
    return len(os.listdir(f"/proc/{PID}/fd"))


def spool_leftovers():
    spool = os.path.join(DATA, "spool")
    return sorted(os.listdir(spool)) if os.path.isdir(spool) else []


def staging_leftovers():
    st = os.path.join(DATA, "boxes", ".staging")
    return sorted(os.listdir(st)) if os.path.isdir(st) else []


base_fds = None


def still_serving(name, open_conns=0):
    """The agent answers hello, lives, and has no leftover fds or spool files
    (open_conns: connections the test holds open on purpose)."""
    alive = os.path.exists(f"/proc/{PID}")
    try:
        r = request("hello")
        hello = r is not None and r.get("ok") is True and r["result"].get("protocol") == 1
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        hello, r = False, repr(e)
    # A connection the agent is closing may take a moment to go.
    fds = fd_count() if alive else -1
    for _ in range(40):
        if fds <= base_fds + open_conns:
            break
        time.sleep(0.05)
        fds = fd_count()
    left = spool_leftovers() + staging_leftovers()
    ok(alive and hello and fds <= base_fds + open_conns and not left,
       f"{name}: still serving, nothing left behind",
       f"alive={alive} hello={r!r}", f"descriptors {fds} (at start {base_fds})",
       f"spool/staging: {left}")


def expect_error(name, reply, codes, words=()):
    """An error reply whose code is one of codes and whose message has every word."""
    good = (isinstance(reply, dict) and reply.get("ok") is False and
            isinstance(reply.get("error"), dict) and reply["error"].get("code") in codes and
            isinstance(reply["error"].get("message"), str) and len(reply["error"]["message"]) > 5
            and all(w.lower() in reply["error"]["message"].lower() for w in words) and
            reply.get("v") == 1)
    ok(good, f"{name}: error {'/'.join(codes)}", f"reply: {reply!r}",
       f"wanted words: {list(words)}")
    still_serving(name)


def raw_case(name, data, codes, words=(), then_hello=False):
    """Send raw bytes; the agent's first frame back must be the error."""
    s = connect()
    try:
        s.sendall(data)
        try:
            r = recv_frame(s)
        except (OSError, ValueError) as e:
            r = repr(e)
        if then_hello and isinstance(r, dict):
            # The stream is still in step: the same connection serves a request.
            send_frame(s, {"v": 1, "id": 9, "cmd": "hello"})
            h = reply_to(s)
            ok(isinstance(h, dict) and h.get("ok") is True and h.get("id") == 9,
               f"{name}: the same connection serves the next frame", f"reply: {h!r}")
    finally:
        s.close()
    expect_error(name, r, codes, words)


def open_file(path):
    return os.open(path, os.O_RDONLY)


def send_files(name, paths, codes, words=(), args=None):
    fds = [open_file(p) for p in paths]
    a = {"source": "files", "boxes": [1], "formats": ["pdf"]}
    a.update(args or {})
    try:
        r = request("send", a, fds)
    finally:
        for fd in fds:
            os.close(fd)
    expect_error(name, r, codes, words)


def main():
    global base_fds, n
    print("TAP version 13")
    # Settle first: one good request, then count the agent's descriptors.
    request("hello")
    time.sleep(0.1)
    base_fds = fd_count()
    page = os.path.join(WORK, "page.pbm")

    # The framing.
    raw_case("garbage bytes (an impossible length)", b"GET / HTTP/1.0\r\n\r\n" * 4,
             ["EMSGSIZE"], ["limit"])
    raw_case("a frame of garbage", frame(b"\x00\xff\xfe garbage {{{"), ["EBADMSG"],
             ["JSON"], then_hello=True)
    raw_case("a frame of JSON that is not an object: array", frame(b"[1,2,3]"),
             ["EBADMSG"], ["object"], then_hello=True)
    raw_case("a frame of JSON that is not an object: string", frame(b'"hello"'),
             ["EBADMSG"], ["object"])
    raw_case("a frame of JSON that is not an object: number", frame(b"42"), ["EBADMSG"])
    raw_case("an object with trailing bytes", frame(b'{"v":1,"cmd":"hello"} x'),
             ["EBADMSG"])
    raw_case("an empty frame", frame(b""), ["EBADMSG"])
    raw_case("a length over 64 KiB", struct.pack(">I", FRAME_MAX + 1) + b"{" * 100,
             ["EMSGSIZE"], ["limit"])
    raw_case("a 4 GiB length", b"\xff\xff\xff\xff", ["EMSGSIZE"])
    # A whole frame of 70 KiB, written while the agent may already close.
    s = connect()
    try:
        big = frame({"v": 1, "id": 1, "cmd": "hello", "args": {"pad": "x" * (70 * 1024)}})
        try:
            s.sendall(big)
        except OSError:
            pass
        try:
            r = recv_frame(s)
        except (OSError, ValueError) as e:
            r = repr(e)
    finally:
        s.close()
    expect_error("a 70 KiB frame", r, ["EMSGSIZE"])

    # Cut off: half a header, half a frame, then the client goes away.
    for name, data in (("half a header then close", b"\x00\x00"),
                       ("a truncated frame then close", struct.pack(">I", 200) + b'{"v":1,"cmd')):
        s = connect()
        s.sendall(data)
        s.close()
        time.sleep(0.1)
        still_serving(name)
    # A client that sends half a frame and waits must not hold up others.
    lazy = connect()
    lazy.sendall(struct.pack(">I", 100) + b'{"v":1')
    t0 = time.monotonic()
    still_serving("another client while one sits on half a frame", 1)
    ok(time.monotonic() - t0 < 5, "a half-sent frame does not delay other clients",
       f"took {time.monotonic() - t0:.1f} s")
    lazy.close()

    # The request object.
    expect_error("protocol version 2", request("hello", v=2), ["EPROTO"], ["version", "1"])
    expect_error("protocol version 0", request("jobs", v=0), ["EPROTO"], ["1"])
    expect_error("protocol version as a string", request("jobs", v="1"), ["EPROTO"])
    r = None
    s = connect()
    send_frame(s, {"id": 3, "cmd": "hello"})
    r = reply_to(s)
    s.close()
    expect_error("no protocol version", r, ["EPROTO"])
    s = connect()
    send_frame(s, {"v": 1, "id": 4})
    r = reply_to(s)
    s.close()
    expect_error("missing cmd", r, ["EINVAL"], ["cmd"])
    ok(isinstance(r, dict) and r.get("id") == 4, "the error reply carries the request id",
       f"reply: {r!r}")
    s = connect()
    send_frame(s, {"v": 1, "id": 5, "cmd": 17})
    r = reply_to(s)
    s.close()
    expect_error("cmd that is not a string", r, ["EINVAL"], ["cmd"])
    for verb in ("frobnicate", "", "job.", "JOBS", "settings.delete", "x" * 5000):
        expect_error(f"unknown verb {verb[:20]!r}", request(verb), ["ENOSYS"], ["unknown"])
    expect_error("args that are not an object", request("jobs", [1, 2]), ["EINVAL"], ["args"])

    # Arguments of the wrong type.
    expect_error("job.show without a job", request("job.show", {}), ["EINVAL"], ["job"])
    expect_error("job.show job as a string", request("job.show", {"job": "1"}), ["EINVAL"],
                 ["job"])
    expect_error("job.show job as a float", request("job.show", {"job": 1.5}), ["EINVAL"])
    expect_error("job.show job as a bool", request("job.show", {"job": True}), ["EINVAL"])
    expect_error("job.show job -1", request("job.show", {"job": -1}), ["EINVAL"])
    expect_error("job.show job that never was", request("job.show", {"job": 4000}),
                 ["ENOENT"], ["4000"])
    expect_error("job.cancel job that is not running", request("job.cancel", {"job": 99}),
                 ["ESRCH"], ["99"])
    expect_error("jobs recent as a string", request("jobs", {"recent": "all"}), ["EINVAL"],
                 ["recent"])
    expect_error("box.show box as a string", request("box.show", {"box": "1"}), ["EINVAL"],
                 ["box"])
    expect_error("box.show pin as a number", request("box.show", {"box": 1, "pin": 1234}),
                 ["EINVAL"], ["pin"])
    expect_error("box.export doc as an array", request("box.export", {"box": 1, "doc": [1]}),
                 ["EINVAL"], ["doc"])
    expect_error("box.delete neither doc nor all", request("box.delete", {"box": 1}),
                 ["EINVAL"])
    expect_error("settings.get key as a number", request("settings.get", {"key": 5}),
                 ["EINVAL"], ["key"])
    expect_error("settings.set value as a number",
                 request("settings.set", {"key": "net.timeout", "value": 30}), ["EINVAL"],
                 ["value"])
    expect_error("settings.get unknown key", request("settings.get", {"key": "no.such"}),
                 ["ENOENT"], ["no.such"])
    expect_error("service.get unknown key", request("service.get", {"key": "../etc"}),
                 ["ENOENT"])
    expect_error("send without a source", request("send", {"boxes": [1]}), ["EINVAL"],
                 ["source"])
    expect_error("send source as a number", request("send", {"source": 5, "boxes": [1]}),
                 ["EINVAL"], ["source"])
    expect_error("send an unknown source", request("send", {"source": "fax", "boxes": [1]}),
                 ["EINVAL"], ["source"])
    expect_error("send a scan without the module",
                 request("send", {"source": "scan", "boxes": [1], "scan": {"pages": 1}}),
                 ["ENODEV"], ["module"])
    expect_error("send files without a file", request("send", {"source": "files", "boxes": [1]}),
                 ["EINVAL"], ["file"])
    send_files("send boxes as a number", [page], ["EINVAL"], ["boxes"], {"boxes": 1})
    send_files("send box as a string", [page], ["EINVAL"], ["box"], {"boxes": ["1"]})
    send_files("send no boxes", [page], ["EINVAL"], ["boxes"], {"boxes": []})
    send_files("send nine boxes", [page], ["EINVAL"], ["boxes"], {"boxes": list(range(9))})
    send_files("send formats as a string", [page], ["EINVAL"], ["formats"],
               {"formats": "pdf"})
    send_files("send format as a number", [page], ["EINVAL"], ["format"], {"formats": [3]})
    send_files("send xres as a string", [page], ["EINVAL"], ["xres"], {"xres": "200"})
    send_files("send follow as a number... (ignored) with a bad name", [page], ["EINVAL"],
               ["name"], {"name": 12})

    # Huge numbers.
    for label, value in (("2^63-1", 2**63 - 1), ("2^64", 2**64), ("10^30", 10**30),
                         ("1e300", 1e300)):
        expect_error(f"job.show job {label}", request("job.show", {"job": value}), ["EINVAL"])
        expect_error(f"box.show box {label}", request("box.show", {"box": value}), ["EINVAL"])
        send_files(f"send box {label}", [page], ["EINVAL"], ["box"], {"boxes": [value]})
    expect_error("jobs recent 2^40", request("jobs", {"recent": 2**40}), ["EINVAL"], ["recent"])
    send_files("send xres 2^32+200", [page], ["EINVAL"], ["xres"], {"xres": 2**32 + 200})

    # Boxes that do not exist.
    expect_error("box.show box 100 (of 0..99)", request("box.show", {"box": 100}), ["EINVAL"],
                 ["box"])
    expect_error("box.show box -1", request("box.show", {"box": -1}), ["EINVAL"])
    send_files("send to box 100", [page], ["EINVAL"], ["100"], {"boxes": [100]})
    send_files("send to box -5", [page], ["EINVAL"], ["box"], {"boxes": [-5]})
    expect_error("box.export a document that is not there",
                 request("box.export", {"box": 1, "doc": 999}), ["ENOENT"])
    expect_error("box.delete a document that is not there",
                 request("box.delete", {"box": 1, "doc": 999}), ["ENOENT"])

    # Names that are not file names.
    for bad in ("../x", "a/b", "/etc/passwd", ".hidden", "-rf", "", "x" * 64, "a\nb",
                "caf\u00e9", "..", "a b"):
        send_files(f"send name {bad[:16]!r}", [page], ["EINVAL"], ["name"], {"name": bad})

    # Formats.
    send_files("send five formats", [page], ["EINVAL"], ["format"],
               {"formats": ["pdf", "tiff-mmr", "tiff-mh", "tiff-mr", "pdf-split"]})
    send_files("send no format", [page], ["EINVAL"], ["format"], {"formats": []})
    send_files("send a format twice", [page], ["EINVAL"], ["twice"],
               {"formats": ["pdf", "pdf"]})
    send_files("send an unknown format", [page], ["EINVAL"], ["format"],
               {"formats": ["docx"]})
    send_files("send a format of 200 characters", [page], ["EINVAL"], ["format"],
               {"formats": ["p" * 200]})

    # Files that are not pages.
    def write(name, data):
        p = os.path.join(WORK, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    text = write("notes.txt", b"this is not an image\n" * 100)
    empty = write("empty.pbm", b"")
    with open(page, "rb") as f:
        whole = f.read()
    trunc = write("truncated.pbm", whole[: len(whole) // 2])
    huge = write("huge.pbm", b"P4\n1000000000 1000000000\n" + b"\0" * 1000)
    huge_w = write("wide.pbm", b"P4\n4000000 1\n" + b"\0" * 1000)
    zero = write("zero.pbm", b"P4\n0 0\n")
    badmax = write("badmax.pgm", b"P5\n10 10\n70000\n" + b"\0" * 200)
    ascii_pnm = write("ascii.pbm", b"P1\n2 2\n0 1\n1 0\n")
    second_bad = write("second-bad.pbm", whole + b"P4\n8 8\n")
    send_files("a text file", [text], ["EINVAL"], ["file 1"])
    send_files("an empty file", [empty], ["EINVAL"], ["file 1"])
    send_files("a truncated PBM", [trunc], ["EINVAL"], ["page 1"])
    send_files("a PBM of 10^9 x 10^9 pixels", [huge], ["EINVAL"], ["file 1"])
    send_files("a PBM 4 million pixels wide", [huge_w], ["EINVAL"], ["file 1"])
    send_files("a PBM of 0 x 0 pixels", [zero], ["EINVAL"], ["file 1"])
    send_files("a PGM with maxval 70000", [badmax], ["EINVAL"], ["file 1"])
    send_files("a plain (ASCII) PBM", [ascii_pnm], ["EINVAL"], ["file 1"])
    send_files("a good page, then a bad one in the same file", [second_bad], ["EINVAL"],
               ["page 2"])
    send_files("a good file, then a text file", [page, text], ["EINVAL"], ["file 2"])
    send_files("a directory", [WORK], ["EINVAL", "EIO"], ["file 1"])
    many = write("many.pbm", b"P4\n8 2\n\0\0" * 1001)
    send_files("1001 pages", [many], ["E2BIG"], ["1000"])
    # More descriptors than one frame may carry: the extra ones are dropped, not leaked.
    fds = [open_file(page) for _ in range(20)]
    try:
        r = request("hello", None, fds)
    finally:
        for fd in fds:
            os.close(fd)
    ok(isinstance(r, dict) and r.get("ok") is True, "hello with 20 descriptors attached",
       f"reply: {r!r}")
    still_serving("hello with 20 descriptors attached")

    # A pipe that stays silent must not hold up the other clients: the agent
    # reads a send's descriptors in a thread of their own.
    rd, wr = os.pipe()
    s = connect()
    send_frame(s, {"v": 1, "id": 1, "cmd": "send",
                   "args": {"source": "files", "boxes": [1], "formats": ["pdf"]}}, [rd])
    os.close(rd)
    time.sleep(0.2)
    t0 = time.monotonic()
    try:
        r = request("hello")
    except OSError as e:
        r = repr(e)
    took = time.monotonic() - t0
    ok(isinstance(r, dict) and r.get("ok") is True and took < 5,
       "hello is answered while another client's pipe stays silent",
       f"took {took:.1f} s: {r!r}")
    os.close(wr)  # end of file: that job fails for want of a page
    try:
        r = reply_to(s)
    except (OSError, ValueError) as e:
        r = repr(e)
    s.close()
    expect_error("a pipe that ends without a page", r, ["EINVAL"], ["no image"])

    # And a good job still works at the end.
    fd = open_file(page)
    try:
        r = request("send", {"source": "files", "boxes": [1], "formats": ["pdf"],
                             "name": "after-the-storm"}, [fd])
    finally:
        os.close(fd)
    ok(isinstance(r, dict) and r.get("ok") is True and isinstance(r["result"].get("job"), int),
       "a good send is accepted after all that", f"reply: {r!r}")

    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
