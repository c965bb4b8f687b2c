#!/usr/bin/env python3
"""Network tests of ArenaDB: real `arenadb serve` and `arenadb sync` processes on 127.0.0.1.

Usage: nettest.py ARENADB [TEST...]. Prints one line per test and closes with
`net: N passed, M failed`; exits non-zero on any failure. Every test is bounded in time and
stops its processes itself. The harness has its own small WebSocket client (to play bad peers
and hold many connections) and a fault-injecting TCP proxy."""
import base64
import hashlib
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

ARENADB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/arenadb")
ONLY = sys.argv[2:]
TMP = tempfile.mkdtemp(prefix="arenadb-net-")
PROCS = []


# ---- processes and files ----

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def path(name):
    return os.path.join(TMP, name)


def run(db, *args, check=True, timeout=30, env=None):
    r = subprocess.run([ARENADB, "--db", path(db), *args], capture_output=True, text=True,
                       timeout=timeout, env=env)
    if check and r.returncode != 0:
        raise AssertionError(f"arenadb {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return r


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 8192)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def spawn(db, *args, log=None, binary=None):
    logf = open(path(log or (db + ".log")), "ab")
    p = subprocess.Popen([binary or ARENADB, "--db", path(db), *args], stdout=logf, stderr=logf,
                         preexec_fn=raise_nofile)
    PROCS.append(p)
    return p


def stop(p, sig=signal.SIGTERM, timeout=10):
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise AssertionError(f"process {p.args} did not stop within {timeout}s of {sig}")
    return p.returncode


def wait_for(what, cond, timeout=30, interval=0.1):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = cond()
            if last:
                return last
        except Exception as e:  # not ready yet
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r:.300})")


