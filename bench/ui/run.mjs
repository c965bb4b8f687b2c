// run.mjs — `make bench-ui`: the graph view (sigma.js, WebGL) against the cytoscape view it
// replaced, in headless Chromium against a real `arenadb serve`, on 5,000 nodes and 20,000
// edges of SNAP's p2p-Gnutella04: time to first draw, frame times while panning and zooming,
// and the time to expand a node by 100 neighbours. Prints a table with the ratios, then the
// query console's round trip for a 1,000-row answer in the real UI beside the request alone.
// Usage: node run.mjs ARENADB WORKDIR [REPS]; BENCH_UI_MODULES names the node_modules that hold
// cytoscape and playwright-core (bench/ui/ui.mk installs them).
import { createRequire } from "node:module";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, copyFileSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import net from "node:net";

const here = path.dirname(new URL(import.meta.url).pathname);
const [arenadb, work, repsArg] = process.argv.slice(2);
const reps = Number(repsArg || 3);
const modules = process.env.BENCH_UI_MODULES;
const { chromium } = createRequire(path.join(modules, "x.js"))("playwright-core");
const { build } = await import(path.resolve(here, "../../web/node_modules/esbuild/lib/main.js"));
const DATA = path.resolve(here, "../../../shared/data/graphs/snap-via-kuzu/gnutella/edges.csv");
const NODES = 5000, EDGES = 20000, LEAVES = 100;

// The graph: a breadth-first walk from the best-connected peer to 5,000 peers, the edges
// among them in the file's order, the first 20,000. One peer of the walk's last round also
// gets 100 Leaf neighbours: the view shows label Peer, so they appear only when it is expanded.
function dataset() {
  const edges = readFileSync(DATA, "utf8").trim().split("\n").map((l) => l.split(",").slice(0, 2))
    .filter(([a, b]) => a !== b);
  const adj = new Map();
  for (const [a, b] of edges) {
    for (const [x, y] of [[a, b], [b, a]]) {
      if (!adj.has(x)) adj.set(x, new Set());
      adj.get(x).add(y);
    }
  }
  const start = [...adj.keys()].reduce((m, n) => (adj.get(n).size > adj.get(m).size ? n : m));
  const seen = new Set([start]), queue = [start];
  while (queue.length && seen.size < NODES) {
    for (const m of [...adj.get(queue.shift())].sort()) {
      if (seen.size < NODES && !seen.has(m)) {
        seen.add(m);
        queue.push(m);
      }
    }
  }
  const kept = edges.filter(([a, b]) => seen.has(a) && seen.has(b)).slice(0, EDGES);
  const id = (n) => `p:${n.padStart(5, "0")}`;
  const hub = id([...seen].at(-1));
  const lines = [];
  for (const n of seen) lines.push({ type: "node", id: id(n), label: "Peer", properties: { name: `peer ${n}` } });
  for (let i = 0; i < LEAVES; i++) lines.push({ type: "node", id: `z:${i}`, label: "Leaf", properties: { name: `leaf ${i}` } });
  // Edge ids: the leaves' sort first, so the hub's first 100 edges are theirs.
  kept.forEach(([a, b], i) => lines.push({ type: "edge", id: `e${String(i).padStart(5, "0")}`, label: "LINK",
    source_node_id: id(a), target_node_id: id(b) }));
  for (let i = 0; i < LEAVES; i++) lines.push({ type: "edge", id: `a${String(i).padStart(3, "0")}`, label: "HAS",
    source_node_id: hub, target_node_id: `z:${i}` });
  return { lines, hub, nodes: seen.size, edges: kept.length };
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const median = (xs) => pct(xs, 0.5);

mkdirSync(work, { recursive: true });
const db = path.join(work, "bench-ui.db");
const data = dataset();
if (!existsSync(db)) {
  const file = path.join(work, "bench-ui.jsonl");
  writeFileSync(file, data.lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  execFileSync(arenadb, ["--db", db, "init"]);
  execFileSync(arenadb, ["--db", db, "import", file]);
}
const dist = path.join(work, "dist");
mkdirSync(dist, { recursive: true });
await build({ entryPoints: { bench: path.join(here, "page.js"), fa2worker: path.resolve(here, "../../web/src/fa2worker.js") }, bundle: true, minify: true, format: "esm", splitting: true,
  target: "es2022", outdir: dist, nodePaths: [modules], logLevel: "warning" });
copyFileSync(path.join(here, "index.html"), path.join(dist, "index.html"));
copyFileSync(path.join(here, "bench.css"), path.join(dist, "bench.css"));

const port = await freePort();
const server = spawn(arenadb, ["--db", db, "serve", "--listen", `127.0.0.1:${port}`, "--ui", dist],
  { stdio: ["ignore", "ignore", "inherit"] });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(`${base}/`)).ok) break;
  } catch { /* not listening yet */ }
  await new Promise((r) => setTimeout(r, 100));
}

