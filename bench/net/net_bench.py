#!/usr/bin/env python3
"""net_bench.py — network sync benchmarks of ArenaDB over loopback, with real processes.

  1. Initial sync: a server holds N nodes (N = $BENCH_NET_N, default 200000; the issue's target
     is 1,000,000); an empty replica runs `arenadb sync ws://...` once. Prints elements/s,
     registers/s (each register is one change: existence, label, each property) and MB/s.
  4. Side by side: the initial sync and live edits through Yjs over WebSocket (npm: yjs,
     y-protocols, ws; bench/net/yjs_peer.mjs) when $BENCH_NET_MODULES names their node_modules.
  3. Connections: K idle WebSocket sessions (K = $BENCH_NET_CONNS, default 10000) held by one
     server; prints the server's resident memory per connection.
  2. Live propagation through a hub: servers A and B both peer with hub H (`serve --peer`);
     each edit is an HTTP POST to A (committed when it returns); the time until B's HTTP API
     shows it is the latency. E = $BENCH_NET_EDITS edits (default 2000). Prints p50/p99, in
     $BENCH_NET_ROUNDS rounds (default 3) over ws:// and wss:// in turn.
  5. /status while 4 clients run slow queries: each client posts, again and again, an SQL
     recursive query that runs into the server's 2 s time limit; meanwhile a fifth client times
     R = $BENCH_NET_STATUS GET /status requests (default 500). Prints p50/p99 beside the same
     requests on an idle server.
  1 and 2 run over ws:// and again over wss:// (TLS, with a certificate made here by the openssl
  command), and print what TLS costs: the throughput ratio and the p99 difference.

Usage: net_bench.py ARENADB"""
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

A = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/arenadb")
N = int(os.environ.get("BENCH_NET_N", "200000"))
E = int(os.environ.get("BENCH_NET_EDITS", "2000"))
TMP = tempfile.mkdtemp(prefix="arenadb-netbench-")
procs = []


def p(name):
    return os.path.join(TMP, name)


def port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    n = s.getsockname()[1]
    s.close()
    return n


def cli(db, *args):
    return subprocess.run([A, "--db", p(db), *args], check=True, capture_output=True, text=True)


def serve(db, *extra):
    pt = port()
    pr = subprocess.Popen([A, "--db", p(db), "serve", "--listen", f"127.0.0.1:{pt}", "--no-ui",
                           "--max-connections", "1000000", "--max-per-address", "1000000", *extra],
                          stdout=subprocess.DEVNULL, stderr=open(p(db + ".log"), "w"))
    procs.append(pr)
    tls = "--tls-cert" in extra
    ctx = __import__("ssl")._create_unverified_context() if tls else None
    for _ in range(200):
        try:
            c = (http.client.HTTPSConnection("127.0.0.1", pt, timeout=2, context=ctx) if tls
                 else http.client.HTTPConnection("127.0.0.1", pt, timeout=2))
            c.request("GET", "/status")
            if c.getresponse().status == 200:
                return pt
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"server {db} did not start")


def get(c, path):
    c.request("GET", path)
    r = c.getresponse()
    return r.status, r.read()


def make_cert():
    """A CA and a certificate for 127.0.0.1 signed by it; returns (tls serve flags, --ca)."""
    def ossl(*args):
        subprocess.run(["openssl", *args], cwd=TMP, check=True, capture_output=True)
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
         "-days", "2", "-subj", "/CN=bench CA")
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
         "-subj", "/CN=127.0.0.1")
    open(p("san.ext"), "w").write("subjectAltName=IP:127.0.0.1\n")
    ossl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "srv.pem", "-days", "2", "-extfile", "san.ext")
    return ["--tls-cert", p("srv.pem"), "--tls-key", p("srv.key")], ["--ca", p("ca.pem")]


def initial_sync(tls=None):
    scheme = "wss" if tls else "ws"
    if not os.path.exists(p("src.db")):
        with open(p("n.jsonl"), "w") as f:
            for i in range(N):
                f.write(json.dumps({"type": "node", "id": f"n{i}", "label": "Bench",
                                    "properties": {"i": i, "name": f"node {i}"}}) + "\n")
        cli("src.db", "init")
    t = time.time()
    if not tls:
        cli("src.db", "import", p("n.jsonl"))
    build = time.time() - t
    pt = serve("src.db", *(tls[0] if tls else []))
    dst = f"dst-{scheme}.db"
    cli(dst, "init")
    t = time.time()
    out = cli(dst, "sync", f"{scheme}://127.0.0.1:{pt}", *(tls[1] if tls else [])).stdout
    dt = time.time() - t
    # "... received E elements, R registers, C changed here, in B batches (X bytes)"
    words = out.replace(",", "").replace("(", "").split()
    el = int(words[words.index("received") + 1])
    regs = int(words[words.index("registers") - 1])
    nbytes = int(words[-2])
    print(f"initial sync over {scheme}://, {N} nodes over loopback"
          + (f" (source built by import in {build:.1f}s):" if not tls else ":"))
    print(f"  {el} elements, {regs} registers (changes), {nbytes / 1e6:.1f} MB in {dt:.2f}s")
    print(f"  {el / dt:,.0f} elements/s, {regs / dt:,.0f} changes/s, {nbytes / 1e6 / dt:.1f} MB/s"
          f"   (target: 200,000 changes/s)")
    return regs / dt