def http_full(port, method, url, data=None, headers=None, timeout=10):
    """Sends one request with exactly these headers (and body bytes); returns (status, headers,
    body bytes)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{url}", data=data, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def http(port, method, url, body=None, token=None, timeout=10):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    status, _, answer = http_full(port, method, url, data, headers, timeout)
    return status, json.loads(answer or b"null")


def replica_of(db, of):
    """Creates db as an empty replica of the database in file `of` (init --db-id), as a user
    would before writing to it: a fresh replica that writes before it ever synced would be a
    database of its own. Also avoids two processes creating one new file at once."""
    dbid = json.loads(run(of, "vv").stdout)["db"]
    run(db, "init", "--db-id", dbid)
    return db


def server(db, port=None, *extra, init=True, log=None, binary=None):
    port = port or free_port()
    if init and not os.path.exists(path(db)):
        run(db, "init")
    p = spawn(db, "serve", "--listen", f"127.0.0.1:{port}", *extra, log=log, binary=binary)
    tok = None
    if "--token" in extra:
        tok = extra[extra.index("--token") + 1]
    wait_for(f"server {db} on port {port}", lambda: http(port, "GET", "/status", token=tok)[0] == 200,
             timeout=10)
    return p, port


def dump(db):
    """The visible state of a replica: nodes and edges, as text."""
    n = run(db, "sql", "SELECT id, label, properties FROM nodes ORDER BY id", "--format", "json").stdout
    e = run(db, "sql", "SELECT id, source_node_id, target_node_id, label, properties FROM edges"
            " ORDER BY id", "--format", "json").stdout
    return n + e


def http_dump(port, token=None):
    _, n = http(port, "POST", "/sql", {"sql": "SELECT id, label, properties FROM nodes ORDER BY id"},
                token=token)
    _, e = http(port, "POST", "/sql", {"sql": "SELECT id, source_node_id, target_node_id, label,"
                                       " properties FROM edges ORDER BY id"}, token=token)
    return json.dumps([n["rows"], e["rows"]])


def converged(dbs, need=None):
    """All replicas (database files, servers' included) show the same nodes and edges."""
    states = [dump(d) for d in dbs]
    ok = all(x == states[0] for x in states)
    if ok and need is not None:
        ok = need(states)
    return ok


def node_count(db):
    return int(run(db, "sql", "SELECT count(*) FROM nodes", "--format", "csv").stdout.split()[-1])


# ---- a small WebSocket client (RFC 6455), for bad peers and many connections ----

class WS:
    def __init__(self, port, protocol="arenadb-sync", timeout=5, host=None, origin=None,
                 target="/sync", headers=""):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        extra = (f"Origin: {origin}\r\n" if origin else "") + headers
        req = (f"GET {target} HTTP/1.1\r\nHost: {host or f'127.0.0.1:{port}'}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Protocol: {protocol}\r\n{extra}\r\n")
        self.s.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.s.recv(4096)
            if not c:
                raise AssertionError("the server closed during the WebSocket handshake")
            head += c
        head, self.buf = head.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise AssertionError(f"handshake refused: {head[:80]!r}")

    def send(self, payload, opcode=2, claim=None):
        n = len(payload) if claim is None else claim
        h = bytes([0x80 | opcode])
        if n < 126:
            h += bytes([0x80 | n])
        elif n < 65536:
            h += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            h += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.s.sendall(h + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _read(self, n):
        while len(self.buf) < n:
            c = self.s.recv(65536)
            if not c:
                raise EOFError
            self.buf += c
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def recv(self):
        """Returns (opcode, payload); raises EOFError when the connection is gone."""
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read(8))[0]
        return b0 & 0x0F, self._read(n)

    def frames(self, timeout=5):
        """Every protocol frame until the connection closes: (type, body) and ('close', reason)."""
        self.s.settimeout(timeout)
        out, stream = [], b""
        try:
            while True:
                op, p = self.recv()
                if op == 8:
                    out.append(("close", p[2:].decode(errors="replace")))
                    break
                if op == 9:
                    continue
                stream += p
                while len(stream) >= 4:
                    n = struct.unpack(">I", stream[:4])[0]
                    if len(stream) < 4 + n:
                        break
                    out.append((stream[4], stream[5:4 + n]))
                    stream = stream[4 + n:]
        except (EOFError, ConnectionResetError, socket.timeout, OSError):
            pass
        return out

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def lstr(b):
    return varint(len(b)) + b


def seal(b):
    return b + hashlib.blake2b(b, digest_size=16).digest()


def empty_vv(dbid):
    return seal(b"ADBV\x01" + dbid + varint(0))


def frame(ftype, body):
    return struct.pack(">I", len(body) + 1) + bytes([ftype]) + body


def hello(dbid, token=b"", version=1, flags=0, rid=None, vv=None):
    rid = rid or os.urandom(16)
    return frame(1, b"ADBS" + bytes([version, flags]) + dbid + rid + lstr(token) +
                 lstr(vv if vv is not None else empty_vv(dbid)))


def error_of(frames):
    for t, b in frames:
        if t == 5:
            i = 0
            while b[i] & 0x80:
                i += 1
            return b[i + 2:].decode(errors="replace") if len(b) > i + 1 else ""
    for t, b in frames:
        if t == "close":
            return b
    return None


# ---- a fault-injecting TCP proxy ----

class Proxy:
    """Forwards 127.0.0.1:port to target. Modes: 'ok'; 'chaos' delays chunks, cuts
    connections at random and blackholes some (stops forwarding without closing)."""

    def __init__(self, target):
        self.target = target
        self.mode = "ok"
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(64)
        self.port = self.ls.getsockname()[1]
        self.alive = True
        self.pairs = []
        self.cuts = self.delays = self.holes = 0
        self.chaos_since = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.alive:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                c.close()
                continue
            threading.Thread(target=self._pump, args=(c, u), daemon=True).start()

    def chaos(self):
        """Blackholes every open connection (silently), then troubles the new ones."""
        self.chaos_since = time.time()
        self.mode = "chaos"

    def _pump(self, a, b):
        socks = [a, b]
        hole = False
        born = time.time()
        try:
            while self.alive:
                r, _, _ = select.select(socks, [], [], 0.2)
                for s in r:
                    d = s.recv(65536)
                    if not d:
                        raise EOFError
                    if self.mode == "chaos" and born < self.chaos_since and not hole:
                        self.holes += 1
                        hole = True
                    if self.mode == "chaos":
                        x = random.random()
                        if x < 0.02:
                            self.cuts += 1
                            raise EOFError
                        if x < 0.03 and not hole:
                            self.holes += 1
                            hole = True
                        if x < 0.25:
                            self.delays += 1
                            time.sleep(random.uniform(0.01, 0.15))
                    if hole and self.mode == "chaos":
                        continue  # swallowed: the peers must notice the silence
                    (b if s is a else a).sendall(d)
        except (EOFError, OSError):
            pass
        for s in socks:
            try:
                s.close()
            except OSError:
                pass

    def close(self):
        self.alive = False
        self.ls.close()


# ---- tests ----

TESTS = []
SANITY_SEEN = set()


def test(fn):
    TESTS.append(fn)
    return fn


def write_nodes(db, prefix, n, shared=None):
    """n nodes, a chain of edges, and an edit of a shared node's key; returns ids written."""
    ids = []
    for i in range(n):
        nid = f"{prefix}-{i}"
        run(db, "node", "add", "Item", json.dumps({"by": prefix, "i": i}), "--id", nid)
        ids.append(nid)
        if i:
            run(db, "edge", "add", f"{prefix}-{i-1}", "NEXT", nid, "--id", f"e-{prefix}-{i}")
        if shared and i % 3 == 0:
            run(db, "node", "set", shared, "last", json.dumps(f"{prefix}-{i}"), check=False)
            run(db, "node", "set", shared, prefix, str(i), check=False)
    return ids


@test
def five_live_replicas_through_one_hub():
    hub, port = server("hub5.db")
    url = f"ws://127.0.0.1:{port}"
    run("hub5.db", "node", "add", "Shared", "{}", "--id", "shared")
    reps = [replica_of(f"r5-{i}.db", "hub5.db") for i in range(5)]
    clients = [spawn(r, "sync", url, "--live") for r in reps]
    wait_for("5 live sessions", lambda: http(port, "GET", "/status")[1]["sessions"] == 5, 15)
    wait_for("the shared node everywhere", lambda: all(node_count(r) == 1 for r in reps), 15)
    threads = [threading.Thread(target=write_nodes, args=(r, f"w{i}", 12, "shared"))
               for i, r in enumerate(reps)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    want = 1 + 5 * 12
    wait_for("5 replicas and the hub to converge", lambda: converged(
        reps + ["hub5.db"], need=lambda s: node_count("hub5.db") == want), 40)
    for c in clients:
        assert stop(c) == 0, "a live client did not exit cleanly on SIGTERM"
    assert stop(hub) == 0


@test
def chain_a_hub1_hub2_b():
    h1, p1 = server("ch1.db")
    replica_of("ch2.db", "ch1.db")
    h2, p2 = server("ch2.db", None, "--peer", f"ws://127.0.0.1:{p1}")
    run("ch1.db", "node", "add", "Root", "{}", "--id", "root")
    replica_of("chA.db", "ch1.db")
    replica_of("chB.db", "ch1.db")
    a = spawn("chA.db", "sync", f"ws://127.0.0.1:{p1}", "--live")
    b = spawn("chB.db", "sync", f"ws://127.0.0.1:{p2}", "--live")
    wait_for("the root on B", lambda: node_count("chB.db") == 1, 20)
    write_nodes("chA.db", "a", 5)
    write_nodes("chB.db", "b", 5)
    wait_for("the chain to converge", lambda: converged(
        ["chA.db", "chB.db", "ch1.db", "ch2.db"], need=lambda s: node_count("chA.db") == 11), 30)
    # presence set on hub1 is relayed to hub2 (and never stored)
    st, _ = http(p1, "POST", "/presence", {"key": "status", "value": "online", "ttl_ms": 5000})
    assert st == 200
    wait_for("presence relayed to hub2", lambda: any(
        e["key"] == "status" and e["value"] == "online" for e in http(p2, "GET", "/presence")[1]), 5)
    for p in (a, b, h2, h1):
        assert stop(p) == 0


@test
def a_new_hub_logs_the_database_it_joins():
    """A hub started on a new, empty file with --peer takes its peer's database id: after the
    line naming the id it starts with, the log says which database it now serves."""
    h1, p1 = server("j1.db")
    run("j1.db", "node", "add", "Root", "--id", "root")
    joined = http(p1, "GET", "/status")[1]["db"]
    h2, p2 = server("j2.db", None, "--peer", f"ws://127.0.0.1:{p1}")
    wait_for("the root on the new hub", lambda: node_count("j2.db") == 1, 20)
    wait_for("the log line", lambda: f"now database {joined}" in open(path("j2.db.log")).read(), 5)
    assert http(p2, "GET", "/status")[1]["db"] == joined
    for p in (h2, h1):
        assert stop(p) == 0


@test
def a_hub_restored_from_an_older_copy_takes_a_new_id_and_says_so():
    """A hub's file restored from a copy older than what a client holds of it: the client claims
    more of the hub's replica than the file made. The hub writes under a new replica id from then
    on (reusing a transaction number would lose writes), logs the new id, and gets back the
    writes the copy lacked."""
    run("rs-hub.db", "init")
    run("rs-hub.db", "node", "add", "P", "--id", "first")
    subprocess.run(["sqlite3", path("rs-hub.db"), "PRAGMA wal_checkpoint(TRUNCATE)"], check=True,
                   capture_output=True)
    shutil.copy(path("rs-hub.db"), path("rs-old.db"))
    run("rs-hub.db", "node", "add", "P", "--id", "second")
    hub, port = server("rs-hub.db")
    old_id = http(port, "GET", "/status")[1]["replica"]
    replica_of("rs-c.db", "rs-hub.db")
    url = f"ws://127.0.0.1:{port}"
    run("rs-c.db", "sync", url)
    assert node_count("rs-c.db") == 2
    assert stop(hub) == 0
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path("rs-hub.db" + suffix)):
            os.remove(path("rs-hub.db" + suffix))
    shutil.copy(path("rs-old.db"), path("rs-hub.db"))
    hub, port = server("rs-hub.db", None, log="rs-hub2.log")
    assert http(port, "GET", "/status")[1]["replica"] == old_id
    run("rs-c.db", "sync", f"ws://127.0.0.1:{port}")
    wait_for("the lost write back", lambda: node_count("rs-hub.db") == 2, 10)
    new_id = http(port, "GET", "/status")[1]["replica"]
    assert new_id != old_id, "the restored hub kept its id"
    wait_for("the log line", lambda: f"now replica {new_id}" in open(path("rs-hub2.log")).read(), 5)
    http(port, "POST", "/nodes", {"id": "third", "label": "P"})
    run("rs-c.db", "sync", f"ws://127.0.0.1:{port}")
    assert node_count("rs-c.db") == 3, "a write under the new id reached the client"
    assert stop(hub) == 0


@test
def three_server_mesh():
    s1, p1 = server("m1.db")
    st, body = http(p1, "POST", "/nodes", {"id": "seed", "label": "Seed"})
    assert st == 201, body
    replica_of("m2.db", "m1.db")
    replica_of("m3.db", "m1.db")
    s2, p2 = server("m2.db", None, "--peer", f"ws://127.0.0.1:{p1}")
    s3, p3 = server("m3.db", None, "--peer", f"ws://127.0.0.1:{p1}", "--peer", f"ws://127.0.0.1:{p2}")
    wait_for("the seed on m3", lambda: http(p3, "GET", "/nodes/seed")[0] == 200, 20)
    for k, p in enumerate((p1, p2, p3)):
        for i in range(10):
            st, body = http(p, "POST", "/nodes", {"id": f"m{k}-{i}", "label": "M", "properties": {"i": i}})
            assert st == 201, body
        st, body = http(p, "PATCH", "/nodes/seed", {"properties": {f"k{k}": k, "last": k}})
        assert st == 200, body
    wait_for("the mesh to converge", lambda: converged(
        ["m1.db", "m2.db", "m3.db"], need=lambda s: node_count("m3.db") == 31), 30)
    for p in (s3, s2, s1):
        assert stop(p) == 0


@test
def offline_writes_then_reconnect():
    hub, port = server("off-hub.db")
    url = f"ws://127.0.0.1:{port}"
    run("off-a.db", "sync", url)
    run("off-hub.db", "node", "add", "Hub", "{}", "--id", "from-hub")
    write_nodes("off-a.db", "off", 8)  # offline: nothing connected
    assert node_count("off-a.db") == 8
    c = spawn("off-a.db", "sync", url, "--live")
    wait_for("offline writes to converge", lambda: converged(
        ["off-a.db", "off-hub.db"], need=lambda s: node_count("off-hub.db") == 9), 20)
    stop(c)
    # and the once mode reports what it did
    run("off-b.db", "init")
    r = run("off-b.db", "sync", url)
    assert "received" in r.stdout and node_count("off-b.db") == 9, r.stdout
    stop(hub)


BIG = 50000


def big_on(db):
    import sqlite3
    c = sqlite3.connect(f"file:{path(db)}?mode=ro", uri=True, timeout=5)
    try:
        return c.execute("SELECT count(*) FROM adb_node WHERE label='Big'").fetchone()[0]
    finally:
        c.close()


@test
def hub_killed_with_9_and_restarted():
    hub, port = server("k-hub.db")
    url = f"ws://127.0.0.1:{port}"
    # a big replica, so that the kill lands in the middle of its initial sync
    lines = "\n".join(json.dumps({"type": "node", "id": f"big-{i}", "label": "Big",
                                  "properties": {"i": i, "pad": "x" * 100}}) for i in range(BIG))
    with open(path("big.jsonl"), "w") as f:
        f.write(lines + "\n")
    dbid = http(port, "GET", "/status")[1]["db"]
    reps = ["k-a.db", "k-b.db", "k-big.db"]
    for r in reps:  # replicas of the hub's database, written before they ever connect
        run(r, "init", "--db-id", dbid)
    run("k-big.db", "import", path("big.jsonl"), timeout=120)
    clients = [spawn(r, "sync", url, "--live", "--timeout", "3000") for r in reps]
    acked = {r: [] for r in reps[:2]}

    def writer(db, prefix):
        for i in range(30):
            nid = f"{prefix}-{i}"
            if run(db, "node", "add", "K", "{}", "--id", nid, check=False).returncode == 0:
                acked[db].append(nid)
            time.sleep(0.03)

    ts = [threading.Thread(target=writer, args=(r, r[2])) for r in reps[:2]]
    for t in ts:
        t.start()
    # kill the hub while the big replica's initial sync is part-way through
    at = wait_for("the big sync to start", lambda: big_on("k-hub.db") > 0 and big_on("k-hub.db"), 20, 0.01)
    hub.send_signal(signal.SIGKILL)
    hub.wait()
    print(f"    killed the hub with {big_on('k-hub.db')} of {BIG} big nodes merged")
    assert big_on("k-hub.db") < BIG, "the kill did not land in the middle of the sync"
    time.sleep(0.5)
    hub = spawn("k-hub.db", "serve", "--listen", f"127.0.0.1:{port}")
    for t in ts:
        t.join()
    for r, c in zip(reps, clients):
        assert c.poll() is None, f"the live client of {r} died with status {c.returncode}"
    want = BIG + sum(len(v) for v in acked.values())
    wait_for("convergence after the hub's restart", lambda: converged(
        reps + ["k-hub.db"], need=lambda s: node_count("k-hub.db") == want), 90, 0.5)
    out = run("k-hub.db", "sql", "SELECT id FROM nodes WHERE label='K'", "--format", "csv").stdout
    for db, ids in acked.items():
        for i in ids:
            assert i in out, f"acknowledged write {i} of {db} was lost"
    for c in clients:
        stop(c)
    stop(hub)
    assert run("k-hub.db", "check").returncode == 0


@test
def fault_injecting_proxy_then_convergence():
    hub, port = server("f-hub.db")
    proxy = Proxy(port)
    url = f"ws://127.0.0.1:{proxy.port}"
    reps = [replica_of(r, "f-hub.db") for r in ("f-a.db", "f-b.db", "f-c.db")]
    clients = [spawn(r, "sync", url, "--live", "--timeout", "1500") for r in reps]
    wait_for("3 sessions", lambda: http(port, "GET", "/status")[1]["sessions"] == 3, 15)
    proxy.chaos()
    # Rounds of writes on every replica until the proxy has blackholed and delayed at least
    # once each (a slow build moves few chunks per round), then two seconds more of chaos.
    rounds = 0
    while rounds < 3 or (rounds < 20 and not (proxy.holes and proxy.delays)):
        ts = [threading.Thread(target=write_nodes, args=(r, f"f{i}r{rounds}", 10, None))
              for i, r in enumerate(reps)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        rounds += 1
    time.sleep(2)
    proxy.mode = "ok"  # healed
    wait_for("convergence after the faults", lambda: converged(
        reps + ["f-hub.db"], need=lambda s: node_count("f-hub.db") == 30 * rounds), 90, 0.3)
    print(f"    (proxy: {proxy.cuts} cuts, {proxy.delays} delays, {proxy.holes} blackholes)")
    assert proxy.holes >= 1 and proxy.delays >= 1, "the proxy did not inject its faults"
    for c in clients:
        stop(c)
    proxy.close()
    stop(hub)


@test
def bad_peers_are_rejected_and_the_server_keeps_serving():
    tok = "s3cret"
    hub, port = server("b-hub.db", None, "--token", tok)
    url = f"ws://127.0.0.1:{port}"
    st, body = http(port, "POST", "/nodes", {"id": "keep", "label": "K"}, token=tok)
    assert st == 201, body
    st, status = http(port, "GET", "/status", token=tok)
    dbid = bytes.fromhex(status["db"])

    # a real change set of this database, for the tampered-batch cases
    run("b-good.db", "sync", url, "--token", tok)
    run("b-good.db", "node", "add", "Good", "{}", "--id", "good-1")
    run("b-good.db", "changes", "-o", path("b.changes"))
    cs = open(path("b.changes"), "rb").read()
    label_at = cs.index(b"Good")
    bad_label = seal(cs[:label_at] + b"Go\x01d" + cs[label_at + 4:-16])
    bad_digest = cs[:-1] + bytes([cs[-1] ^ 1])
    os.remove(path("b-good.db"))
    before = http_dump(port, tok)
    vv_before = http(port, "GET", "/vv", token=tok)[1]

    def batch(c):
        return frame(2, varint(1) + b"\x00" + c)

    cases = {
        "wrong token": ([hello(dbid, b"nope")], "token"),
        "missing token": ([hello(dbid)], "token"),
        "unknown protocol version": ([hello(dbid, tok.encode(), version=99)], "version"),
        "not the protocol": ([frame(1, b"HTTP" + b"\x00" * 60)], "protocol"),
        "garbage bytes": ([b"\x00\x00\x00\x10\x63" + os.urandom(3000)], "before its hello"),
        "random bytes": ([b"\xa7" + os.urandom(3000)], "limit"),
        "frame claiming 4 GB": ([b"\xff\xff\xff\xff\x02" + b"\x00" * 100], "limit"),
        "frame before hello": ([frame(3, varint(1))], "before"),
        "unknown frame type": ([hello(dbid, tok.encode()), frame(77, b"x")], "unknown frame"),
        "batch with invalid contents": ([hello(dbid, tok.encode()), batch(bad_label)], "rejected"),
        "batch with a bad digest": ([hello(dbid, tok.encode()), batch(bad_digest)], "rejected"),
        "batch of garbage": ([hello(dbid, tok.encode()), batch(os.urandom(500))], "rejected"),
        "wrong database": ([hello(os.urandom(16), tok.encode(),
                                  vv=seal(b"ADBV\x01" + os.urandom(16) + varint(1) + os.urandom(16) + varint(5)))],
                           "wrong database"),
        "text message": (["TEXT"], "text"),
    }
    for name, (msgs, expect) in cases.items():
        w = WS(port)
        for m in msgs:
            if m == "TEXT":
                w.send(b"hello", opcode=1)
            else:
                w.send(m)
        frames = w.frames(timeout=5)
        w.close()
        why = error_of(frames)
        assert why is not None, f"{name}: the server did not close the connection"
        assert expect.lower() in why.lower(), f"{name}: reason {why!r} lacks {expect!r}"
        print(f"    {name}: {why}")
    # a WebSocket frame header claiming 4 GB of payload
    w = WS(port)
    w.s.sendall(bytes([0x82, 0xFF]) + struct.pack(">Q", 1 << 32) + os.urandom(4) + b"\x00" * 64)
    fr = w.frames(timeout=5)
    assert error_of(fr) is not None or fr == [], "4 GB WebSocket frame not refused"
    w.close()
    # raw garbage instead of HTTP
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(os.urandom(2000) + b"\r\n\r\n")
    s.settimeout(5)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()
    # the CLI's view of a wrong token and a wrong database
    r = run("b-cli.db", "sync", url, "--token", "wrong", check=False)
    assert r.returncode == 1 and "token" in r.stderr, r.stderr
    run("b-other.db", "init")
    run("b-other.db", "node", "add", "X", "{}")
    r = run("b-other.db", "sync", url, "--token", tok, check=False)
    assert r.returncode == 1 and "wrong database" in r.stderr, r.stderr
    print(f"    cli: {r.stderr.strip()}")
    # still serving, and unchanged
    assert http_dump(port, tok) == before, "a bad peer changed the database"
    assert http(port, "GET", "/vv", token=tok)[1] == vv_before
    r = run("b-late.db", "sync", url, "--token", tok)
    assert node_count("b-late.db") == 1
    assert stop(hub) == 0


@test
def server_and_other_processes_write_one_file():
    """Writes through the HTTP API and by CLI processes on the server's own file, concurrently:
    every write gets its own transaction number, so a replica receives them all."""
    hub, port = server("mp.db")
    replica_of("mp-r.db", "mp.db")
    live = spawn("mp-r.db", "sync", f"ws://127.0.0.1:{port}", "--live")

    def http_writer():
        for i in range(40):
            st, b = http(port, "POST", "/nodes", {"id": f"h{i}", "label": "H"})
            assert st == 201, b

    t = threading.Thread(target=http_writer)
    t.start()
    for i in range(20):
        run("mp.db", "node", "add", "C", "{}", "--id", f"c{i}")
    t.join()
    wait_for("the replica to get all 60 writes", lambda: converged(
        ["mp.db", "mp-r.db"], need=lambda s: node_count("mp-r.db") == 60), 20)
    stop(live)
    stop(hub)
    run("late.db", "init")
    run("late.db", "sync", path("mp.db"))
    assert node_count("late.db") == 60
    assert run("mp.db", "check").returncode == 0


@test
def listening_beyond_loopback_needs_a_token():
    r = run("nl.db", "serve", "--listen", "0.0.0.0:7999", check=False, timeout=5)
    assert r.returncode == 2 and "--token" in r.stderr, r.stderr


@test
def other_sites_pages_cannot_drive_the_loopback_server():
    """A page on any site the user visits can send requests to 127.0.0.1; without a token the
    server must refuse every one that a browser marks as coming from elsewhere, and DNS
    rebinding (another site's name pointed at 127.0.0.1), and writes that are not JSON."""
    run("o.db", "init")
    run("o.db", "node", "add", "P", '{"k":1}', "--id", "keep")
    _, port = server("o.db", None, "--no-ui", "--cors", "http://ok.example:3000")
    delete = json.dumps({"sql": "DELETE FROM nodes"}).encode()
    refused = [
        ({"Content-Type": "text/plain"}, 415),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ({}, 415),
        ({"Content-Type": "application/json", "Origin": "http://evil.example"}, 403),
        ({"Content-Type": "application/json", "Origin": "null"}, 403),
        ({"Content-Type": "application/json", "Host": f"evil.example:{port}"}, 403),
        ({"Content-Type": "application/json", "Host": f"evil.example:{port}",
          "Origin": f"http://evil.example:{port}"}, 403),
    ]
    for headers, want in refused:
        status, _, body = http_full(port, "POST", "/sql", delete, headers)
        assert status == want, (headers, status, body)
        assert json.loads(body)["error"], body
    assert node_count("o.db") == 1
    status, _, _ = http_full(port, "GET", "/nodes", None, {"Origin": "http://evil.example"})
    assert status == 403
    # The server's own pages, and the origins given to --cors, are served; CORS says so.
    status, _, body = http_full(port, "POST", "/sql", json.dumps({"sql": "SELECT 1 AS x"}).encode(),
                                {"Content-Type": "application/json; charset=utf-8",
                                 "Origin": f"http://127.0.0.1:{port}"})
    assert status == 200, body
    status, h, _ = http_full(port, "GET", "/status", None, {"Origin": "http://ok.example:3000"})
    assert status == 200 and h["Access-Control-Allow-Origin"] == "http://ok.example:3000", h
    status, h, body = http_full(port, "OPTIONS", "/sql", None, {"Origin": "http://ok.example:3000"})
    assert status == 204 and body == b"" and "POST" in h["Access-Control-Allow-Methods"], (status, h)
    status, _, _ = http_full(port, "OPTIONS", "/sql", None, {"Origin": "http://evil.example"})
    assert status == 403
    status, h, _ = http_full(port, "GET", "/", None, {"Host": f"localhost:{port}"})
    assert status == 200 and "script-src 'self'" in h["Content-Security-Policy"], h
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"] and h["X-Frame-Options"] == "DENY"
    # WebSocket upgrades follow the same rules: the whole database is one upgrade away.
    for host, origin in [(None, "http://evil.example"), (f"evil.example:{port}", None)]:
        try:
            WS(port, host=host, origin=origin).close()
            raise AssertionError(f"upgrade accepted with Host {host} Origin {origin}")
        except AssertionError as e:
            assert "handshake refused" in str(e) or "closed during" in str(e), e
    WS(port, origin=f"http://127.0.0.1:{port}").close()
    WS(port, origin="http://ok.example:3000").close()
    assert node_count("o.db") == 1


@test
def cypher_indexes_over_http_stay_on_the_server():
    """CREATE INDEX and CREATE CONSTRAINT over POST /cypher run on the server's writing handle;
    reads (SHOW, lookups) run on its read-only worker with the index; a violating write is 409
    and changes nothing; a replica synced from the server gets the nodes and no index."""
    run("ix.db", "init")
    run("ix.db", "cypher", "UNWIND range(1, 300) AS i CREATE (:P {n: i})")
    srv, port = server("ix.db")
    cy = lambda q: http(port, "POST", "/cypher", {"query": q})
    assert cy("CREATE INDEX p_n FOR (p:P) ON (p.n)")[0] == 200
    assert cy("CREATE CONSTRAINT p_u FOR (p:P) REQUIRE p.u IS UNIQUE")[0] == 200
    st, body = cy("SHOW INDEXES")
    assert st == 200 and [r[0] for r in body["rows"]] == ["p_n", "p_u"], body
    st, body = cy("EXPLAIN MATCH (p:P {n: 7}) RETURN p.n")
    assert body["rows"][0][0].startswith("NodeIndexSeek(p:P.n =) index p_n"), body
    assert cy("MATCH (p:P) WHERE p.n >= 299 RETURN p.n ORDER BY p.n")[1]["rows"] == [[299], [300]]
    before = dump("ix.db")
    st, body = cy("CREATE (:P {u: 'x'}), (:P {u: 'x'})")
    assert st == 409 and body["detail"] == "ConstraintValidationFailed", body
    assert dump("ix.db") == before
    replica_of("ix-copy.db", "ix.db")
    run("ix-copy.db", "sync", f"ws://127.0.0.1:{port}")
    assert node_count("ix-copy.db") == 300
    assert "(0 rows)" in run("ix-copy.db", "cypher", "SHOW INDEXES").stdout
    assert stop(srv) == 0


@test
def endless_queries_over_http_stop_at_the_time_limit():
    """A recursive CTE without end over /sql, a Cartesian product over /cypher, and a write
    built on one: each stops at --query-timeout with 503 and changes nothing; the server keeps
    answering and stops on SIGTERM."""
    run("q.db", "init")
    run("q.db", "cypher", "UNWIND range(1, 400) AS i CREATE (:P {i: i})")
    hub, port = server("q.db", None, "--no-ui", "--query-timeout", "1")
    bombs = [
        ("/sql", {"sql": "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
                         "SELECT count(*) FROM r"}),
        ("/sql", {"sql": "INSERT INTO nodes(id, label) WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL "
                         "SELECT i + 1 FROM r) SELECT 'x' || i, 'X' FROM r"}),
        ("/cypher", {"query": "MATCH (a), (b), (c), (d) RETURN count(*)"}),
        ("/cypher", {"query": "MATCH (a), (b), (c), (d) CREATE (:Q)"}),
    ]
    # Queries that only read run on worker threads: while they do, /status and live sync go on.
    # (One that writes runs on the loop, where writes happen, and holds it up to the limit.)
    replica_of("q-live.db", "q.db")
    live = spawn("q-live.db", "sync", f"ws://127.0.0.1:{port}", "--live")
    wait_for("the live replica", lambda: node_count("q-live.db") == 400, 20)
    results = {}
    def bomb(i, url, body):
        t0 = time.time()
        results[i] = (http(port, "POST", url, body, timeout=30), time.time() - t0)
    threads = [threading.Thread(target=bomb, args=(i, u, b)) for i, (u, b) in enumerate(bombs)
               if i in (0, 2)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    lat = []
    while any(t.is_alive() for t in threads):
        t0 = time.time()
        assert http(port, "GET", "/status", timeout=5)[0] == 200
        lat.append((time.time() - t0) * 1000)
        time.sleep(0.02)
    http(port, "POST", "/nodes", {"id": "during", "label": "P"})
    wait_for("a write to reach the live replica", lambda: node_count("q-live.db") == 401, 10)
    for t in threads:
        t.join()
    for i in (1, 3):
        bomb(i, *bombs[i])
    for i, (url, body) in enumerate(bombs):
        (st, b), took = results[i]
        assert st == 503 and "time limit" in b["error"], (url, st, b)
        assert took < 8, f"{url} stopped after {took:.1f}s"
    lat.sort()
    print(f"    /status during the queries: {len(lat)} requests, median {lat[len(lat) // 2]:.1f} ms,"
          f" max {lat[-1]:.1f} ms")
    assert lat[len(lat) // 2] < 50, lat
    stop(live)
    st, b = http(port, "POST", "/sql", {"sql": "SELECT count(*) AS n FROM nodes"})
    assert st == 200 and b["rows"] == [[401]], b
    assert stop(hub) == 0


@test
def the_server_listens_on_exactly_the_address_given():
    """127.0.0.1 is not 127.0.0.2 (also loopback, also this machine): a server on the first must
    refuse the second. A port already taken is an error, not a silent second server. IPv6
    literals work."""
    run("b1.db", "init")
    hub, port = server("b1.db", None, "--no-ui")
    refused = socket.socket()
    try:
        refused.settimeout(2)
        assert refused.connect_ex(("127.0.0.2", port)) != 0, "127.0.0.2 reached a 127.0.0.1 server"
    finally:
        refused.close()
    r = run("b2.db", "serve", "--listen", f"127.0.0.1:{port}", "--no-ui", check=False, timeout=10)
    assert r.returncode == 1 and "already in use" in r.stderr, (r.returncode, r.stderr)
    r = run("b2.db", "serve", "--listen", "192.0.2.1:7000", "--token", "t", "--no-ui", check=False,
            timeout=10)
    assert r.returncode == 1 and "not an address of this machine" in r.stderr, r.stderr
    assert stop(hub) == 0
    # Port 0: any free port, which the first log line names.
    anyport = spawn("b1.db", "serve", "--listen", "127.0.0.1:0", "--no-ui", log="b1-any.log")
    def named():
        m = re.search(r"on http://127\.0\.0\.1:(\d+) ", open(path("b1-any.log")).read())
        return m and int(m.group(1))
    wait_for("the log line naming the port", named, timeout=10)
    assert named() != 0 and http(named(), "GET", "/status")[0] == 200
    assert stop(anyport) == 0
    if socket.has_ipv6:
        six = socket.socket(socket.AF_INET6)
        try:
            six.bind(("::1", 0))
            p6 = six.getsockname()[1]
        except OSError:
            p6 = None  # no IPv6 loopback on this machine: nothing to test
        finally:
            six.close()
        if p6:
            h6 = spawn("b1.db", "serve", "--listen", f"[::1]:{p6}", "--no-ui")
            def up():
                try:
                    c = socket.create_connection(("::1", p6), timeout=1)
                    c.sendall(f"GET /status HTTP/1.1\r\nHost: [::1]:{p6}\r\n\r\n".encode())
                    ok = c.recv(64).startswith(b"HTTP/1.1 200")
                    c.close()
                    return ok
                except OSError:
                    return False
            wait_for("the IPv6 server", up, timeout=10)
            assert stop(h6) == 0


@test
def a_hundred_megabyte_response_arrives_whole():
    """The HTTP writer sends a large answer in chunks from where it was built: the whole body
    arrives, as its Content-Length says (the writer used to move the rest of the buffer for
    every chunk, and gave up after 7 of 100 MB)."""
    run("big.db", "init")
    pad = "x" * 5000
    run("big.db", "cypher", "UNWIND range(1, 20000) AS i CREATE (:P {i: i, pad: $pad})",
        "--params", json.dumps({"pad": pad}))
    hub, port = server("big.db", None, "--no-ui")
    t0 = time.time()
    status, headers, body = http_full(port, "GET", "/nodes?limit=20000", timeout=60)
    took = time.time() - t0
    assert status == 200 and len(body) == int(headers["Content-Length"]) > 100_000_000, len(body)
    nodes = json.loads(body)
    assert len(nodes) == 20000 and all(n["properties"]["pad"] == pad for n in nodes)
    print(f"    GET /nodes: {len(body) / 1e6:.0f} MB in {took:.1f}s")
    assert stop(hub) == 0


@test
def a_peers_words_cannot_forge_a_log_line():
    """A close reason is the peer's text; the server quotes it in its log with control
    characters escaped, so a newline in it cannot start a line of its own."""
    run("lg.db", "init")
    hub, port = server("lg.db", None, "--no-ui")
    ws = WS(port)
    ws.send(struct.pack(">H", 1000) + b"bye\n12:00:00.000 FORGED: server compromised", opcode=8)
    time.sleep(0.5)
    ws.close()
    assert stop(hub) == 0
    lines = open(path("lg.db.log"), errors="replace").read().splitlines()
    assert not any(line.startswith("12:00:00.000 FORGED") for line in lines), lines
    assert any("bye\\x0a12:00:00.000 FORGED" in line for line in lines), lines


@test
def tokens_with_roles_over_http_and_sync():
    """Once the file has tokens the server needs one on every request. read may read, pull and
    run SQL and Cypher that only read (the engine refuses the rest); write may also write and
    push; admin may also manage tokens. Refusals are 401/403 or a close, and change nothing; a
    revoked or expired token stops at once; no token reaches the log."""
    run("tk.db", "init")
    run("tk.db", "node", "add", "P", '{"k":1}', "--id", "seed")
    tok = {r: run("tk.db", "token", "create", "--role", r, "--name", r).stdout.strip()
           for r in ("read", "write", "admin")}
    brief = run("tk.db", "token", "create", "--role", "write", "--name", "brief",
                "--expires", "1s").stdout.strip()
    hub, port = server("tk.db", None, "--no-ui", "--token", "one-off-admin")
    before = http_dump(port, "one-off-admin")
    assert http(port, "GET", "/status")[0] == 401
    assert http(port, "GET", "/nodes", token="adb_wrong")[0] == 401
    for near in ("one-off-adminX", "one-off-admi", tok["write"] + "x", tok["write"][:-1]):
        assert http(port, "GET", "/nodes", token=near)[0] == 401, near
    st, b = http(port, "GET", "/status", token=tok["read"])
    assert st == 200 and b["role"] == "read" and b["authenticates"] is True, b
    assert http(port, "GET", "/nodes", token=tok["read"])[0] == 200
    assert http(port, "POST", "/sql", {"sql": "SELECT count(*) FROM nodes"}, token=tok["read"])[0] == 200
    for url, body in [("/sql", {"sql": "DELETE FROM nodes"}),
                      ("/sql", {"sql": "INSERT INTO nodes(id, label) VALUES ('r', 'P')"}),
                      ("/cypher", {"query": "MATCH (n) DETACH DELETE n"}),
                      ("/nodes", {"label": "P"}), ("/presence", {"key": "k", "value": 1})]:
        st, b = http(port, "POST", url, body, token=tok["read"])
        assert st == 403, (url, st, b)
    assert http(port, "DELETE", "/nodes/seed", token=tok["read"])[0] == 403
    assert http(port, "GET", "/tokens", token=tok["write"])[0] == 403
    assert http_dump(port, "one-off-admin") == before
    assert http(port, "POST", "/nodes", {"id": "w", "label": "P"}, token=tok["write"])[0] == 201
    assert http(port, "POST", "/cypher", {"query": "CREATE (:Q)"}, token=tok["write"])[0] == 200
    st, listed = http(port, "GET", "/tokens", token=tok["admin"])
    assert st == 200 and {t["name"] for t in listed} == {"read", "write", "admin", "brief"}, listed
    assert all(t[4:] not in json.dumps(listed) for t in tok.values())
    st, made = http(port, "POST", "/tokens", {"name": "ci", "role": "read"}, token=tok["admin"])
    assert st == 201 and made["token"].startswith("adb_"), made
    assert http(port, "GET", "/nodes", token=made["token"])[0] == 200
    assert http(port, "DELETE", "/tokens/ci", token=tok["admin"])[0] == 200
    assert http(port, "GET", "/nodes", token=made["token"])[0] == 401
    run("tk.db", "token", "revoke", "write")  # another process, while the server runs
    assert http(port, "GET", "/nodes", token=tok["write"])[0] == 401
    time.sleep(1.2)
    assert http(port, "GET", "/nodes", token=brief)[0] == 401
    # Sync: read pulls; read pushing is refused whole, and the server keeps its data.
    url = f"ws://127.0.0.1:{port}"
    replica_of("tk-r.db", "tk.db")
    run("tk-r.db", "sync", url, "--token", tok["read"])
    assert node_count("tk-r.db") == node_count("tk.db")
    run("tk-r.db", "node", "add", "P", "--id", "from-reader")
    served = node_count("tk.db")
    r = run("tk-r.db", "sync", url, "--token", tok["read"], check=False)
    assert r.returncode != 0 and "may only read" in r.stderr, r.stderr
    assert node_count("tk.db") == served
    r = run("tk-r.db", "sync", url, "--token", "adb_wrong", check=False)
    assert r.returncode != 0 and "token" in r.stderr, r.stderr
    run("tk-r.db", "sync", url, "--token", tok["admin"])
    assert node_count("tk.db") == served + 1
    assert stop(hub) == 0
    log = open(path("tk.db.log"), errors="replace").read()
    for secret in list(tok.values()) + [brief, made["token"], "one-off-admin"]:
        assert secret[4:] not in log, "a token is in the server log"


@test
def an_unauthenticated_peer_learns_nothing_and_holds_nothing():
    """Before the client's hello passes, the server sends nothing about itself (no database id,
    replica id or version vector), accepts no frame over 1 MiB, and closes a connection that
    sends no hello within 5 s however slowly it trickles bytes."""
    hub, port = server("u.db", None, "--no-ui", "--token", "s3cret")
    dbid = bytes.fromhex(http(port, "GET", "/status", token="s3cret")[1]["db"])
    ws = WS(port)
    ws.send(hello(dbid, b"wrong"))
    got = ws.frames(timeout=5)
    assert not any(t == 1 for t, _ in got), got  # no server hello
    assert "token" in (error_of(got) or ""), got
    ws.close()
    ws = WS(port)
    ws.send(struct.pack(">I", 64 << 20)[:4])  # claims a 64 MiB hello
    got = ws.frames(timeout=5)
    assert "before a hello" in (error_of(got) or ""), got
    ws.close()
    ws = WS(port)
    t0 = time.time()
    ws.send(struct.pack(">I", 1000))  # a hello of 1000 bytes is coming, a byte at a time
    closed = False
    while time.time() - t0 < 12 and not closed:
        try:
            ws.send(b"\x00")  # a byte now and then: never silent, never a whole frame
        except OSError:
            closed = True
        got = ws.frames(timeout=2)
        if got:
            closed = True
            assert "no hello within" in (error_of(got) or ""), got
    assert closed and time.time() - t0 < 10, "a peer without a hello kept its connection"
    ws.close()
    ws = WS(port)
    ws.send(hello(dbid, b"s3cret"))
    got = ws.frames(timeout=2)
    assert any(t == 1 for t, _ in got), got  # the right token gets the server's hello
    ws.close()
    assert stop(hub) == 0


@test
def one_address_cannot_take_every_connection():
    """5,000 connections from one address against --max-per-address 100: the server keeps 100
    and closes the rest at once; another address still gets in, and the slots come back when the
    connections close."""
    raise_nofile()
    hub, port = server("mc.db", None, "--no-ui", "--max-per-address", "100",
                       "--max-connections", "150")
    socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(5000)]
    time.sleep(1)
    open_ = 0
    for s in socks:
        s.settimeout(0.01)
        try:
            open_ += s.recv(1) != b""
        except socket.timeout:
            open_ += 1  # still open: nothing to read yet
        except OSError:
            pass
    assert open_ == 100, f"{open_} connections from one address held"
    other = socket.socket()
    other.bind(("127.0.0.2", 0))
    other.settimeout(5)
    other.connect(("127.0.0.1", port))
    other.sendall(f"GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    assert other.recv(64).startswith(b"HTTP/1.1 200"), "a second address was shut out"
    other.close()
    for s in socks:
        s.close()
    wait_for("the slots to come back", lambda: http(port, "GET", "/status")[0] == 200, 10)
    assert stop(hub) == 0


def make_certs():
    """A throwaway CA, and server certificates made with the openssl command: good (for
    127.0.0.1, from the CA), expired, for another host, and self-signed. Returns their paths."""
    d = path("tls")
    os.makedirs(d, exist_ok=True)
    def ossl(*args, when=None):
        cmd = (["faketime", when] if when else []) + ["openssl", *args]
        subprocess.run(cmd, cwd=d, check=True, capture_output=True)
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
         "-days", "30", "-subj", "/CN=ArenaDB test CA")
    def signed(name, san, when=None, days="30"):
        open(os.path.join(d, name + ".ext"), "w").write(f"subjectAltName={san}\n")
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
             "-subj", f"/CN={name}")
        ossl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", name + ".pem", "-days", days, "-extfile", name + ".ext",
             when=when)
    signed("good", "IP:127.0.0.1,DNS:localhost")
    signed("expired", "IP:127.0.0.1", when="2020-01-01 00:00:00", days="1")
    signed("otherhost", "DNS:example.invalid")
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.pem",
         "-days", "30", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
    return {n: (os.path.join(d, n + ".pem"), os.path.join(d, n + ".key"))
            for n in ("good", "expired", "otherhost", "self")}, os.path.join(d, "ca.pem")


@test
def tls_for_https_and_wss_with_certificates_checked():
    """serve --tls-cert/--tls-key answers https:// and wss://; clients check the certificate
    against the CA given with --ca (or the system's) and refuse an expired one, one for another
    host and a self-signed one, unless --insecure says otherwise."""
    certs, ca = make_certs()
    run("tls.db", "init")
    run("tls.db", "node", "add", "P", '{"k":1}', "--id", "seed")
    for name, (cert, key) in certs.items():
        port = free_port()
        hub = spawn("tls.db", "serve", "--listen", f"127.0.0.1:{port}", "--no-ui",
                    "--tls-cert", cert, "--tls-key", key)
        ctx = ssl.create_default_context(cafile=ca) if name == "good" else ssl._create_unverified_context()
        def up():
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/status", context=ctx, timeout=2) as r:
                    return r.status == 200
            except (OSError, urllib.error.URLError):
                return False
        wait_for(f"the https server with the {name} certificate", up, timeout=10)
        db = f"tls-{name}.db"
        replica_of(db, "tls.db")
        r = run(db, "sync", f"wss://127.0.0.1:{port}", "--ca", ca, check=False)
        if name == "good":
            assert r.returncode == 0 and node_count(db) == 1, r.stderr
            req = urllib.request.Request(f"https://127.0.0.1:{port}/sql", method="POST",
                                         data=json.dumps({"sql": "SELECT 1 AS x"}).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Origin": f"https://127.0.0.1:{port}"})
            with urllib.request.urlopen(req, context=ctx, timeout=5) as resp:
                assert json.loads(resp.read())["rows"] == [[1]]
        else:
            assert r.returncode == 1 and "certificate" in r.stderr, (name, r.stderr)
            assert node_count(db) == 0
            run(db, "sync", f"wss://127.0.0.1:{port}", "--insecure")
            assert node_count(db) == 1
        assert stop(hub) == 0
    port = free_port()
    hub = spawn("tls.db", "serve", "--listen", f"127.0.0.1:{port}", "--no-ui",
                "--tls-cert", certs["good"][0], "--tls-key", certs["good"][1])
    wait_for("the https server", lambda: socket.create_connection(("127.0.0.1", port)).close() or True, 10)
    replica_of("tls-sys.db", "tls.db")
    r = run("tls-sys.db", "sync", f"wss://127.0.0.1:{port}", check=False)
    assert r.returncode == 1 and "--ca" in r.stderr, r.stderr  # the test CA is not the system's
    assert stop(hub) == 0
    r = run("tls.db", "serve", "--listen", f"127.0.0.1:{free_port()}", "--tls-cert", certs["good"][0],
            check=False, timeout=10)
    assert r.returncode == 2 and "go together" in r.stderr, r.stderr


@test
def a_token_from_a_file_or_the_environment_stays_out_of_ps():
    """--token-file and $ARENADB_TOKEN give the token without putting it on the command line,
    which every user of the machine can read."""
    run("tf.db", "init")
    open(path("tok.txt"), "w").write("from-a-file\n")
    port = free_port()
    hub = spawn("tf.db", "serve", "--listen", f"127.0.0.1:{port}", "--no-ui",
                "--token-file", path("tok.txt"))
    wait_for("the server", lambda: http(port, "GET", "/status", token="from-a-file")[0] == 200, 10)
    assert b"from-a-file" not in open(f"/proc/{hub.pid}/cmdline", "rb").read()
    assert http(port, "GET", "/status")[0] == 401
    replica_of("tf-c.db", "tf.db")
    env = dict(os.environ, ARENADB_TOKEN="from-a-file")
    run("tf-c.db", "sync", f"ws://127.0.0.1:{port}", env=env)
    r = run("tf-c.db", "sync", f"ws://127.0.0.1:{port}", check=False)
    assert r.returncode == 1 and "token" in r.stderr, r.stderr
    assert stop(hub) == 0


@test
def a_request_with_transfer_encoding_is_refused_and_smuggles_nothing():
    """Content-Length beside Transfer-Encoding is how one request hides another from a proxy:
    the server answers 400, closes the connection, and runs nothing that followed."""
    run("sm.db", "init")
    run("sm.db", "node", "add", "P", "--id", "keep")
    hub, port = server("sm.db", None, "--no-ui")
    hidden = json.dumps({"sql": "DELETE FROM nodes"}).encode()
    second = (f"POST /sql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
              f"Content-Length: {len(hidden)}\r\n\r\n").encode() + hidden
    first = (f"POST /sql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
             f"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").encode()
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(first + second)
    got = b""
    while True:
        part = c.recv(65536)
        if not part:
            break
        got += part
    c.close()
    assert got.startswith(b"HTTP/1.1 400") and got.count(b"HTTP/1.1") == 1, got[:300]
    assert node_count("sm.db") == 1
    # Any Transfer-Encoding is refused, not only a chunked body that would not parse as JSON:
    # here the body is valid JSON of the length given, and must still not run.
    for te in ("identity", "gzip", "chunked, identity"):
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall((f"POST /sql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(hidden)}\r\n"
                   f"Transfer-Encoding: {te}\r\n\r\n").encode() + hidden)
        got = b""
        while part := c.recv(65536):
            got += part
        c.close()
        assert got.startswith(b"HTTP/1.1 400") and b"Transfer-Encoding" in got, (te, got[-300:])
        assert node_count("sm.db") == 1, f"a request with Transfer-Encoding: {te} ran"
    assert stop(hub) == 0


@test
def pipelined_requests_close_the_connection_and_cost_nothing():
    """A connection carries one request, and what the client sends after it (HTTP pipelining)
    is not served: it used to be answered again and again without end (a GET then a POST: 570
    answers in 1.5 s, the server's memory growing until it died), to spin the server at full
    CPU, or (the last pair, found by the HTTP fuzzer) to read a body from memory the library had
    freed. Afterwards the server answers as before, at the same size."""
    run("pl.db", "init")
    hub, port = server("pl.db", None, "--no-ui")
    host = f"Host: 127.0.0.1:{port}\r\n"
    body = json.dumps({"sql": "SELECT 1"}).encode()
    get = f"GET /status HTTP/1.1\r\n{host}\r\n".encode()
    post = (f"POST /sql HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    rss = lambda: int(re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{hub.pid}/status").read()).group(1))
    before = rss()
    fuzzed = (b"GET /status HTTP/1.1\r\nH21:7 .0\r\n\r\nPOST /sqlson\r\n"
              b"Content-Length: 62\r0.1\r\n\r\nH")
    for pair in (get + post, post + post, post + get, get + get, fuzzed):
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(pair)
        got, t0 = b"", time.time()
        try:
            while len(got) < 1 << 20:
                part = c.recv(65536)
                if not part:
                    break
                got += part
        except socket.timeout:
            pass  # left open, answered at most once: as good as closed
        c.close()
        assert got.count(b"HTTP/1.1 ") <= 2, (pair[:20], got.count(b"HTTP/1.1 "))
        t0 = time.time()
        assert http(port, "GET", "/status")[0] == 200
        assert time.time() - t0 < 1, f"/status took {time.time() - t0:.2f}s after a pipelined pair"
    assert rss() < before + 50_000, (before, rss())
    assert stop(hub) == 0