// A browser of its own for each measurement, so that a page stuck in a synchronous layout can
// be killed with its browser and takes no CPU from what is measured after it.
async function launch() {
  const server = await chromium.launchServer({
    executablePath: "/usr/bin/chromium",
    headless: true,
    // WebGL without a GPU: SwiftShader, as in tests/ui.
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
  });
  return { browser: await chromium.connect(server.wsEndpoint()), server };
}

// A renderer that has not drawn within this long is reported as not finishing (cytoscape's
// synchronous layout of 5,000 nodes can take many minutes).
const CAP_MS = Number(process.env.BENCH_UI_CAP_S || 120) * 1000;

// One run of one renderer in a fresh page: first draw, then pan and zoom, then expand the hub.
// Returns null when the first draw did not come within CAP_MS.
async function run(renderer) {
  const { browser, server: chrome } = await launch();
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // A page stuck in a synchronous layout answers nothing, not even a timeout of Playwright's:
  // the cap is a timer of our own, and such a page goes with its browser.
  await page.goto(`${base}/?r=${renderer}`, { waitUntil: "commit" });
  const drew = page.waitForFunction(() => window.bench && window.bench.firstDraw, null, { timeout: 0, polling: 100 })
    .then(() => true, () => false);
  let cap;
  const capped = new Promise((resolve) => { cap = setTimeout(() => resolve(false), CAP_MS); });
  const ok = await Promise.race([drew, capped]);
  clearTimeout(cap);
  if (!ok) {
    await chrome.kill();
    return null;
  }
  const first = await page.evaluate(() => ({ ms: window.bench.firstDraw, nodes: window.bench.nodes, edges: window.bench.edges }));
  await page.waitForFunction(() => window.bench.settled(), null, { timeout: 120000, polling: 100 });
  await page.waitForTimeout(300);
  await page.evaluate(() => window.bench.startFrames());
  const cx = 600, cy = 400;
  await page.mouse.move(cx, cy);
  for (let k = 0; k < 3; k++) {
    await page.mouse.down();
    for (let i = 1; i <= 30; i++) await page.mouse.move(cx + 8 * i, cy + 4 * i);
    await page.mouse.up();
    await page.mouse.move(cx, cy);
    for (let i = 0; i < 10; i++) {
      await page.mouse.wheel(0, k % 2 ? 120 : -120);
      await page.waitForTimeout(30);
    }
  }
  await page.waitForTimeout(300);
  const frames = await page.evaluate(() => window.bench.stopFrames());
  const expand = await page.evaluate((id) => window.bench.expand(id), data.hub);
  await chrome.close();
  if (errors.length) throw new Error(`${renderer}: ${errors.join("; ")}`);
  return { first, frames, expand };
}

