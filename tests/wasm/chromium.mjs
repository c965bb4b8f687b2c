// chromium.mjs — what the browser tests (tests/wasm, tests/ui) share: Debian's headless
// Chromium driven by playwright-core (tests/ui's copy, installed by npm ci there), started as its
// own process group so that a test can kill it outright, and a static server for build/wasm and
// the tests' own pages.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const { chromium } = createRequire(path.join(repo, "tests/ui/package.json"))("playwright-core");

const TYPES = { ".mjs": "text/javascript", ".js": "text/javascript", ".html": "text/html",
  ".json": "application/json", ".css": "text/css", ".ts": "text/plain" };

/** Serves the files of each dir in dirs (by URL path: {"/": build/wasm, "/app/": ...}) and
 * routes ({"/page.html": [body, type]}) on 127.0.0.1. Resolves to { server, base }. */
export function serve(dirs, routes = {}) {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split("?")[0]);
    let body, type;
    if (routes[url]) [body, type] = routes[url];
    else {
      for (const [prefix, dir] of Object.entries(dirs)) {
        if (!url.startsWith(prefix)) continue;
        const file = path.join(dir, url.slice(prefix.length) || "index.html");
        if (!file.startsWith(dir) || !existsSync(file)) continue;
        body = readFileSync(file);
        type = TYPES[path.extname(file)] || "application/octet-stream";
        break;
      }
    }
    if (body === undefined) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () =>
    resolve({ server, base: `http://127.0.0.1:${server.address().port}` })));
}

// Debian's Chromium, headless, on a fixed profile; as playwright's own launcher does, a page
// that is not on a screen still runs at the priority and timer rate of a visible one.
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
  "--no-first-run", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
  "--disable-backgrounding-occluded-windows"];

/** Chromium on a fixed profile, driven over CDP: its pid is known, so it can be killed outright,
 * and a relaunch on the same profile finds the same OPFS. Resolves to { proc, browser, context }. */
export async function launch(profile) {
  const proc = spawn("/usr/bin/chromium", [...CHROMIUM_ARGS, `--user-data-dir=${profile}`,
    "--remote-debugging-port=0", "about:blank"], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const ws = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${log}`)), 30000);
    proc.stderr.on("data", (d) => {
      log += d;
      const m = /DevTools listening on (ws:\S+)/.exec(log);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on("exit", () => reject(new Error(`chromium exited: ${log}`)));
  });
  const browser = await chromium.connectOverCDP(ws);
  return { proc, browser, context: browser.contexts()[0] };
}

/** Chromium on a fixed profile showing url, with no debugger attached: nothing observes the page
 * (a driver over CDP receives an event for every WebSocket frame, which costs the browser process
 * CPU time), so the page must report by itself. Returns { proc } for kill(). */
export function launchUnobserved(profile, url) {
  const proc = spawn("/usr/bin/chromium", [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, url],
    { detached: true, stdio: "ignore" });
  return { proc };
}

// Every process still running with profile on its command line (chromium's children).
function profileProcs(profile) {
  const pids = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes(profile)) pids.push(Number(d));
    } catch { /* gone */ }
  }
  return pids;
}

/** kill -9 of the browser b started by launch(profile), and of every process of its profile. */
export async function kill(b, profile) {
  try { process.kill(-b.proc.pid, "SIGKILL"); } catch { /* gone already */ }
  for (let i = 0; i < 100 && profileProcs(profile).length; i++) await new Promise((r) => setTimeout(r, 50));
  for (const pid of profileProcs(profile)) {
    try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  }
}

/** A runner: check(name, fn) prints ok/FAIL with the time; done(name) prints the closing
 * "name: P passed, F failed" line and returns the process's exit status. */
export function runner() {
  let passed = 0, failed = 0;
  return {
    async check(name, fn) {
      const t = Date.now();
      try {
        await fn();
        passed++;
        console.log(`ok   ${name} (${Date.now() - t} ms)`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${name} (${Date.now() - t} ms): ${String(e && e.stack || e).split("\n").slice(0, 8).join("\n")}`);
      }
    },
    fail(e) {
      failed++;
      console.log(`FAIL ${e && e.message}`);
    },
    done(name) {
      console.log(`${name}: ${passed} passed, ${failed} failed`);
      return failed ? 1 : 0;
    },
  };
}

/** Debian's Chromium headless, with WebGL on SwiftShader (the graph view needs it, and the
 * machine has no GPU), through playwright-core. Resolves to the playwright Browser. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-renderer-backgrounding", "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
      "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
  });
}

/** Fails when a server's log holds a sanitizer report. */
export function assertNoSanitizerReport(log) {
  assert(!/Sanitizer|runtime error:/.test(log), log.slice(0, 2000));
}

/** Starts `ARENADB --db DB serve --listen 127.0.0.1:PORT ...args` (a free port unless given)
 * and waits until it answers. Resolves to { base, port, log(), stop() }: log() is its stderr so
 * far, stop() ends it (SIGTERM) and resolves once it exited. */
export async function serveArenadb(arenadb, db, args = [], at = null) {
  const port = at || await freePort();
  const proc = spawn(arenadb, ["--db", db, "serve", "--listen", `127.0.0.1:${port}`, ...args],
    { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr.on("data", (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/status`)).status < 500) break;
    } catch { /* not listening yet */ }
    if (i === 100 || proc.exitCode !== null) throw new Error(`arenadb serve did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    port,
    log: () => log,
    stop: () => new Promise((r) => {
      if (proc.exitCode !== null) return r();
      proc.on("exit", r);
      proc.kill("SIGTERM");
    }),
  };
}

/** A free TCP port on 127.0.0.1, for a server told where to listen. */
export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