@test
def slow_http_clients_cannot_hold_a_connection():
    """A connection that says nothing, one that trickles its headers a byte every half second
    (slowloris), and one whose request was answered are each closed by the server: within 10 s
    for the first two, at once for the last (a connection carries one request)."""
    run("slow.db", "init")
    hub, port = server("slow.db", None, "--no-ui")
    took = {}

    def silent():
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
        t0 = time.time()
        assert c.recv(100) == b""
        took["silent"] = time.time() - t0

    def trickle():
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
        t0 = time.time()
        try:
            for b in b"GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 40:
                c.send(bytes([b]))
                time.sleep(0.5)
            took["trickle"] = None
        except OSError:
            took["trickle"] = time.time() - t0

    def kept_alive():
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
        c.sendall(f"GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        t0, got = time.time(), b""
        while True:
            part = c.recv(65536)
            if not part:
                break
            got += part
        assert got.startswith(b"HTTP/1.1 200"), got[:100]
        took["kept_alive"] = time.time() - t0
    threads = [threading.Thread(target=f) for f in (silent, trickle, kept_alive)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"    closed after: {took}")
    assert took["silent"] < 12 and took["kept_alive"] < 1, took
    assert took["trickle"] is not None and took["trickle"] < 13, took
    assert stop(hub) == 0


@test
def an_answer_past_256_mib_ends_with_an_error():
    """A streamed answer stops at 256 MiB of values: it is a 200 already, so its last members
    say it was cut and why; the server then answers as before."""
    run("mem.db", "init")
    hub, port = server("mem.db", None, "--no-ui", "--query-timeout", "60")
    big = ("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 100000)"
           " SELECT i, printf('%.*c', 4000, 'x') FROM r")
    data = json.dumps({"sql": big, "max_rows": 1000000}).encode()
    st, headers, body = http_full(port, "POST", "/sql", data,
                                  {"Content-Type": "application/json"}, timeout=60)
    b = json.loads(body)
    assert st == 200 and b["truncated"] is True and "256 MiB" in b["error"], (st, str(b)[-300:])
    assert b["code"] == "invalid argument" and 60000 < len(b["rows"]) < 70000, len(b["rows"])
    st, b = http(port, "POST", "/sql", {"sql": big.replace("100000", "1000")})
    assert st == 200 and len(b["rows"]) == 1000 and "error" not in b
    assert stop(hub) == 0


@test
def sql_rows_stream_as_they_are_made():
    """A read's rows leave as the statement makes them: the answer has no Content-Length, its
    first bytes come long before its last, and it parses whole. A client that leaves in the
    middle costs nothing: the server answers the next requests."""
    run("st.db", "init")
    hub, port = server("st.db", None, "--no-ui")
    q = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 400000)"
         " SELECT x, printf('%.*c', 100, 'y') FROM c")
    body = json.dumps({"sql": q, "max_rows": 1000000}).encode()
    req = (f"POST /sql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    c = socket.create_connection(("127.0.0.1", port), timeout=30)
    t0 = time.time()
    c.sendall(req)
    parts, first = [], None
    while part := c.recv(1 << 16):
        parts.append(part)
        if first is None and b"\r\n\r\n" in b"".join(parts[:4]) and sum(map(len, parts)) > 4096:
            first = time.time() - t0
    total = time.time() - t0
    c.close()
    head, payload = b"".join(parts).split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200") and b"content-length" not in head.lower(), head
    answer = json.loads(payload)
    assert len(answer["rows"]) == 400000 and answer["truncated"] is False
    assert answer["rows"][-1][0] == 400000 and answer["changes"] == 0
    print(f"    first bytes after {first * 1000:.0f} ms of {total * 1000:.0f} ms")
    assert first < total / 3, (first, total)
    # Cypher's rows stream too (the executor makes them all first); a write answers whole.
    hdr = {"Content-Type": "application/json"}
    st, headers, raw = http_full(port, "POST", "/cypher", json.dumps(
        {"query": "UNWIND range(1, 100000) AS x RETURN x", "max_rows": 1000000}).encode(), hdr)
    assert st == 200 and headers.get("Content-Length") is None, dict(headers)
    assert [r[0] for r in json.loads(raw)["rows"]] == list(range(1, 100001))
    st, headers, raw = http_full(port, "POST", "/cypher",
                                 json.dumps({"query": "CREATE (:W) RETURN 1 AS one"}).encode(), hdr)
    assert st == 200 and int(headers["Content-Length"]) == len(raw), dict(headers)
    assert json.loads(raw)["stats"]["nodes_created"] == 1
    for _ in range(3):  # leave in the middle of the answer
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
        c.sendall(req)
        c.recv(1 << 16)
        c.close()
    for _ in range(8):
        st, b = http(port, "POST", "/sql", {"sql": "SELECT 1 AS one"})
        assert st == 200 and b["rows"] == [[1]], (st, b)
    assert http(port, "GET", "/status")[0] == 200
    assert stop(hub) == 0


@test
def a_hub_passes_changes_on_at_once():
    """A change a hub merges from one live client, and a delete made over its HTTP API, reach
    every other live client as they happen: not later, through the version vectors exchanged
    every few seconds to repair what was missed (the hub logs each such repair)."""
    run("pr-hub.db", "init")
    run("pr-hub.db", "node", "add", "P", "--id", "gone")
    hub, port = server("pr-hub.db", None, "--no-ui")
    url = f"ws://127.0.0.1:{port}"
    for db in ("pr-a.db", "pr-b.db"):
        replica_of(db, "pr-hub.db")
        spawn(db, "sync", url, "--live")
    wait_for("both clients", lambda: node_count("pr-a.db") == node_count("pr-b.db") == 1, 20)
    # Through the hub each change takes milliseconds; one that waited for the next exchange of
    # version vectors (every 3 s when idle) would take up to 3 s. Five in a row under 1 s each
    # leaves that a chance of 1 in 243.
    took = []
    for i in range(5):
        t0 = time.time()
        run("pr-a.db", "node", "add", "P", "--id", f"from-a-{i}")
        wait_for(f"node {i} on B", lambda: node_count("pr-b.db") == 2 + i, 20, interval=0.02)
        took.append(time.time() - t0)
    t0 = time.time()
    assert http(port, "DELETE", "/nodes/gone")[0] == 200
    wait_for("the delete on A and B", lambda: node_count("pr-a.db") == node_count("pr-b.db") == 5,
             20, interval=0.02)
    took.append(time.time() - t0)
    print(f"    hub relay: {', '.join(f'{t * 1000:.0f}' for t in took)} ms")
    assert max(took) < 1.0, f"a change took {max(took):.1f}s to pass through the hub"
    assert stop(hub) == 0


@test
def a_peer_url_without_a_port_means_7420():
    """`--peer ws://HOST` with no port connects to ArenaDB's port, 7420, as documented; /status
    says where each peer is."""
    b, pb = server("p80-b.db", None, "--no-ui", "--peer", "ws://127.0.0.1",
                   "--peer", "wss://127.0.0.1:9443/x")
    st = http(pb, "GET", "/status")[1]
    assert [p["address"] for p in st["peers"]] == ["127.0.0.1:7420", "127.0.0.1:9443"], st
    assert stop(b) == 0


@test
def presence_through_the_hub_then_expiry():
    run("p-hub.db", "init")
    run("p-hub.db", "node", "add", "Data", "{}")  # a hub with data still takes fresh watchers
    hub, port = server("p-hub.db")
    url = f"ws://127.0.0.1:{port}"
    watcher = subprocess.Popen([ARENADB, "--db", path("p-w.db"), "presence", url, "--watch", "--for", "6"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    PROCS.append(watcher)
    wait_for("the watcher", lambda: http(port, "GET", "/status")[1]["sessions"] >= 1, 10)
    run("p-a.db", "presence", url, "cursor", '{"x":3,"y":4}', "--ttl", "2")
    st, pres = http(port, "GET", "/presence")
    assert st == 200 and any(p["key"] == "cursor" and p["value"] == {"x": 3, "y": 4} for p in pres), pres
    wait_for("expiry on the hub", lambda: http(port, "GET", "/presence")[1] == [], 5)
    out, err = watcher.communicate(timeout=15)
    lines = [l for l in out.splitlines() if l.strip()]
    assert any('"cursor"' in l for l in lines), f"the watcher never saw it: {out!r} {err!r}"
    assert lines[-1] == "[]", f"the watcher still sees it: {lines[-1]!r}"
    # presence is never stored
    assert "cursor" not in run("p-hub.db", "sql", "SELECT * FROM nodes", "--format", "json").stdout
    assert node_count("p-hub.db") == 1
    stop(hub)


@test
def live_text_typing_through_a_hub():
    """Two live replicas type into one node's text at once, keystroke by keystroke (a
    transaction each); every keystroke streams through the hub, and all three end with one
    text holding every character typed. (Where each lands depends on what a typist had
    received when it typed: these are positions, not a cursor; that concurrent runs never
    interleave is tested in tests/unit/test_text_prop.c.)"""
    hub, port = server("txt-hub.db")
    url = f"ws://127.0.0.1:{port}"
    run("txt-hub.db", "node", "add", "Note", "{}", "--id", "doc")
    run("txt-hub.db", "text", "insert", "doc", "body", "0", "[]")
    reps = [replica_of(f"txt-{i}.db", "txt-hub.db") for i in range(2)]
    clients = [spawn(r, "sync", url, "--live") for r in reps]
    wait_for("the text on both replicas", lambda: all(
        run(r, "text", "get", "doc", "body", check=False).stdout == "[]\n" for r in reps), 15)
    words = ["alpha-beta", "ÇÅ-ünïcødé"]

    def typist(db, word):
        for i, ch in enumerate(word):
            run(db, "text", "insert", "doc", "body", str(1 + i), ch)

    threads = [threading.Thread(target=typist, args=(r, w)) for r, w in zip(reps, words)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    def every_character(states):
        text = run("txt-hub.db", "text", "get", "doc", "body").stdout.rstrip("\n")
        return sorted(text) == sorted("[]" + words[0] + words[1])

    wait_for("the texts to converge", lambda: converged(reps + ["txt-hub.db"],
                                                         need=every_character), 30)
    for c in clients:
        assert stop(c) == 0
    assert stop(hub) == 0


@test
def lists_page_with_a_link_to_the_next():
    """GET /nodes and /edges answer a page (1000 unless limit= says otherwise) and a Link header
    to the next one, keeping the filters; following the links yields every element once, in id
    order, and the last page has no link."""
    rows = [{"type": "node", "id": f"n{i:04d}", "label": "A" if i % 2 else "B",
             "properties": {"i": i}} for i in range(2300)]
    rows += [{"type": "node", "id": i, "label": "A", "properties": {}} for i in ("odd id/ü?&=", "z")]
    rows += [{"type": "edge", "id": f"e{i:04d}", "source_node_id": "n0000",
              "target_node_id": f"n{i:04d}",
              "label": "L"} for i in range(1, 1200)]
    with open(path("page.jsonl"), "w") as f:
        f.write("\n".join(json.dumps(r) for r in rows) + "\n")
    run("page.db", "init")
    run("page.db", "import", path("page.jsonl"), timeout=60)
    hub, port = server("page.db")

    def follow(url):
        ids, pages = [], 0
        while url:
            st, headers, body = http_full(port, "GET", url)
            assert st == 200, body
            page = json.loads(body)
            ids += [e["id"] for e in page]
            pages += 1
            link = headers.get("Link")
            url = None
            if link:
                m = re.fullmatch(r'<(/[a-z]+\?[^>]+)>; rel="next"', link)
                assert m, link
                url = m.group(1)
                assert page, "a link after an empty page"
        return ids, pages

    every = sorted(r["id"] for r in rows if r["type"] == "node")
    ids, pages = follow("/nodes")
    assert ids == every and pages == 3, (len(ids), pages)
    ids, pages = follow("/nodes?label=A&limit=300")
    assert ids == sorted(r["id"] for r in rows if r.get("label") == "A") and pages == 4, pages
    ids, pages = follow("/edges?from=n0000&limit=500")
    assert ids == [f"e{i:04d}" for i in range(1, 1200)] and pages == 3, pages
    assert follow("/edges?to=n0001")[0] == ["e0001"]
    # The cursor with characters a URL must escape, and one past the end.
    ids, pages = follow("/nodes?label=A&limit=1&after=n2299")
    assert ids == ["odd id/ü?&=", "z"] and pages == 2, ids
    st, headers, body = http_full(port, "GET", "/nodes?after=zzz")
    assert st == 200 and json.loads(body) == [] and headers.get("Link") is None
    for bad in ("0", "-1", "100001", "x", "5x"):
        st, b = http(port, "GET", f"/nodes?limit={bad}")
        assert st == 400 and "limit" in b["error"], (bad, b)
    assert stop(hub) == 0


@test
def graph_view_routes():
    """What a view of part of the graph reads: GET /labels counts nodes per label, GET
    /edges?node=ID lists a node's edges either way (a loop once), POST /subgraph gives the live
    nodes among ids and the edges among them; a read token may use all three."""
    hub, port = server("view.db", None, "--token", "adm1n")
    tok = "adm1n"
    for nid, label in (("a", "P"), ("b", "P"), ("c", "Q"), ("d", "Q"), ("e", "Q")):
        assert http(port, "POST", "/nodes", {"id": nid, "label": label}, tok)[0] == 201
    for eid, s, t in (("ab", "a", "b"), ("bc", "b", "c"), ("ca", "c", "a"), ("cd", "c", "d"),
                      ("aa", "a", "a"), ("de", "d", "e")):
        assert http(port, "POST", "/edges", {"id": eid, "source": s, "target": t, "label": "R"},
                    tok)[0] == 201
    st, b = http(port, "POST", "/tokens", {"name": "viewer", "role": "read"}, tok)
    read = b["token"]
    assert http(port, "GET", "/labels", None, read)[1] == [{"label": "P", "nodes": 2},
                                                           {"label": "Q", "nodes": 3}]
    ids = lambda es: [e["id"] for e in es]
    assert ids(http(port, "GET", "/edges?node=a", None, read)[1]) == ["aa", "ab", "ca"]
    assert ids(http(port, "GET", "/edges?node=c&limit=2", None, read)[1]) == ["bc", "ca"]
    assert http(port, "GET", "/edges?node=a&from=a", None, read)[0] == 400
    st, b = http(port, "POST", "/subgraph", {"nodes": ["a", "c", "gone", "a", "d"]}, read)
    assert st == 200 and sorted(ids(b["nodes"])) == ["a", "c", "d"], b
    assert sorted(ids(b["edges"])) == ["aa", "ca", "cd"] and b["truncated"] is False, b
    assert all(set(e) == {"id", "label", "properties", "source", "target"} for e in b["edges"])
    assert http(port, "DELETE", "/nodes/c", None, tok)[0] == 200
    st, b = http(port, "POST", "/subgraph", {"nodes": ["a", "c", "d"]}, read)
    assert ids(b["nodes"]) == ["a", "d"] and ids(b["edges"]) == ["aa"], b
    assert http(port, "GET", "/labels", None, read)[1][1] == {"label": "Q", "nodes": 2}
    for bad in ({}, {"nodes": "a"}, {"nodes": [1]}, {"nodes": ["x"] * 10001}):
        st, b = http(port, "POST", "/subgraph", bad, read)
        assert st == 400 and "nodes" in b["error"], (bad, b)
    assert http(port, "GET", "/subgraph", None, read)[0] == 405
    assert http(port, "POST", "/labels", {}, tok)[0] == 405
    assert stop(hub) == 0


def first_view_model(nodes, edges, hubs, limit, label, held):
    """The ids POST /subgraph {"hubs", "limit", "label", "nodes"} answers, worked out from the
    graph's live nodes {id: label} and visible edges [(id, source, target)]."""
    fits = lambda n: label is None or nodes[n] == label
    degree = {}
    for _, s, t in edges:
        degree[s] = degree.get(s, 0) + 1
        degree[t] = degree.get(t, 0) + 1
    top = sorted((n for n in degree if fits(n)), key=lambda n: (-degree[n], n))[:hubs]
    each = -(-limit // hubs)
    order = []

    def add(n, cap):
        if n not in order and len(order) < cap:
            order.append(n)
        return n in order

    lists = []
    for h in top:
        add(h, limit)
        ends = [(e, t) for e, s, t in edges if s == h] + [(e, s) for e, s, t in edges
                                                           if t == h and s != h]
        lists.append([n for _, n in sorted(ends) if fits(n)][:each])
    for turn in range(each):
        for lst in lists:
            if turn < len(lst):
                add(lst[turn], limit)
    if len(order) < limit:
        for n in sorted(n for n in nodes if fits(n))[:limit]:
            if not add(n, limit):
                break
    for n in held:
        add(n, 10000)
    shown = [n for n in order if n in nodes]
    return shown, sorted(e for e, s, t in edges if s in shown and t in shown)


@test
def subgraph_first_view():
    """POST /subgraph with "hubs" answers a graph's first view in one request: the best-connected
    nodes of a label, their neighbours of that label in turn, nodes by id to fill the limit, and
    the nodes asked for besides, with the edges among them. Checked against a model on a random
    multigraph with loops and deleted nodes; bad arguments are 400 naming them."""
    rnd = random.Random(7)
    db = "firstview.db"
    run(db, "init")
    nodes = {f"n{i:02d}": rnd.choice("PQ") for i in range(40)}
    edges = []
    for i in range(150):
        s, t = rnd.choice(sorted(nodes)[:15]), rnd.choice(sorted(nodes))
        edges.append((f"e{rnd.randrange(10**6):06d}-{i}", s, t))
    lines = [{"type": "node", "id": n, "label": lb, "properties": {"name": n}} for n, lb in nodes.items()]
    lines += [{"type": "edge", "id": e, "label": "R", "source_node_id": s, "target_node_id": t}
              for e, s, t in edges]
    with open(path("firstview.jsonl"), "w") as f:
        f.write("".join(json.dumps(l) + "\n" for l in lines))
    run(db, "import", path("firstview.jsonl"))
    hub, port = server(db, None, "--token", "adm1n")
    read = http(port, "POST", "/tokens", {"name": "r", "role": "read"}, "adm1n")[1]["token"]
    for gone in ("n03", "n21"):
        assert http(port, "DELETE", f"/nodes/{gone}", None, "adm1n")[0] == 200
        del nodes[gone]
    edges = [(e, s, t) for e, s, t in edges if s in nodes and t in nodes]
    cases = [(1, 5, None, []), (3, 10, "P", []), (4, 12, "Q", ["n03", "n39", "n00"]),
             (20, 40, None, []), (2, 1, None, ["n05"]), (5, 30, "Nope", ["n01"]), (1000, 10000, None, [])]
    cases += [(rnd.randint(1, 8), rnd.randint(1, 45), rnd.choice([None, "P", "Q"]),
               rnd.sample(sorted(nodes) + ["n03"], rnd.randint(0, 4))) for _ in range(25)]
    for hubs, limit, label, held in cases:
        body = {"hubs": hubs, "limit": limit, "nodes": held}
        if label is not None:
            body["label"] = label
        st, b = http(port, "POST", "/subgraph", body, read)
        want_nodes, want_edges = first_view_model(nodes, edges, hubs, limit, label, held)
        assert st == 200 and [n["id"] for n in b["nodes"]] == want_nodes, (body, b["nodes"], want_nodes)
        assert [e["id"] for e in b["edges"]] == want_edges and b["truncated"] is False, body
        assert all(n["properties"] == {"name": n["id"]} for n in b["nodes"]), body
    for bad in ({"hubs": 0}, {"hubs": 1001}, {"hubs": 1.5}, {"hubs": "3"}, {"hubs": 2, "limit": 0},
                {"hubs": 2, "limit": 10001}, {"hubs": 2, "label": 7}, {"hubs": 2, "nodes": "a"}):
        st, b = http(port, "POST", "/subgraph", bad, read)
        assert st == 400 and ("hubs" in b["error"] or "nodes" in b["error"]), (bad, b)
    assert stop(hub) == 0


@test
def vector_search_over_http():
    """POST /vectors/search answers the k nearest nodes to a vector or to a node's vector as the
    command line's `vector search` does (ids, order, distances); a read token may search; bad
    input is 400 naming the problem, an unknown node or one without a vector 404."""
    db = "vectors.db"
    run(db, "init")
    for i in range(12):
        run(db, "node", "add", "Doc", json.dumps({"n": i}), "--id", f"d{i}")
        run(db, "vector", "set", f"d{i}", json.dumps([i % 5 + 0.5, (i * 7) % 11 - 3, 1.25 * i]))
    run(db, "node", "add", "Doc", "{}", "--id", "plain")
    hub, port = server(db, None, "--token", "adm1n")
    read = http(port, "POST", "/tokens", {"name": "r", "role": "read"}, "adm1n")[1]["token"]

    def cli_search(vec, k):
        out = run(db, "vector", "search", json.dumps(vec), "-k", str(k), "--format", "json").stdout
        return [(h["id"], h["distance"]) for h in json.loads(out)]

    def same(got, want):
        assert [h["id"] for h in got] == [w[0] for w in want], (got, want)
        assert all(abs(h["distance"] - w[1]) <= 1e-6 for h, w in zip(got, want)), (got, want)
        assert all(set(h) == {"id", "distance"} for h in got), got

    for vec, k in (([1, 0, 2], 5), ([-3, 4.5, 0.25], 12), ([0.5, 0.5, 0.5], 1)):
        st, b = http(port, "POST", "/vectors/search", {"vector": vec, "k": k}, read)
        assert st == 200, b
        same(b, cli_search(vec, k))
    d3 = json.loads(run(db, "vector", "get", "d3").stdout)
    st, b = http(port, "POST", "/vectors/search", {"node": "d3"}, read)
    assert st == 200 and len(b) == 10 and b[0]["id"] == "d3", b
    same(b, cli_search(d3, 10))
    bad = (
        ({"vector": [1, "x", 2]}, "[1]"), ({"vector": [1, None, 2]}, "not a number"),
        ({"vector": "[1,2,3]"}, "array"), ({"vector": []}, "array"),
        ({"vector": [1e39, 0, 0]}, "float32"), ({"vector": [1, 2]}, "2 components"),
        ({"vector": [1, 2, 3, 4]}, "4 components"), ({"node": "d1", "k": 0}, "k"),
        ({"node": "d1", "k": 10001}, "k"), ({"node": "d1", "k": 2.5}, "k"),
        ({"node": "d1", "k": "3"}, "k"), ({}, "exactly one"),
        ({"node": "d1", "vector": [1, 2, 3]}, "exactly one"), ({"node": 7}, "node"),
    )
    for body, says in bad:
        st, b = http(port, "POST", "/vectors/search", body, read)
        assert st == 400 and says in b["error"] and b["code"] == "invalid argument", (body, st, b)
    for body, says in (({"node": "nobody"}, "does not exist"), ({"node": "plain"}, "no vector")):
        st, b = http(port, "POST", "/vectors/search", body, read)
        assert st == 404 and says in b["error"], (body, st, b)
    assert http(port, "POST", "/vectors/search", [1, 2, 3], read)[0] == 400
    assert http(port, "GET", "/vectors/search", None, read)[0] == 405
    assert http(port, "POST", "/vectors/search", {"node": "d1"})[0] == 401
    assert stop(hub) == 0


@test
def query_answers_cap_their_rows():
    """POST /sql and /cypher answer at most max_rows rows (10000 unless asked), saying whether
    more followed; a write past the cap is still whole."""
    hub, port = server("cap.db")
    count = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT %d) SELECT x FROM c"
    st, b = http(port, "POST", "/sql", {"sql": count % 10001})
    assert st == 200 and len(b["rows"]) == 10000 and b["truncated"] is True, (st, len(b["rows"]))
    st, b = http(port, "POST", "/sql", {"sql": count % 10000})
    assert len(b["rows"]) == 10000 and b["truncated"] is False
    st, b = http(port, "POST", "/sql", {"sql": count % 50, "max_rows": 7})
    assert [r[0] for r in b["rows"]] == list(range(1, 8)) and b["truncated"] is True, b
    st, b = http(port, "POST", "/sql", {"sql": count % 20000, "max_rows": 20000})
    assert len(b["rows"]) == 20000 and b["truncated"] is False
    # A write with RETURNING: every row inserted, three returned.
    st, b = http(port, "POST", "/sql", {"sql": "INSERT INTO nodes(label) SELECT 'C' FROM (%s) "
                                               "RETURNING last_insert_id()" % (count % 12),
                                        "max_rows": 3})
    assert st == 200 and len(b["rows"]) == 3 and b["truncated"] is True and b["changes"] == 12, b
    assert http(port, "POST", "/sql", {"sql": "SELECT count(*) FROM nodes"})[1]["rows"] == [[12]]
    st, b = http(port, "POST", "/cypher", {"query": "UNWIND range(1, 30) AS x RETURN x",
                                           "max_rows": 5})
    assert st == 200 and [r[0] for r in b["rows"]] == [1, 2, 3, 4, 5] and b["truncated"] is True, b
    st, b = http(port, "POST", "/cypher", {"query": "UNWIND range(1, 4) AS x CREATE (:K) RETURN x",
                                           "max_rows": 2})
    assert b["truncated"] is True and b["stats"]["nodes_created"] == 4, b
    st, b = http(port, "POST", "/cypher", {"query": "MATCH (k:K) RETURN count(k)"})
    assert b["rows"] == [[4]] and b["truncated"] is False, b
    for bad in (0, -1, 1000001, "5", 2.5, None):
        st, b = http(port, "POST", "/sql", {"sql": "SELECT 1", "max_rows": bad})
        assert st == 400 and "max_rows" in b["error"], (bad, b)
        st, b = http(port, "POST", "/cypher", {"query": "RETURN 1", "max_rows": bad})
        assert st == 400 and "max_rows" in b["error"], (bad, b)
    assert stop(hub) == 0


@test
def http_api():
    hub, port = server("h.db")
    assert http(port, "POST", "/nodes", {"id": "ada", "label": "Person", "properties": {"name": "Ada"}})[0] == 201
    st, b = http(port, "POST", "/nodes", {"label": "Person", "properties": {"name": "Grace"}})
    assert st == 201
    grace = b["id"]
    st, b = http(port, "POST", "/edges", {"source": "ada", "target": grace, "label": "KNOWS"})
    assert st == 201, b
    eid = b["id"]
    assert http(port, "GET", "/nodes/ada")[1]["properties"] == {"name": "Ada"}
    assert http(port, "PATCH", "/nodes/ada", {"properties": {"born": 1815}})[1]["properties"] == \
        {"born": 1815, "name": "Ada"}
    assert len(http(port, "GET", "/nodes?label=Person")[1]) == 2
    assert len(http(port, "GET", "/edges?from=ada")[1]) == 1
    # Pages: limit, and after the last id of the page before.
    ids = sorted(["ada", grace])
    assert [n["id"] for n in http(port, "GET", "/nodes?limit=1")[1]] == ids[:1]
    assert [n["id"] for n in http(port, "GET", f"/nodes?limit=1&after={ids[0]}")[1]] == ids[1:]
    assert http(port, "GET", f"/nodes?after={ids[1]}")[1] == []
    assert http(port, "GET", "/edges?limit=0")[0] == 400
    # A write says how many rows it changed: through a view, and in a table of one's own.
    st, b = http(port, "POST", "/sql", {"sql": "UPDATE nodes SET label = 'P' WHERE label = 'Person'"})
    assert st == 200 and b["changes"] == 2 and b["rows"] == [], b
    assert http(port, "POST", "/sql", {"sql": "UPDATE nodes SET label = 'Person' WHERE label = 'P'"})[1]["changes"] == 2
    assert http(port, "POST", "/sql", {"sql": "SELECT * FROM nodes"})[1]["changes"] == 0
    # properties are objects, as in /nodes; an expression over them is text.
    st, b = http(port, "POST", "/sql", {"sql": "SELECT properties, json_set(properties, '$.x', 1) "
                                               "AS q FROM nodes WHERE id = 'ada'"})
    assert b["rows"] == [[{"born": 1815, "name": "Ada"}, '{"born":1815,"name":"Ada","x":1}']], b
    # Two statements: refused before either runs, not the first run and the second dropped.
    st, b = http(port, "POST", "/sql", {"sql": "DELETE FROM nodes WHERE id = 'ada'; SELECT 1"})
    assert st == 400 and "more than one SQL statement" in b["error"], (st, b)
    assert http(port, "GET", "/nodes/ada")[0] == 200
    assert http(port, "POST", "/sql", {"sql": "SELECT 1; -- a comment\n "})[0] == 200
    # A known endpoint asked with a method it does not answer: 405, not 404.
    for method, url in (("DELETE", "/vv"), ("POST", "/status"), ("PUT", "/"), ("DELETE", "/presence"),
                        ("GET", "/sql"), ("PUT", "/cypher")):
        st, b = http(port, method, url, {} if method in ("POST", "PUT") else None)
        assert st == 405 and b["code"] == "method not allowed", (method, url, st, b)
    for url in ("/sql", "/cypher"):
        st, b = http(port, "POST", url, ["not", "an", "object"])
        assert st == 400 and "JSON object" in b["error"], (url, st, b)
    assert http(port, "GET", "/nodes?limit=x")[0] == 400
    st, b = http(port, "POST", "/sql", {"sql": "SELECT json_extract(properties,'$.name') FROM nodes WHERE id=?",
                                        "params": ["ada"]})
    assert st == 200 and b["rows"] == [["Ada"]], b
    assert http(port, "POST", "/sql", {"sql": "UPDATE nodes SET label='M' WHERE id='ada'"})[0] == 200
    assert http(port, "GET", "/nodes/ada")[1]["label"] == "M"
    assert http(port, "DELETE", f"/edges/{eid}")[0] == 200
    assert http(port, "GET", f"/edges/{eid}")[0] == 404
    assert http(port, "GET", "/nodes/nobody")[0] == 404
    st, b = http(port, "POST", "/nodes", {"id": "ada", "label": "P"})
    assert st == 409 and "error" in b, b
    assert http(port, "POST", "/nodes", {"label": "P", "properties": [1]})[0] == 400
    assert http(port, "POST", "/sql", {"sql": "SELEC nonsense"})[0] == 400
    assert http(port, "GET", "/nope")[0] == 404
    st, _, b = http_full(port, "POST", "/nodes", b"{not json", {"Content-Type": "application/json"})
    assert st == 400 and "error" in json.loads(b), b
    # Bytes that are not UTF-8 text come as base64, never dropped: each row keeps its columns.
    st, b = http(port, "POST", "/sql", {"sql": "SELECT x'00ff', 'ok', CAST(x'c328' AS TEXT), 1"})
    assert st == 200 and b["rows"] == [[{"$base64": "AP8="}, "ok", {"$base64": "wyg="}, 1]], b
    st, vv = http(port, "GET", "/vv")
    assert st == 200 and "vv" in vv
    stop(hub)
    # with a token, requests without it get 401
    hub, port = server("h.db", None, "--token", "t0k")
    assert http(port, "GET", "/nodes")[0] == 401
    assert http(port, "GET", "/nodes", token="t0k")[0] == 200
    stop(hub)


@test
def http_cypher():
    """POST /cypher reads and writes; a write reaches a live replica; errors change nothing."""
    hub, port = server("cy-hub.db")
    rep = replica_of("cy-r.db", "cy-hub.db")
    client = spawn(rep, "sync", f"ws://127.0.0.1:{port}", "--live")
    wait_for("the live session", lambda: http(port, "GET", "/status")[1]["sessions"] == 1, 15)
    st, b = http(port, "POST", "/cypher", {"query": "CREATE (:Person {name: $n, born: 1815})",
                                           "params": {"n": "Ada"}})
    assert st == 200 and b["columns"] == [] and b["rows"] == [], b
    assert b["stats"]["nodes_created"] == 1 and b["stats"]["properties_set"] == 2, b
    st, b = http(port, "POST", "/cypher", {"query": "MATCH (p:Person) RETURN p.name AS name, "
                                           "p.born + 0.5 AS x, [1, null] AS l, p"})
    assert st == 200 and b["columns"] == ["name", "x", "l", "p"], b
    row = b["rows"][0]
    assert row[:3] == ["Ada", 1815.5, [1, None]], b
    assert row[3]["labels"] == ["Person"] and row[3]["properties"] == {"name": "Ada", "born": 1815}, b
    wait_for("the Cypher write on the live replica", lambda: "Ada" in run(
        rep, "cypher", "MATCH (p:Person) RETURN p.name", "--format", "json").stdout, 15)
    before = http_dump(port)
    st, b = http(port, "POST", "/cypher", {"query": "CREATE (:X) RETUR 1"})
    assert st == 400 and b["kind"] == "SyntaxError" and b["phase"] == "compile time" and b["error"], b
    st, b = http(port, "POST", "/cypher", {"query": "CREATE (:X {v: 1}) WITH 1 AS one RETURN 1 / 0"})
    assert st == 400 and b["kind"] == "ArithmeticError", b
    st, b = http(port, "POST", "/cypher", {"query": "RETURN $x", "params": [1]})
    assert st == 400 and "params" in b["error"], b
    assert http(port, "POST", "/cypher", {"sql": "RETURN 1"})[0] == 400
    assert http(port, "GET", "/cypher")[0] == 405
    st, _, b = http_full(port, "POST", "/cypher", b"MATCH (n) RETURN n",
                         {"Content-Type": "application/json"})
    assert st == 400 and "not JSON" in json.loads(b)["error"], b
    assert http_dump(port) == before, "a failed query changed the database"
    assert stop(client) == 0
    stop(hub)


def raw_get(port, target, token=None):
    """One GET with the request target sent exactly as given (no client-side normalising);
    returns (status, headers, body bytes); status 0 when the server closed without answering."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n".encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    if not data:
        return 0, {}, b""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@test
def browser_ui_files_and_no_path_traversal():
    ui = path("ui")
    os.makedirs(os.path.join(ui, "sub"))
    os.makedirs(os.path.join(ui, "dir"))
    files = {"index.html": b"<!doctype html><title>UI</title>", "app.js": b"console.log(1)\n",
             "sub/x.css": b"body{}", "data.bin": bytes(range(256)) * 3, ".hidden": b"hidden"}
    for name, content in files.items():
        with open(os.path.join(ui, name), "wb") as f:
            f.write(content)
    secret = b"SECRET-OUTSIDE-THE-UI"
    with open(path("secret.txt"), "wb") as f:
        f.write(secret)
    os.symlink(path("secret.txt"), os.path.join(ui, "link.txt"))
    hub, port = server("ui.db", None, "--ui", ui)
    for target, ctype, name in [("/", "text/html", "index.html"), ("/index.html", "text/html", "index.html"),
                                ("/app.js", "text/javascript", "app.js"), ("/sub/x.css", "text/css", "sub/x.css"),
                                ("/data.bin", "application/octet-stream", "data.bin"),
                                ("/app.js?v=2", "text/javascript", "app.js")]:
        st, h, body = raw_get(port, target)
        assert st == 200 and h["content-type"].startswith(ctype) and body == files[name], (target, st, h, body[:80])
        assert h["x-content-type-options"] == "nosniff", h
    bad = ["/../secret.txt", "/../../../../etc/passwd", "/sub/../../secret.txt", "/%2e%2e/secret.txt",
           "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt", "/sub%2f..%2f..%2fsecret.txt", "/.hidden",
           "/sub/.%2e/.%2e/secret.txt", "/link.txt", "/dir", "/nope.js", "/index.html%00.js",
           "//etc/passwd", "/a\\..\\secret.txt", "/%5c..%5csecret.txt", "/" + "a" * 900]
    for target in bad:  # refused with a JSON error, or (a NUL: libwebsockets' parser) dropped
        st, h, body = raw_get(port, target)
        assert st in (400, 404) or (st == 0 and "%00" in target), (target, st, body[:200])
        assert secret not in body and b"root:" not in body, (target, body[:200])
        assert st == 0 or (h["content-type"] == "application/json" and "error" in json.loads(body)), (target, body)
    # the API is still answered first, and other methods on a file path are not files
    assert http(port, "GET", "/status")[0] == 200
    assert http(port, "GET", "/nodes")[1] == []
    assert http(port, "POST", "/app.js", {})[0] == 404
    stop(hub)
    # with a token, the UI's files (no data) are served; the API still wants the token
    hub, port = server("ui.db", None, "--ui", ui, "--token", "t0k")
    assert raw_get(port, "/app.js")[0] == 200
    assert raw_get(port, "/nodes")[0] == 401 and raw_get(port, "/nodes", token="t0k")[0] == 200
    stop(hub)
    # --no-ui: the status page at /, no files
    hub, port = server("ui.db", None, "--no-ui")
    st, h, body = raw_get(port, "/")
    assert st == 200 and b"Sync endpoint" in body, body[:200]
    assert raw_get(port, "/app.js")[0] == 404
    stop(hub)
    # a --ui directory without index.html, or both options: usage errors, nothing served
    for args in (["--ui", path("secret.txt")], ["--ui", path("nowhere")], ["--ui", ui, "--no-ui"]):
        r = run("ui.db", "serve", "--listen", f"127.0.0.1:{free_port()}", *args, check=False, timeout=10)
        assert r.returncode == 2 and "ui" in r.stderr, (args, r.returncode, r.stderr)


@test
def installed_command_finds_its_ui():
    # the layout of `make install`: PREFIX/bin/arenadb beside PREFIX/share/arenadb/ui
    prefix = path("prefix")
    os.makedirs(os.path.join(prefix, "bin"))
    ui = os.path.join(prefix, "share", "arenadb", "ui")
    os.makedirs(ui)
    binary = os.path.join(prefix, "bin", "arenadb")
    shutil.copy(ARENADB, binary)
    page = b"<!doctype html><title>installed UI</title>"
    with open(os.path.join(ui, "index.html"), "wb") as f:
        f.write(page)
    hub, port = server("inst.db", None, binary=binary, log="inst.log")
    st, h, body = raw_get(port, "/")
    assert st == 200 and body == page, (st, body[:200])
    stop(hub)
    with open(path("inst.log")) as f:
        assert "browser UI: " + prefix + "/bin/../share/arenadb/ui" in f.read()
    # --no-ui still wins over the installed UI
    hub, port = server("inst.db", None, "--no-ui", binary=binary)
    assert b"Sync endpoint" in raw_get(port, "/")[2]
    stop(hub)


@test
def one_thousand_websocket_connections():
    raise_nofile()
    hub, port = server("c-hub.db", None, "--timeout", "60000")
    dbid = bytes.fromhex(http(port, "GET", "/status")[1]["db"])
    conns = []
    for i in range(1000):
        w = WS(port)
        w.send(hello(dbid, flags=2))  # presence only
        conns.append(w)
    wait_for("1000 sessions", lambda: http(port, "GET", "/status")[1]["sessions"] == 1000, 30)
    time.sleep(1)
    st, s = http(port, "GET", "/status")
    assert s["connections"] == 1000, s["connections"]
    # still serving sync with all of them held
    run("c-a.db", "sync", f"ws://127.0.0.1:{port}")
    for w in conns:
        w.close()
    wait_for("the connections to go", lambda: http(port, "GET", "/status")[1]["connections"] == 0, 20)
    assert stop(hub) == 0


@test
def a_failing_client_sends_error_then_close_1008():
    """`arenadb sync` against a fake server that answers its hello with a frame of no known type: the
    client sends ERROR, then a WebSocket close with status 1008 and the reason, as a server does."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    run("fc.db", "init")
    client = spawn("fc.db", "sync", f"ws://127.0.0.1:{port}")
    ls.settimeout(10)
    c, _ = ls.accept()
    ls.close()
    c.settimeout(10)
    head = b""
    while b"\r\n\r\n" not in head:
        head += c.recv(4096)
    key = re.search(rb"Sec-WebSocket-Key: *(\S+)", head, re.I).group(1)
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Accept: " + accept + b"\r\nSec-WebSocket-Protocol: arenadb-sync\r\n\r\n")
    buf = b""

    def message():
        nonlocal buf
        while True:
            if len(buf) >= 6:
                n = buf[1] & 0x7F
                at = 2 + {126: 2, 127: 8}.get(n, 0)
                if n == 126:
                    n = struct.unpack(">H", buf[2:4])[0]
                elif n == 127:
                    n = struct.unpack(">Q", buf[2:10])[0]
                if len(buf) >= at + 4 + n:
                    mask, data = buf[at:at + 4], buf[at + 4:at + 4 + n]
                    op, buf = buf[0] & 0x0F, buf[at + 4 + n:]
                    return op, bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            d = c.recv(65536)
            if not d:
                return None, b""
            buf += d

    op, hello_msg = message()
    assert op == 2 and hello_msg[4] == 1, "the client's first message is not its hello"
    bad = frame(77, b"x")
    c.sendall(bytes([0x82, len(bad)]) + bad)
    got = []
    while True:
        op, data = message()
        if op is None:
            break
        got.append((op, data))
        if op == 8:
            c.sendall(bytes([0x88, 2]) + data[:2])
            break
    c.close()
    assert stop(client) != 0 or client.returncode != 0, "the client did not fail"
    ops = [op for op, _ in got]
    assert ops == [2, 8], f"messages from the failing client: {got}"
    assert got[0][1][4] == 5, "its message before the close is not an ERROR frame"
    status, reason = struct.unpack(">H", got[1][1][:2])[0], got[1][1][2:].decode()
    assert status == 1008 and "frame type 77" in reason, (status, reason)
    print(f"    close {status}: {reason}")


# ---- an independent client written from the documents alone (docclient.py) ----

# ---- the browser UI's WebSocket: GET /events, subprotocol arenadb-events (JSON text) ----

def events(port, token=None, bearer=None, origin=None):
    """A UI's events socket; token goes in ?token=, bearer in an Authorization header."""
    target = "/events" + (f"?token={token}" if token else "")
    headers = f"Authorization: Bearer {bearer}\r\n" if bearer else ""
    return WS(port, protocol="arenadb-events", target=target, headers=headers, origin=origin)


def ev_send(ws, msg):
    ws.send((msg if isinstance(msg, str) else json.dumps(msg)).encode(), opcode=1)


def ev_next(ws, kind, timeout=5, cond=None):
    """The next JSON frame of type kind (a type, or a tuple of types) and cond within timeout;
    others are skipped. Raises AssertionError on a close (with its code and reason) or the
    timeout."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    deadline = time.time() + timeout
    seen = []
    while True:
        left = deadline - time.time()
        if left <= 0:
            raise AssertionError(f"no {kind} frame within {timeout}s (saw {seen!r:.600})")
        ws.s.settimeout(left)
        try:
            op, p = ws.recv()
        except socket.timeout:
            continue
        if op == 8:
            code = struct.unpack(">H", p[:2])[0] if len(p) >= 2 else None
            raise AssertionError(f"closed ({code}, {p[2:].decode(errors='replace')!r}) before a "
                                 f"{kind} frame (saw {seen!r:.600})")
        if op != 1:
            continue
        m = json.loads(p)
        seen.append(m)
        if m.get("type") in kinds and (cond is None or cond(m)):
            return m


def ev_close(ws, timeout=5):
    """Frames until the server closes: (JSON frames, close code, close reason)."""
    ws.s.settimeout(timeout)
    out = []
    try:
        while True:
            op, p = ws.recv()
            if op == 8:
                code = struct.unpack(">H", p[:2])[0] if len(p) >= 2 else None
                return out, code, p[2:].decode(errors="replace")
            if op == 1:
                out.append(json.loads(p))
    except (EOFError, ConnectionResetError, socket.timeout, OSError):
        return out, None, ""


@test
def status_shows_each_sessions_lag():
    """GET /status lists each live sync session (and each connected --peer) with how many of
    the server's transactions it lacks and how long its oldest unacknowledged batch has waited:
    0 once a live client is caught up; a stopped client falls behind by exactly the transactions
    written meanwhile and catches up when it resumes; a UI's events socket is pushed each
    change of that number as a status frame."""
    hub, port = server("lag.db", None, "--no-ui")
    rep = replica_of("lag-r.db", "lag.db")
    cl = spawn(rep, "sync", f"ws://127.0.0.1:{port}", "--live")
    clients = lambda: http(port, "GET", "/status")[1]["clients"]
    wait_for("a live client caught up", lambda: [c["behind"] for c in clients()] == [0], 15)
    c = clients()[0]
    mine = re.search(r"replica ([0-9a-f]{32})", run(rep, "init").stdout).group(1)
    assert c["replica"] == mine and c["waiting_ms"] == 0, (c, mine)
    ui = events(port)
    ev_next(ui, "hello")
    os.kill(cl.pid, signal.SIGSTOP)
    try:
        for i in range(5):
            assert http(port, "POST", "/nodes", {"label": "N", "properties": {"i": i}})[0] == 201
        wait_for("the stopped client 5 behind", lambda: clients()[0]["behind"] == 5, 10)
        ev_next(ui, "status", 3, lambda m: [x["behind"] for x in m["clients"]] == [5])
        time.sleep(0.3)
        assert clients()[0]["waiting_ms"] >= 300, clients()
    finally:
        os.kill(cl.pid, signal.SIGCONT)
    wait_for("the resumed client caught up", lambda: clients()[0]["behind"] == 0, 15)
    ev_next(ui, "status", 3, lambda m: [x["behind"] for x in m["clients"]] == [0])
    assert clients()[0]["waiting_ms"] == 0 and node_count(rep) == 5
    ui.close()
    cl.terminate()
    cl.wait(10)
    assert stop(hub) == 0


@test
def ui_events_push_hello_changes_and_status():
    """A UI's socket gets a hello with what /status says and the presence table; every commit
    (over HTTP, and by another process on the file) pushes a change frame with the new vector
    within a tick; a second UI shows in ui_clients, pushed as a status frame."""
    hub, port = server("ev.db", None, "--no-ui")
    a = events(port)
    h = ev_next(a, "hello")
    st = http(port, "GET", "/status")[1]
    for k in ("db", "replica", "vv", "sessions", "peers", "presence", "ui_clients"):
        assert k in h, (k, h)
    assert h["db"] == st["db"] and h["replica"] == st["replica"] and h["vv"] == st["vv"], (h, st)
    assert h["ui_clients"] == 1 and h["presence"] == [], h
    b = events(port)
    assert ev_next(b, "hello")["ui_clients"] == 2
    assert ev_next(a, "status", 2, lambda m: m["ui_clients"] == 2)
    assert http(port, "GET", "/status")[1]["ui_clients"] == 2
    t = time.time()
    assert http(port, "POST", "/nodes", {"label": "Person", "properties": {"name": "Ada"}})[0] == 201
    ch = ev_next(a, "change", 2)
    lag = time.time() - t
    assert ch["vv"] != h["vv"] and ch["vv"] == http(port, "GET", "/status")[1]["vv"], ch
    assert lag < 0.5, f"the change came {lag:.3f}s after the write"
    ev_next(b, "change", 2, lambda m: m["vv"] == ch["vv"])
    # another process commits to the file the server has open
    run("ev.db", "node", "add", "Person", '{"name":"Grace"}')
    ch2 = ev_next(a, "change", 2, lambda m: m["vv"] != ch["vv"])
    assert ch2["vv"] == http(port, "GET", "/status")[1]["vv"], ch2
    b.close()
    assert ev_next(a, "status", 2, lambda m: m["ui_clients"] == 1)
    # a commit from a sync peer
    run("ev-peer.db", "init", "--db-id", st["db"])
    run("ev-peer.db", "node", "add", "City", '{"name":"London"}')
    run("ev-peer.db", "sync", f"ws://127.0.0.1:{port}")
    # the peer's session also changes the status, whose frame then carries the new vector
    ev_next(a, ("change", "status"), 3, lambda m: len(m["vv"]) > len(ch2["vv"]))
    a.close()
    assert stop(hub) == 0


@test
def ui_presence_reaches_other_uis_and_sync_clients_then_expires():
    """Presence a UI sends lands in the hub's table: another UI gets it pushed, GET /presence
    and a sync client (arenadb presence --watch) see it; it expires after its ttl, and the entry
    of a UI that disconnects goes at once."""
    hub, port = server("evp.db", None, "--no-ui")
    url = f"ws://127.0.0.1:{port}"
    watcher = subprocess.Popen([ARENADB, "--db", path("evp-w.db"), "presence", url, "--watch",
                                "--for", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    PROCS.append(watcher)
    wait_for("the watcher", lambda: http(port, "GET", "/status")[1]["sessions"] >= 1, 10)
    a, b = events(port), events(port)
    ev_next(a, "hello")
    ev_next(b, "hello")
    t = time.time()
    ev_send(a, {"type": "presence", "key": "ui:a", "value": {"name": "Otter", "node": "n1"},
                "ttl_ms": 1500})
    got = ev_next(b, "presence", 2, lambda m: m["entries"])
    assert time.time() - t < 1, "presence took over a second"
    e = got["entries"][0]
    assert e["key"] == "ui:a" and e["value"] == {"name": "Otter", "node": "n1"}, got
    assert e["replica"] == http(port, "GET", "/status")[1]["replica"], e
    assert any(p["key"] == "ui:a" for p in http(port, "GET", "/presence")[1])
    # expiry: the table empties by itself, and every UI is told
    ev_next(b, "presence", 4, lambda m: m["entries"] == [])
    assert http(port, "GET", "/presence")[1] == []
    out, err = watcher.communicate(timeout=15)
    assert '"ui:a"' in out and "Otter" in out, f"the sync client never saw it: {out!r} {err!r}"
    # a UI that goes takes its entries with it
    ev_send(a, {"type": "presence", "key": "ui:a", "value": {"name": "Otter"}, "ttl_ms": 30000})
    ev_next(b, "presence", 2, lambda m: m["entries"])
    a.close()
    ev_next(b, "presence", 2, lambda m: m["entries"] == [])
    # presence set over HTTP or by a sync peer reaches the UI too
    http(port, "POST", "/presence", {"key": "cursor", "value": {"x": 1}, "ttl_ms": 5000})
    ev_next(b, "presence", 2, lambda m: any(x["key"] == "cursor" for x in m["entries"]))
    run("evp-c.db", "presence", url, "peer-cursor", '{"y":2}', "--ttl", "5")
    ev_next(b, "presence", 3, lambda m: any(x["key"] == "peer-cursor" for x in m["entries"]))
    b.close()
    assert node_count("evp.db") == 0  # presence is never stored
    assert stop(hub) == 0


@test
def ui_events_need_the_token_and_the_servers_own_pages():
    """With tokens, a UI socket without one (or with a wrong one) gets an error frame and a
    close 1008 and learns nothing; ?token= and 'Authorization: Bearer' let it in. A read token
    may watch but not set presence. Another site's page is refused at the upgrade."""
    hub, port = server("evt.db", None, "--no-ui", "--token", "s3cret")
    for ws in (events(port), events(port, token="wrong"), events(port, bearer="wrong")):
        frames, code, why = ev_close(ws)
        assert code == 1008 and "authentication" in why, (frames, code, why)
        assert [f["type"] for f in frames] == ["error"], frames
        assert not any("db" in f or "vv" in f for f in frames), frames
        ws.close()
    a = events(port, token="s3cret")
    assert ev_next(a, "hello")["role"] == "admin"
    b = events(port, bearer="s3cret")
    ev_next(b, "hello")
    _, reader = http(port, "POST", "/tokens", {"name": "ro", "role": "read"}, token="s3cret")
    r = events(port, token=reader["token"])
    assert ev_next(r, "hello")["role"] == "read"
    ev_send(r, {"type": "presence", "key": "ui:r", "value": {}, "ttl_ms": 1000})
    assert "write" in ev_next(r, "error")["error"]
    for ws in (a, b, r):
        ws.close()
    opened = True
    try:
        WS(port, protocol="arenadb-events", target="/events?token=s3cret",
           origin="http://evil.example").close()
    except (AssertionError, OSError):  # the handshake is refused
        opened = False
    assert not opened, "another site's page opened the events socket"
    assert http(port, "GET", "/status", token="s3cret")[0] == 200
    assert stop(hub) == 0


@test
def ui_events_bad_frames_get_errors_and_change_nothing():
    """Invalid JSON, an unknown type, bad presence entries and binary frames each get an error
    frame on a connection that stays up; a message over 64 KiB gets an error and a close 1008.
    The server keeps serving and the database is untouched."""
    hub, port = server("evb.db", None, "--no-ui")
    http(port, "POST", "/nodes", {"label": "Keep", "properties": {}})
    before = http_dump(port)
    a = events(port)
    ev_next(a, "hello")
    bad = ["{not json", "[1,2]", '"text"', '{"no":"type"}', '{"type":"launch"}',
           {"type": "presence"}, {"type": "presence", "key": "", "value": 1},
           {"type": "presence", "key": "k", "value": 1, "ttl_ms": 0},
           {"type": "presence", "key": "k", "value": 1, "ttl_ms": "soon"},
           {"type": "presence", "key": "k", "value": "x" * 5000},
           {"type": "presence", "key": "k" * 300, "value": 1}]
    for m in bad:
        ev_send(a, m)
        err = ev_next(a, "error", 2)
        assert err["error"], (m, err)
    a.send(b"\x00\x01binary", opcode=2)
    assert "binary" in ev_next(a, "error", 2)["error"]
    for i in range(17):  # keys past 16 per connection are refused
        ev_send(a, {"type": "presence", "key": f"k{i}", "value": i, "ttl_ms": 2000})
    assert "at most 16" in ev_next(a, "error", 2)["error"]
    ev_send(a, {"type": "presence", "key": "k3", "value": {"ok": True}, "ttl_ms": 2000})
    ev_next(a, "presence", 2, lambda m: any(e["value"] == {"ok": True} for e in m["entries"]))
    ev_send(a, "{" + " " * (100 << 10) + "}")  # over 64 KiB
    frames, code, why = ev_close(a)
    assert code == 1008 and any(f["type"] == "error" for f in frames), (frames, code, why)
    a.close()
    # too many errors close the connection too
    c = events(port)
    ev_next(c, "hello")
    for _ in range(40):
        ev_send(c, "nope")
    frames, code, why = ev_close(c)
    assert code == 1008, (code, why)
    c.close()
    assert http(port, "GET", "/status")[0] == 200
    d = events(port)
    ev_next(d, "hello")
    d.close()
    assert http_dump(port) == before
    assert stop(hub) == 0


def doc_client(check):
    r = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "docclient.py"),
                        ARENADB, check], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and f"ok {check}" in r.stdout, (r.stdout + r.stderr)[-2000:]


@test
def doc_client_pulls_a_database():
    doc_client("pull")


@test
def doc_client_pushes_a_change_set():
    doc_client("push")


@test
def doc_client_goes_live():
    doc_client("live")


@test
def doc_client_sets_and_watches_presence():
    doc_client("presence")


@test
def doc_client_gets_an_error_then_close_1008():
    doc_client("error")


@test
def fresh_clients_that_wrote_nothing_leave_the_servers_vector_alone():
    doc_client("fresh")


def main():
    raise_nofile()
    passed = failed = 0
    t0 = time.time()
    for fn in TESTS:
        if ONLY and fn.__name__ not in ONLY:
            continue
        t = time.time()
        try:
            fn()
            for p in PROCS:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            for f in sorted(os.listdir(TMP)):  # sanitizer reports of any process
                if f.endswith(".log") and f not in SANITY_SEEN:
                    text = open(path(f), errors="replace").read()
                    if "Sanitizer" in text or "runtime error:" in text:
                        SANITY_SEEN.add(f)
                        raise AssertionError(f"a sanitizer report in {f}")
            passed += 1
            print(f"ok   {fn.__name__} ({time.time() - t:.1f}s)", flush=True)
        except Exception as e:
            failed += 1
            print(f"FAIL {fn.__name__} ({time.time() - t:.1f}s): {e}", flush=True)
            traceback.print_exc(limit=3)
            for f in sorted(os.listdir(TMP)):
                if f.endswith(".log"):
                    tail = open(path(f), errors="replace").read()[-1500:]
                    print(f"--- {f}\n{tail}")
        finally:
            for p in PROCS:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            PROCS.clear()
    if failed == 0 and not os.environ.get("NETTEST_KEEP"):
        shutil.rmtree(TMP, ignore_errors=True)
    else:
        print(f"files kept in {TMP}")
    print(f"total time {time.time() - t0:.0f}s")
    print(f"net: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