// The query console of the real UI (web/dist, served by a second server on the same file): a
// Cypher query of 1,000 rows from Ctrl+Enter to its answer on the page, beside the same request
// made by fetch alone (the server's part). Medians of 7; the first, warming up, is not counted.
async function consoleRoundTrip(uiBase) {
  const { browser, server: chrome } = await launch();
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${uiBase}/`);
  await page.waitForSelector('#status [data-key="version"]');
  const query = "MATCH (n:Peer) RETURN n.name AS name ORDER BY name LIMIT 1000";
  const ui = [], http = [];
  for (let i = 0; i < 8; i++) {
    await page.fill("#sql", query);
    await page.evaluate(() => document.getElementById("sql-out").replaceChildren());
    let t = performance.now();
    await page.press("#sql", "Control+Enter");
    await page.waitForSelector("#sql-out .result-summary");
    const shown = performance.now() - t;
    const said = await page.textContent("#sql-out .result-summary");
    if (!/1,?000 rows/.test(said)) throw new Error(`the console says "${said}"`);
    t = performance.now();
    const r = await fetch(`${uiBase}/cypher`, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query }) });
    const rows = (await r.json()).rows.length;
    if (rows !== 1000) throw new Error(`POST /cypher gave ${rows} rows`);
    if (i) {
      ui.push(shown);
      http.push(performance.now() - t);
    }
  }
  await chrome.close();
  return { ui: median(ui), http: median(http) };
}

const results = { sigma: [], cytoscape: [] };
let roundTrip = null;
const uiPort = await freePort();
const uiServer = spawn(arenadb, ["--db", db, "serve", "--listen", `127.0.0.1:${uiPort}`, "--ui",
  path.resolve(here, "../../web/dist")], { stdio: ["ignore", "ignore", "inherit"] });
try {
  roundTrip = await consoleRoundTrip(`http://127.0.0.1:${uiPort}`);
  for (let r = 0; r < reps; r++) {
    for (const renderer of ["sigma", "cytoscape"]) {
      if (results[renderer].includes(null)) continue; // it did not finish before: once is enough
      const res = await run(renderer);
      results[renderer].push(res);
      if (!res) {
        console.log(`${renderer} run ${r + 1}: no first draw within ${CAP_MS / 1000} s`);
        continue;
      }
      console.log(`${renderer} run ${r + 1}: first draw ${res.first.ms.toFixed(0)} ms (${res.first.nodes} nodes, ` +
        `${res.first.edges} edges), frame p95 ${pct(res.frames, 0.95).toFixed(1)} ms of ${res.frames.length}, ` +
        `expand ${res.expand.ms.toFixed(0)} ms (to ${res.expand.counts.join(" nodes, ")} edges)`);
    }
  }
} finally {
  server.kill("SIGTERM");
  uiServer.kill("SIGTERM");
}

// A side that did not finish prints as "dnf" (and its ratio as "-").
const row = (name, f, unit) => {
  const val = (rs) => (rs.includes(null) || !rs.length ? null : f(rs));
  const s = val(results.sigma), c = val(results.cytoscape);
  const show = (v) => (v === null ? `dnf > ${CAP_MS / 1000} s` : v.toFixed(1) + unit);
  const ratio = s === null || c === null ? "-" : `${(c / s).toFixed(1)}x`;
  console.log(`${name.padEnd(34)} ${show(s).padStart(12)} ${show(c).padStart(12)} ${ratio.padStart(9)}`);
};
console.log(`\ngraph view on ${data.nodes} nodes, ${data.edges} edges (p2p-Gnutella04 subset); medians of ${reps} runs`);
console.log(`${"".padEnd(34)} ${"sigma.js".padStart(12)} ${"cytoscape".padStart(12)} ${"cyto/sigma".padStart(9)}`);
row("time to first draw", (rs) => median(rs.map((r) => r.first.ms)), " ms");
row("frame time p95, pan and zoom", (rs) => median(rs.map((r) => pct(r.frames, 0.95))), " ms");
row("frame time p99, pan and zoom", (rs) => median(rs.map((r) => pct(r.frames, 0.99))), " ms");
row("frame time median, pan and zoom", (rs) => median(rs.map((r) => median(r.frames))), " ms");
row("expand a node by 100 neighbours", (rs) => median(rs.map((r) => r.expand.ms)), " ms");
console.log(`\nquery console, a Cypher answer of 1,000 rows (medians of 7): ${roundTrip.ui.toFixed(1)} ms from ` +
  `Ctrl+Enter to the table, ${roundTrip.http.toFixed(1)} ms for the same POST /cypher alone ` +
  `(${(roundTrip.ui / roundTrip.http).toFixed(1)}x)`);