def live_latency(tls=None, round_=0):
    scheme = "wss" if tls else "ws"
    tag = f"{scheme}-{round_}"
    hub = serve(f"hub-{tag}.db", *(tls[0] if tls else []))
    ctx = __import__("ssl").create_default_context(cafile=tls[1][1]) if tls else None
    hc = (lambda: http.client.HTTPSConnection("127.0.0.1", hub, context=ctx)) if tls else \
        (lambda: http.client.HTTPConnection("127.0.0.1", hub))
    hub_id = json.loads(get(hc(), "/status")[1])["db"]
    cli(f"a-{tag}.db", "init", "--db-id", hub_id)
    cli(f"b-{tag}.db", "init", "--db-id", hub_id)
    peer = ["--peer", f"{scheme}://127.0.0.1:{hub}", *(tls[1] if tls else [])]
    pa = serve(f"a-{tag}.db", *peer)
    pb = serve(f"b-{tag}.db", *peer)
    ca = http.client.HTTPConnection("127.0.0.1", pa, timeout=10)
    cb = http.client.HTTPConnection("127.0.0.1", pb, timeout=10)
    for _ in range(200):  # both peers connected
        s = json.loads(get(hc(), "/status")[1])
        if s["sessions"] == 2:
            break
        time.sleep(0.05)
    lat = []
    body_tpl = '{"id":"e%d","label":"Edit","properties":{"i":%d}}'
    for i in range(E):
        body = body_tpl % (i, i)
        ca.request("POST", "/nodes", body, {"Content-Type": "application/json"})
        r = ca.getresponse()
        r.read()
        t0 = time.perf_counter()
        assert r.status == 201
        while get(cb, f"/nodes/e{i}")[0] != 200:
            pass
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
    print(f"live propagation A -> hub -> B over {scheme}://, {E} edits (commit acknowledged on A"
          f" to visible on B; every server commits with synchronous=FULL):")
    print(f"  p50 {q(0.50):.2f} ms, p90 {q(0.90):.2f} ms, p99 {q(0.99):.2f} ms, max {lat[-1]:.2f} ms"
          f"   (target: p99 < 5 ms)")
    return q(0.99)


def status_latency(c, seconds):
    lat = []
    end = time.time() + seconds
    while time.time() < end:
        t0 = time.perf_counter()
        st, _ = get(c, "/status")
        lat.append((time.perf_counter() - t0) * 1000)
        assert st == 200
    lat.sort()
    return lat[len(lat) // 2], lat[min(len(lat) - 1, int(0.99 * len(lat)))]


def status_under_slow_queries():
    import threading
    n = float(os.environ.get("BENCH_NET_STATUS", "6"))
    cli("slow.db", "init")
    pt = serve("slow.db", "--query-timeout", "2")
    c = http.client.HTTPConnection("127.0.0.1", pt, timeout=10)
    idle = status_latency(c, n)
    bomb = json.dumps({"sql": "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)"
                              " SELECT count(*) FROM r"})
    stop, answers = threading.Event(), []

    def slow_client():
        sc = http.client.HTTPConnection("127.0.0.1", pt, timeout=30)
        while not stop.is_set():
            sc.request("POST", "/sql", bomb, {"Content-Type": "application/json"})
            r = sc.getresponse()
            r.read()
            answers.append(r.status)
    threads = [threading.Thread(target=slow_client) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # all four queries running
    busy = status_latency(c, n)
    stop.set()
    for t in threads:
        t.join()
    print(f"/status while 4 clients run queries stopped by a 2 s time limit ({len(answers)} stopped,"
          f" all 503: {set(answers) == {503}}), {n:g} s of requests:")
    print(f"  p50 {busy[0]:.2f} ms, p99 {busy[1]:.2f} ms; idle server p50 {idle[0]:.2f} ms, p99"
          f" {idle[1]:.2f} ms   (target: p99 < 50 ms)")


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def connections():
    import base64
    import hashlib
    import resource
    import struct
    k = int(os.environ.get("BENCH_NET_CONNS", "10000"))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, k + 200)), hard))
    k = min(k, min(hard, 1 << 20) - 200)
    pt = serve("conn.db", "--timeout", "600000")
    srv = procs[-1]
    db = bytes.fromhex(json.loads(get(http.client.HTTPConnection("127.0.0.1", pt), "/status")[1])["db"])
    vv = b"ADBV\x01" + db + b"\x00"
    vv += hashlib.blake2b(vv, digest_size=16).digest()
    body = b"ADBS\x01\x02" + db + os.urandom(16) + b"\x00" + bytes([len(vv)]) + vv
    frame = struct.pack(">I", len(body) + 1) + b"\x01" + body
    base = rss_kib(srv.pid)
    socks = []
    t = time.time()
    for i in range(k):
        s = socket.create_connection(("127.0.0.1", pt))
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{pt}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                   f"Sec-WebSocket-Protocol: arenadb-sync\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(4096)
        mask = os.urandom(4)
        n = len(frame)
        s.sendall(bytes([0x82, 0x80 | 126]) + struct.pack(">H", n) + mask +
                  bytes(b ^ mask[j % 4] for j, b in enumerate(frame)))
        socks.append(s)
    for _ in range(600):
        st = json.loads(get(http.client.HTTPConnection("127.0.0.1", pt), "/status")[1])
        if st["sessions"] == k:
            break
        time.sleep(0.1)
    dt = time.time() - t
    used = rss_kib(srv.pid) - base
    print(f"connections: {st['sessions']} idle WebSocket sessions held by one server, opened in"
          f" {dt:.1f}s; server RSS +{used / 1024:.1f} MiB = {used / max(1, k):.1f} KiB per"
          f" connection (target: 10,000 in under 1 GiB)")
    for s in socks:
        s.close()


