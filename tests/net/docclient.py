#!/usr/bin/env python3
"""docclient.py — a sync client written from docs/protocol.md and docs/changeset.md alone.

It checks that the documents are enough to talk to `arenadb serve`: standard-library Python,
its own WebSocket framing (RFC 6455: handshake, masking, ping/pong, close) and its own reading
and writing of frames, change sets and version vectors; nothing of nettest.py or of the C code.

Usage: docclient.py ARENADB CHECK...; checks: pull push live presence error fresh. Each starts
its own server on 127.0.0.1 in a temporary folder, prints "ok CHECK" or "FAIL CHECK: why", and
the exit status is non-zero when any failed. nettest.py runs each as a test of the net suite."""
import base64
import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

ARENADB = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/arenadb"
TMP = tempfile.mkdtemp(prefix="arenadb-doc-")

# Frame types and hello flags (protocol.md, "Frames").
HELLO, BATCH, ACK, PRESENCE, ERROR, PING, PONG, VV = range(1, 9)
F_LIVE, F_PRESENCE_ONLY = 1, 2
ADB_AUTH = 7  # ERROR statuses are the negated ADB_* codes (protocol.md, "Errors")


class Fail(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Fail(why)


# ---- the wire forms of changeset.md ----

def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def string(b):
    return uvarint(len(b)) + b


class Reader:
    def __init__(self, data):
        self.d, self.i = data, 0

    def take(self, n):
        check(self.i + n <= len(self.d), "a message ends early")
        b = self.d[self.i:self.i + n]
        self.i += n
        return b

    def varint(self):
        n = shift = 0
        while True:
            b = self.take(1)[0]
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n

    def string(self):
        return self.take(self.varint())

    def rest(self):
        return self.take(len(self.d) - self.i)


def digest(b):
    # changeset.md: the last 16 bytes, unkeyed BLAKE2b with a 16-byte output, over all before.
    return hashlib.blake2b(b, digest_size=16).digest()


def sealed(magic, body):
    head = magic + b"\x01" + body
    return head + digest(head)


def unseal(msg, magic):
    check(msg[:4] == magic and msg[4] == 1, f"not a {magic!r} message")
    check(digest(msg[:-16]) == msg[-16:], f"the digest of a {magic!r} message is wrong")
    return Reader(msg[5:-16])


def encode_vv(dbid, vv):
    body = dbid + uvarint(len(vv))
    for rid, seq in sorted(vv.items()):
        body += rid + uvarint(seq)
    return sealed(b"ADBV", body)


def decode_vv(msg):
    r = unseal(msg, b"ADBV")
    dbid, vv = r.take(16), {}
    for _ in range(r.varint()):
        rid = r.take(16)
        vv[rid] = r.varint()
    check(r.i == len(r.d), "stray bytes in a version vector")
    return dbid, vv


def empty_changes(dbid, sender):
    """The empty change set: no replica, no record (changeset.md)."""
    return sealed(b"ADBC", dbid + sender + uvarint(0) + b"\x00")


def read_changes(msg):
    """(database id, replica table [(rid, from, to)], {node or edge id: label or None})."""
    r = unseal(msg, b"ADBC")
    dbid, _sender = r.take(16), r.take(16)
    table = [(r.take(16), r.varint(), r.varint()) for _ in range(r.varint())]
    elements = {}
    while True:
        kind = r.take(1)[0]
        if kind == 0:
            break
        check(kind in (1, 2), f"record kind {kind}")
        eid = r.string().decode()
        label = None
        for _ in range(r.varint()):
            rtype = r.take(1)[0]
            r.varint(), r.varint(), r.varint(), r.varint()  # causal length, clock, replica, seq
            if rtype == 2:
                label = r.string().decode()
            elif rtype == 3:
                r.string(), r.string()
            elif rtype == 4:
                has = r.take(1)[0]
                r.string()
                if has:
                    r.string()
            elif rtype == 5:
                r.string()
                for _ in range(r.varint()):
                    r.varint(), r.varint(), r.varint()
                r.string()
            else:
                check(rtype == 1, f"register type {rtype}")
        elements[(kind, eid)] = label
    check(r.i == len(r.d), "stray bytes after a change set's records")
    return dbid, table, elements


# ---- WebSocket (RFC 6455), client side ----

class WebSocket:
    def __init__(self, port, subprotocol="arenadb-sync", timeout=10):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((f"GET /sync HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                        f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {subprotocol}\r\n"
                        "\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.s.recv(4096)
            check(c, "the server closed the connection during the handshake")
            head += c
        head, self.buf = head.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        check(lines[0].startswith("HTTP/1.1 101"), f"handshake refused: {lines[0]}")
        fields = {k.strip().lower(): v.strip() for k, v in
                  (ln.split(":", 1) for ln in lines[1:] if ":" in ln)}
        want = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        check(fields.get("sec-websocket-accept") == want, "a wrong Sec-WebSocket-Accept")
        check(fields.get("sec-websocket-protocol") == subprotocol, "the subprotocol not agreed")
        self.close_status = self.close_reason = None

    def send_raw(self, opcode, payload):
        n = len(payload)
        h = bytes([0x80 | opcode])
        if n < 126:
            h += bytes([0x80 | n])
        elif n < 65536:
            h += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            h += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)  # a client masks every frame
        self.s.sendall(h + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _read(self, n):
        while len(self.buf) < n:
            c = self.s.recv(65536)
            if not c:
                raise EOFError
            self.buf += c
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def message(self):
        """The next data message's payload (fragments joined); None once a close arrived."""
        data = b""
        while True:
            b0, b1 = self._read(2)
            check(not b1 & 0x80, "the server masked a frame")
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            op, payload = b0 & 0x0F, self._read(n)
            if op == 9:
                self.send_raw(10, payload)
            elif op == 8:
                if len(payload) >= 2:
                    self.close_status = struct.unpack(">H", payload[:2])[0]
                    self.close_reason = payload[2:].decode(errors="replace")
                try:
                    self.send_raw(8, payload[:2])  # answer the close
                except OSError:
                    pass
                return None
            elif op in (0, 1, 2):
                check(op != 1, "a text message")
                data += payload
                if b0 & 0x80:
                    return data

    def close(self):
        try:
            self.send_raw(8, struct.pack(">H", 1000) + b"bye")
        except OSError:
            pass
        self.s.close()


# ---- the sync protocol ----

class Session:
    """One sync connection: frames over a WebSocket, and this client's side of the protocol."""

    def __init__(self, port, flags=0, token=b"", dbid=None, rid=None, vv=None):
        self.ws = WebSocket(port)
        self.rid = rid or os.urandom(16)
        self.dbid = dbid or os.urandom(16)  # a fresh client's own; it joins the server's
        self.vv = dict(vv or {})            # what this client has: nothing, when fresh
        self.stream = b""
        self.sent = 0      # batch numbers continue across exports, from 1
        self.received = 0
        self.server_vv = None
        self.elements = {}
        self.presence = {}
        self.acks = {}          # batch number: the server's vector in its ACK
        self.last_vv = None     # the server's last VV frame
        self.pings = 0
        self.error = None       # (status, reason) of an ERROR frame
        self.send(HELLO, b"ADBS" + bytes([1, flags]) + self.dbid + self.rid + string(token) +
                  string(encode_vv(self.dbid, self.vv)))

    def send(self, ftype, body):
        self.ws.send_raw(2, struct.pack(">I", 1 + len(body)) + bytes([ftype]) + body)

    def frame(self, deadline):
        """The next protocol frame (type, body), answering PING and BATCH on the way; None when
        the connection closed."""
        while True:
            if len(self.stream) >= 4:
                n = struct.unpack(">I", self.stream[:4])[0]
                check(1 <= n <= 64 << 20, f"a frame length of {n}")
                if len(self.stream) >= 4 + n:
                    ftype, body = self.stream[4], self.stream[5:4 + n]
                    self.stream = self.stream[4 + n:]
                    return self.handle(ftype, body)
            self.ws.s.settimeout(max(0.05, deadline - time.time()))
            try:
                m = self.ws.message()
            except (socket.timeout, TimeoutError):
                raise Fail("timed out waiting for the server")
            except (EOFError, ConnectionResetError):
                return None
            if m is None:
                return None
            self.stream += m

    def handle(self, ftype, body):
        r = Reader(body)
        if ftype == PING:
            self.pings += 1
            self.send(PONG, b"")
        elif ftype == ACK:
            no = r.varint()
            check(no not in self.acks and no <= self.sent, f"an acknowledgement of batch {no}")
            self.acks[no] = decode_vv(r.rest())[1]
        elif ftype == VV:
            self.last_vv = decode_vv(body)[1]
        elif ftype == HELLO:
            check(r.take(4) == b"ADBS" and r.take(1)[0] == 1, "the server's hello")
            flags = r.take(1)[0]
            check(flags & 4, "the server's hello lacks flag 4")
            self.server_db, self.server_rid = r.take(16), r.take(16)
            r.string()
            db, self.server_vv = decode_vv(r.string())
            check(db == self.server_db, "the hello's vector names another database")
        elif ftype == BATCH:
            no, last = r.varint(), r.take(1)[0]
            check(no == self.received + 1, f"batch {no} after {self.received}")
            self.received = no
            if last:
                _, sender_vv = decode_vv(r.string())
                for rid, seq in sender_vv.items():
                    self.server_vv[rid] = max(seq, self.server_vv.get(rid, 0))
            dbid, table, elements = read_changes(r.rest())
            self.dbid = dbid  # a fresh client joins the sender's database
            self.elements.update(elements)
            # protocol.md: the acknowledged vector advances only by the final batch's table.
            for rid, lo, hi in table:
                if rid != self.rid and self.vv.get(rid, 0) >= lo and hi > self.vv.get(rid, 0):
                    self.vv[rid] = hi
            self.send(ACK, uvarint(no) + encode_vv(self.dbid, self.vv))
        elif ftype == PRESENCE:
            origin, key = r.take(16), r.string().decode()
            r.varint(), r.varint()
            value = r.string().decode()
            self.presence[(origin, key)] = json.loads(value) if value else None
        elif ftype == ERROR:
            self.error = (r.varint(), r.string().decode(errors="replace"))
        return ftype, body

    def until(self, what, cond, timeout=15):
        deadline = time.time() + timeout
        while not cond():
            check(time.time() < deadline, f"timed out waiting for {what}")
            f = self.frame(deadline)
            check(f is not None, f"the connection closed while waiting for {what}")
        return True

    def push(self, changes, last=True):
        self.sent += 1
        head = uvarint(self.sent) + bytes([1 if last else 0])
        if last:
            head += string(encode_vv(self.dbid, self.vv))
        self.send(BATCH, head + changes)
        no = self.sent
        self.until(f"the acknowledgement of batch {no}", lambda: no in self.acks)
        return self.acks[no]


# ---- servers and the CLI ----

def cli(db, *args):
    r = subprocess.run([ARENADB, "--db", os.path.join(TMP, db), *args], capture_output=True,
                       timeout=30)
    check(r.returncode == 0, f"arenadb {' '.join(args)}: {r.stderr.decode().strip()}")
    return r.stdout


def serve(db, *extra):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    cli(db, "init")
    log = open(os.path.join(TMP, db + ".log"), "ab")
    p = subprocess.Popen([ARENADB, "--db", os.path.join(TMP, db), "serve", "--listen",
                          f"127.0.0.1:{port}", *extra], stdout=log, stderr=log)
    headers = {"Authorization": f"Bearer {extra[1]}"} if "--token" in extra else {}
    for _ in range(100):
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/status", headers=headers)
            with urllib.request.urlopen(req, timeout=2) as r:
                return p, port, json.loads(r.read())
        except OSError:
            time.sleep(0.1)
    p.kill()
    raise Fail("the server did not start")


def server_vv(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/vv", timeout=5) as r:
        return json.loads(r.read())


def pulled(port, nodes):
    """A fresh client's initial exchange: the server's batches, then its own empty delta."""
    s = Session(port)
    s.until("the server's final batch", lambda: s.server_vv is not None and
            s.vv == {k: v for k, v in s.server_vv.items() if v} and
            sum(1 for k in s.elements if k[0] == 1) >= nodes)
    return s


# ---- checks ----

def check_pull(p, port, st):
    for i in range(5):
        cli("srv.db", "node", "add", "Doc", json.dumps({"i": i}), "--id", f"doc-{i}")
    s = pulled(port, 5)
    check(s.dbid.hex() == st["db"], "the batches are not of the server's database")
    want = {(1, f"doc-{i}"): "Doc" for i in range(5)}
    check(s.elements == want, f"pulled {s.elements}")
    served = server_vv(port)["vv"]
    check({k.hex(): v for k, v in s.vv.items()} == served,
          f"the acknowledged vector {s.vv} is not the server's {served}")
    # the fresh client's own delta: the empty change set
    s.push(empty_changes(s.dbid, s.rid))
    s.ws.close()


def check_push(p, port, st):
    cli("srv.db", "node", "add", "Seed", "--id", "seed")
    s = pulled(port, 1)
    s.push(empty_changes(s.dbid, s.rid))  # the initial exchange's last batch
    # a change set of this database made by the CLI, for a replica at the client's vector
    cli("w.db", "init", "--db-id", st["db"])
    cli("w.db", "node", "add", "Pushed", "{}", "--id", "pushed-1")
    out = os.path.join(TMP, "push.changes")
    cli("w.db", "changes", "-o", out)
    _, table, elements = read_changes(open(out, "rb").read())
    check(elements == {(1, "pushed-1"): "Pushed"}, f"the CLI's set holds {elements}")
    acked = s.push(open(out, "rb").read())  # batch 2: numbers continue within the session
    writer = [bytes.fromhex(k) for k, v in json.loads(cli("w.db", "vv"))["vv"].items() if v]
    check(len(writer) == 1 and acked.get(writer[0]) == 1 and s.acks[1] != acked,
          f"the server's acknowledged vector {acked} lacks the writer's transaction")
    rows = json.loads(cli("srv.db", "sql", "SELECT id FROM nodes WHERE id='pushed-1'",
                          "--format", "json"))
    check(len(rows) == 1, "the pushed node is not on the server")
    s.ws.close()


def check_live(p, port, st):
    cli("srv.db", "node", "add", "Seed", "--id", "seed")
    s = Session(port, flags=F_LIVE)
    s.until("the initial exchange", lambda: (1, "seed") in s.elements and s.server_vv)
    s.push(empty_changes(s.dbid, s.rid))
    cli("srv.db", "node", "add", "Live", "--id", "live-1")
    s.until("the CLI's write, live", lambda: (1, "live-1") in s.elements)
    check(s.received >= 2, "the live batch did not continue the batch numbers")
    # anti-entropy: an idle live session hears the server's vector every 3 s (one sent after
    # the live batch follows this client's ACK of it: the server sends VV only when idle)
    s.last_vv = None
    s.until("a VV frame", lambda: s.last_vv is not None, timeout=10)
    check(s.last_vv == {k: v for k, v in s.vv.items() if v},
          f"the server's VV {s.last_vv} is not what this client acknowledged {s.vv}")
    s.ws.close()


def check_presence(p, port, st):
    watcher = Session(port, flags=F_PRESENCE_ONLY)
    watcher.until("the server's hello", lambda: watcher.server_vv is not None)
    setter = Session(port, flags=F_PRESENCE_ONLY)
    setter.until("the server's hello", lambda: setter.server_vv is not None)
    version = int(time.time() * 1000) * 1024
    setter.send(PRESENCE, setter.rid + string(b"cursor") + uvarint(version) + uvarint(5000) +
                string(b'{"x":3}'))
    watcher.until("the entry relayed", lambda: watcher.presence.get((setter.rid, "cursor")) ==
                  {"x": 3})
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/presence", timeout=5) as r:
        entries = json.loads(r.read())
    check(any(e["key"] == "cursor" for e in entries), f"the server's table: {entries}")
    setter.send(PRESENCE, setter.rid + string(b"cursor") + uvarint(version + 1) + uvarint(5000) +
                b"\x00")
    watcher.until("the removal relayed", lambda: watcher.presence.get((setter.rid, "cursor"), 1)
                  is None)
    # the session stays up past the 8 s timeout on answered PINGs alone
    t0 = time.time()
    watcher.until("10 s of keep-alive", lambda: time.time() > t0 + 10, timeout=13)
    check(watcher.pings >= 2, f"{watcher.pings} pings in 10 s")
    setter.ws.close()
    watcher.ws.close()


def check_error(p, port, st):
    s = Session(port, token=b"not-the-token")
    frames = []
    while True:
        f = s.frame(time.time() + 10)
        if f is None:
            break
        frames.append(f[0])
    check(frames == [ERROR], f"frames before the close: {frames}")
    check(s.error[0] == ADB_AUTH, f"status {s.error[0]}, not ADB_AUTH")
    check(s.ws.close_status == 1008, f"close status {s.ws.close_status}")
    check(s.ws.close_reason and "token" in s.ws.close_reason, f"reason {s.ws.close_reason!r}")
    # the subprotocol is required: an upgrade without it gets no 101
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade"
               "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               "\r\n").encode())
    answer = b""
    try:
        while len(answer) < 12:
            d = c.recv(4096)
            if not d:
                break
            answer += d
    except OSError:
        pass
    c.close()
    check(not answer.startswith(b"HTTP/1.1 101"), "an upgrade without the subprotocol was accepted")


def check_fresh(p, port, st):
    cli("srv.db", "node", "add", "Seed", "--id", "seed")
    before = server_vv(port)["vv"]
    for _ in range(3):
        s = pulled(port, 1)
        s.push(empty_changes(s.dbid, s.rid))
        s.ws.close()
        # one that only says hello, with its own id at 0 in its vector
        t = Session(port, vv={os.urandom(16): 0})
        t.until("the server's batches", lambda: t.received and t.server_vv)
        t.push(sealed(b"ADBC", t.dbid + t.rid + uvarint(1) + t.rid + uvarint(0) + uvarint(0) +
                      b"\x00"))
        t.ws.close()
    after = server_vv(port)["vv"]
    check(after == before, f"the server's vector grew from {before} to {after}")
    s = Session(port)
    s.until("the server's hello", lambda: s.server_vv is not None)
    check(len(s.server_vv) == len(before), f"the hello's vector has {len(s.server_vv)} entries")
    s.ws.close()


CHECKS = {"pull": check_pull, "push": check_push, "live": check_live,
          "presence": check_presence, "error": check_error, "fresh": check_fresh}


def main():
    failed = 0
    for name in sys.argv[2:] or list(CHECKS):
        for f in os.listdir(TMP):
            os.remove(os.path.join(TMP, f))
        extra = ("--token", "s3cret") if name == "error" else ()
        p = None
        try:
            p, port, st = serve("srv.db", *extra)
            CHECKS[name](p, port, st)
            print(f"ok {name}", flush=True)
        except (Fail, AssertionError, OSError, subprocess.SubprocessError) as e:
            failed += 1
            print(f"FAIL {name}: {e}", flush=True)
            log = os.path.join(TMP, "srv.db.log")
            if os.path.exists(log):
                print(open(log, errors="replace").read()[-1500:])
        finally:
            if p:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