def yjs():
    mods = os.environ.get("BENCH_NET_MODULES")
    if not mods or not os.path.isdir(os.path.join(mods, "yjs")) or not shutil.which("node"):
        print("yjs side by side: skipped (set BENCH_NET_MODULES to a node_modules with yjs,"
              " y-protocols, ws; `make bench-net` does)")
        return
    n = min(N, 200000)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "yjs_peer.mjs")
    pt = port()
    env = dict(os.environ, BENCH_NET_MODULES=mods)
    relay = subprocess.Popen(["node", script, "relay", str(pt), str(n)], stdout=subprocess.PIPE,
                             text=True, env=env)
    procs.append(relay)
    relay.stdout.readline()  # "ready"
    out = subprocess.run(["node", script, "bench", str(pt), str(n), str(min(E, 2000))],
                         capture_output=True, text=True, env=env, timeout=600).stdout
    r = json.loads(out.strip().splitlines()[-1])
    print(f"yjs (npm yjs {yjs_version(mods)}) over ws, same workloads, in memory (no durability):")
    print(f"  initial sync of {n} map entries: {r['seconds']:.2f}s, {n / r['seconds']:,.0f}"
          f" entries/s, {r['bytes'] / 1e6 / r['seconds']:.1f} MB/s")
    print(f"  live edits A -> relay -> B: p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms")


def yjs_version(mods):
    try:
        return json.load(open(os.path.join(mods, "yjs", "package.json")))["version"]
    except OSError:
        return "?"


try:
    if os.environ.get("BENCH_NET_ONLY") in (None, "", "yjs"):
        yjs()
    tls = make_cert() if os.environ.get("BENCH_NET_ONLY") in (None, "", "sync", "live") else None
    if os.environ.get("BENCH_NET_ONLY") in (None, "", "sync"):
        plain, secure = initial_sync(), initial_sync(tls)
        print(f"  TLS keeps {secure / plain:.0%} of the initial-sync throughput (target: at least 80%)")
    if os.environ.get("BENCH_NET_ONLY") in (None, "", "live"):
        # Rounds alternate ws:// and wss:// so that a noisy spell of the machine hits both.
        rounds = int(os.environ.get("BENCH_NET_ROUNDS", "3"))
        pairs = [(live_latency(None, r), live_latency(tls, r)) for r in range(rounds)]
        diffs = sorted(b - a for a, b in pairs)
        print(f"  TLS adds {diffs[len(diffs) // 2]:+.2f} ms to the live p99, median of {rounds} rounds"
              f" ({', '.join(f'{d:+.2f}' for d in diffs)}) (target: at most 1 ms)")
    if os.environ.get("BENCH_NET_ONLY") in (None, "", "status"):
        status_under_slow_queries()
    if os.environ.get("BENCH_NET_ONLY") in (None, "", "conns"):
        connections()
finally:
    for pr in procs:
        pr.terminate()
        pr.wait()
    shutil.rmtree(TMP, ignore_errors=True)
