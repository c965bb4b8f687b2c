// graph.test.mjs — the graph view in Debian's headless Chromium against a real `arenadb serve`:
// a first view of connected nodes although the first ids are unconnected, expand and collapse,
// the count line after every kind of expansion (also under a label filter), captions from a
// chosen property, fit, panning and wheel-zooming as a moved picture, and neighbours named by
// caption in the details pane; and a crowded view, drawn as hairlines that can still be picked.
// Usage: node graph.test.mjs ARENADB UI_DIR. Prints one line per check and closes with
// "ui: N passed, M failed"; exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, assertNoSanitizerReport, launchBrowser, runner, serveArenadb } from "../wasm/chromium.mjs";

const [arenadb, uiDir] = process.argv.slice(2).map((p) => path.resolve(p));
const tmp = mkdtempSync(path.join(os.tmpdir(), "arenadb-graph-"));
const db = path.join(tmp, "graph.db");
const { check, done } = runner();

// The fixture: 250 unconnected Items first by id; 25 Person hubs h:NN with 6 Person leaves
// each (the top 20 are the first view's hubs); leaf l:00:0 also links to 4 Things m:N, so
// expanding it adds nodes not shown before.
const nodes = [], edges = [];
const node = (id, label, properties) => nodes.push({ type: "node", id, label, properties });
const edge = (source, label, target) => edges.push({ type: "edge", id: `e${String(edges.length).padStart(4, "0")}`,
  source_node_id: source, target_node_id: target, label });
for (let i = 0; i < 250; i++) node(`a:${String(i).padStart(3, "0")}`, "Item", { n: i });
for (let h = 0; h < 25; h++) {
  const hub = `h:${String(h).padStart(2, "0")}`;
  node(hub, "Person", { name: `Hub ${h}`, nick: `hub-${h}` });
  for (let k = 0; k < 6; k++) {
    node(`l:${String(h).padStart(2, "0")}:${k}`, "Person", { name: `Leaf ${h}.${k}`, nick: `leaf-${h}-${k}` });
    edge(hub, "KNOWS", `l:${String(h).padStart(2, "0")}:${k}`);
  }
}
for (let m = 0; m < 4; m++) {
  node(`m:${m}`, "Thing", { title: `Thing ${m}` });
  edge("l:00:0", "HAS", `m:${m}`);
}
const labelOf = new Map(nodes.map((n) => [n.id, n.label]));

execFileSync(arenadb, ["--db", db, "init"]);
writeFileSync(path.join(tmp, "g.jsonl"), [...nodes, ...edges].map((r) => JSON.stringify(r)).join("\n") + "\n");
execFileSync(arenadb, ["--db", db, "import", path.join(tmp, "g.jsonl")]);
const srv = await serveArenadb(arenadb, db, ["--ui", uiDir]);
const base = srv.base;

const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));

// What the view shows, and what the count line must then say.
async function shown() {
  const v = await page.evaluate(() => ({ nodes: window.arena.view.nodes(), edges: window.arena.view.edges(),
    label: window.arena.graph.label, count: document.getElementById("graph-count").textContent }));
  const total = v.label ? nodes.filter((n) => n.label === v.label).length : nodes.length;
  const mine = v.nodes.filter((id) => !v.label || labelOf.get(id) === v.label).length;
  const of = v.label ? `${v.label} nodes` : "nodes";
  const others = v.label && v.nodes.length > mine ? ` + ${v.nodes.length - mine} of other labels` : "";
  v.expected = `${mine} ${of}${others}, ${v.edges.length} edges shown of ${total} ${of}`;
  v.ids = new Set(v.nodes);
  return v;
}

// Waits until the count line has caught up with the drawing and says what it must.
async function countRight() {
  let v;
  for (let i = 0; i < 50; i++) {
    v = await shown();
    if (v.count === v.expected) return v;
    await page.waitForTimeout(100);
  }
  throw new Error(`count line '${v.count}', expected '${v.expected}'`);
}

// Every edge drawn has both ends drawn, and every edge among the drawn nodes is drawn.
function edgesComplete(v) {
  const want = edges.filter((e) => v.ids.has(e.source_node_id) && v.ids.has(e.target_node_id)).length;
  assert(v.edges.length === want, `${v.edges.length} edges drawn, ${want} among the nodes shown`);
}

async function settled() {
  await page.waitForFunction(() => !window.arena.graph.layingOut);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

async function dblclickNode(id) {
  await settled();
  const at = await page.evaluate((nid) => window.arena.view.nodeAt(nid), id);
  await page.mouse.dblclick(at.x, at.y);
}

try {
  await check("the first view shows the best-connected nodes, though the first ids are unconnected", async () => {
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.arena && window.arena.view.nodes().length === 200, null, { timeout: 10000 });
    const v = await countRight();
    assert(v.edges.length > 0, "no edges in the first view");
    for (let h = 0; h < 20; h++) assert(v.ids.has(`h:${String(h).padStart(2, "0")}`), `hub h:${h} missing`);
    assert(v.ids.has("l:00:0") && !v.ids.has("m:0"), "leaf l:00:0 shown, its Things not yet");
    assert(v.count === `200 nodes, ${v.edges.length} edges shown of ${nodes.length} nodes`, v.count);
    edgesComplete(v);
  });

  await check("double-click expands a node, double-click again collapses it; the count follows", async () => {
    await dblclickNode("l:00:0");
    await page.waitForFunction(() => window.arena.view.nodes().includes("m:3"));
    let v = await countRight();
    assert(v.nodes.length === 204, `${v.nodes.length} nodes after expanding`);
    edgesComplete(v);
    await page.waitForFunction(() => document.querySelector("#expand")?.textContent === "Collapse");
    await dblclickNode("l:00:0");
    await page.waitForFunction(() => !window.arena.view.nodes().includes("m:0"));
    v = await countRight();
    assert(v.nodes.length === 200 && v.ids.has("l:00:0"), `${v.nodes.length} nodes after collapsing`);
    edgesComplete(v);
  });

  await check("expanding from the details pane (Expand, a neighbour link) keeps the count right", async () => {
    await page.waitForFunction(() => document.querySelector("#expand")?.textContent === "Expand");
    await page.click("#expand");
    await page.waitForFunction(() => window.arena.view.nodes().includes("m:0"));
    edgesComplete(await countRight());
    await page.click('#details .edges a:text-is("Thing 0")');
    await page.waitForFunction(() => document.querySelector("#details h2")?.textContent.includes("m:0"));
    edgesComplete(await countRight());
    // Collapsing l:00:0 takes back the Things it added, but m:0, gone to, stays.
    await dblclickNode("l:00:0");
    await page.waitForFunction(() => !window.arena.view.nodes().includes("m:1"));
    const v = await countRight();
    assert(v.ids.has("m:0") && v.nodes.length === 201, `${v.nodes.length} nodes, m:0 ${v.ids.has("m:0")}`);
    edgesComplete(v);
  });

  await check("under a label filter the total is the label's and other labels are counted apart", async () => {
    await page.fill("#label-filter", "Person");
    await page.press("#label-filter", "Enter");
    await page.waitForFunction(() => window.arena.view.nodes().length === 175);
    let v = await countRight();
    assert(v.count === `175 Person nodes, ${v.edges.length} edges shown of 175 Person nodes`, v.count);
    await dblclickNode("l:00:0");
    await page.waitForFunction(() => window.arena.view.nodes().includes("m:0"));
    v = await countRight();
    assert(v.count === `175 Person nodes + 4 of other labels, ${v.edges.length} edges shown of 175 Person nodes`, v.count);
    edgesComplete(v);
    await page.fill("#label-filter", "Thing");
    await page.press("#label-filter", "Enter");
    await page.waitForFunction(() => window.arena.view.nodes().length === 4);
    v = await countRight();
    await dblclickNode("m:0");
    await page.waitForFunction(() => window.arena.view.nodes().includes("l:00:0"));
    v = await countRight();
    assert(v.count === "4 Thing nodes + 1 of other labels, 4 edges shown of 4 Thing nodes", v.count);
    await page.fill("#label-filter", "");
    await page.press("#label-filter", "Enter");
    await page.waitForFunction(() => window.arena.view.nodes().length === 200);
    await countRight();
  });

  await check("captions follow the property chosen for a label", async () => {
    await page.waitForSelector('select.caption-pick[data-label="Person"]');
    assert(await page.evaluate(() => window.arena.view.caption("h:00")) === "Hub 0", "default caption is the name");
    await page.selectOption('select.caption-pick[data-label="Person"]', "nick");
    const c = await page.evaluate(() => window.arena.view.caption("h:00"));
    assert(c === "hub-0", `caption ${c}`);
    assert(await page.evaluate(() => window.arena.view.caption("a:000")) === "a:000", "an Item without name shows its id");
    // The page anew, without the selection its URL keeps (urlstate.js), which would pin a node.
    await page.goto(page.url().split("#")[0]);
    await page.waitForFunction(() => window.arena && window.arena.view.nodes().length === 200);
    assert(await page.evaluate(() => window.arena.view.caption("h:01")) === "hub-1", "the choice is remembered");
  });

  await check("neighbours are listed by caption in the details pane", async () => {
    await settled();
    const at = await page.evaluate(() => window.arena.view.nodeAt("h:03"));
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => document.querySelector("#details h2")?.textContent.includes("h:03"));
    const items = await page.$$eval("#details .edges li", (li) => li.map((l) => l.textContent).sort());
    assert(JSON.stringify(items) === JSON.stringify([0, 1, 2, 3, 4, 5].map((k) => `→ KNOWS leaf-3-${k}`)), `${items}`);
    await page.selectOption('select.caption-pick[data-label="Person"]', "");
  });

  await check("Fit brings every node into view after zooming and panning away", async () => {
    await settled();
    const box = await page.evaluate(() => window.arena.view.box());
    const cx = (box.left + box.right) / 2, cy = (box.top + box.bottom) / 2;
    for (let i = 0; i < 4; i++) await page.click("#zoom-in");
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 300, cy + 200, { steps: 10 });
    await page.mouse.up();
    await page.waitForTimeout(500);
    const outside = () => page.evaluate(() => {
      const v = window.arena.view, b = v.box();
      return v.nodes().filter((id) => {
        const p = v.nodeAt(id);
        return p.x < b.left || p.x > b.right || p.y < b.top || p.y > b.bottom;
      }).length;
    });
    assert(await outside() > 0, "zooming in left every node in view");
    await page.click("#fit");
    await page.waitForTimeout(600);
    const out = await outside();
    assert(out === 0, `${out} nodes outside the view after Fit`);
  });

  await check("a drag or wheel moves a picture without redrawing, then the camera follows once", async () => {
    await page.click("#fit");
    await page.waitForTimeout(600);
    await settled();
    const v = () => page.evaluate(() => {
      const p = window.arena.view;
      return { renders: p.renders(), at: p.nodeAt("h:03"), far: p.nodeAt("h:07"), moved: window.arena.graph.gesture.moved };
    });
    const before = await v();
    const box = await page.evaluate(() => window.arena.view.box());
    const x0 = (box.left + box.right) / 2 + 7, y0 = (box.top + box.bottom) / 2 + 5;
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await page.mouse.move(x0 + 90, y0 - 40, { steps: 12 });
    const during = await v();
    assert(during.renders === before.renders, `${during.renders - before.renders} redraws during the drag`);
    await page.mouse.up();
    await page.waitForFunction((n) => window.arena.view.renders() > n, before.renders);
    await settled();
    const after = await v();
    const dx = after.at.x - before.at.x, dy = after.at.y - before.at.y;
    assert(Math.abs(dx - 90) < 1.5 && Math.abs(dy + 40) < 1.5, `a node moved by (${dx}, ${dy}) for a drag of (90, -40)`);
    assert(after.moved, "the drag was not told apart from a click");
    // Two wheel notches in at (about) the node h:03: every point of the drawing moves away from
    // the pointer by the zoom's factor, and the pointer's own point stays.
    const p = { x: Math.round(after.at.x), y: Math.round(after.at.y) };
    await page.mouse.move(p.x, p.y);
    await page.waitForTimeout(200); // the hover highlight is drawn
    await settled();
    const r0 = await page.evaluate(() => window.arena.view.camera().ratio);
    const renders = await page.evaluate(() => window.arena.view.renders());
    // Both notches in one task, as a fast wheel sends them; the gesture settles 150 ms later.
    const between = await page.evaluate(({ x, y }) => new Promise((resolve) => {
      const target = document.elementFromPoint(x, y);
      for (let i = 0; i < 2; i++) target.dispatchEvent(new WheelEvent("wheel", { clientX: x, clientY: y, deltaY: -120, bubbles: true, cancelable: true }));
      const n = window.arena.view.renders();
      setTimeout(() => resolve(window.arena.view.renders() - n), 100);
    }), p);
    assert(between === 0, `${between} redraws while the wheel turned`);
    await page.waitForFunction((n) => window.arena.view.renders() > n, renders);
    await settled();
    const zoomed = await v();
    const r1 = await page.evaluate(() => window.arena.view.camera().ratio);
    const k = r0 / r1;
    assert(Math.abs(k - 1.7 ** 2) < 0.05, `two notches zoomed by ${k}, not 1.7 squared`);
    for (const n of ["at", "far"]) {
      const want = { x: p.x + k * (after[n].x - p.x), y: p.y + k * (after[n].y - p.y) };
      assert(Math.abs(zoomed[n].x - want.x) < 1.5 && Math.abs(zoomed[n].y - want.y) < 1.5,
        `a node at (${after[n].x}, ${after[n].y}) went to (${zoomed[n].x}, ${zoomed[n].y}), not (${want.x}, ${want.y})`);
    }
  });

  await check("the click that ends a drag over a node selects nothing", async () => {
    await page.click("#fit");
    await page.waitForTimeout(600);
    await settled();
    await page.evaluate(() => window.arena.graph.select([]));
    const before = await page.textContent("#details");
    const at = await page.evaluate(() => window.arena.view.nodeAt("h:05"));
    await page.mouse.move(at.x - 60, at.y);
    await page.mouse.down();
    await page.mouse.move(at.x, at.y, { steps: 6 });
    await page.mouse.up();
    await page.waitForTimeout(300);
    const sel = await page.evaluate(() => window.arena.view.selected());
    assert(sel.length === 0, `the drag selected ${sel}`);
    assert(await page.textContent("#details") === before, "the details pane changed");
  });

  await check("the page raised no script error", async () => {
    assert(pageErrors.length === 0, pageErrors.join("; "));
  });

  await check("a crowded view (5,200 edges) is laid out in a worker and drawn as opaque hairlines a pointer can still pick", async () => {
    const crowdDb = path.join(tmp, "crowd.db");
    const lines = [];
    for (let i = 0; i < 200; i++) lines.push({ type: "node", id: `c:${String(i).padStart(3, "0")}`, label: "C", properties: {} });
    const pairs = new Set();
    let seed = 7;
    const rand = (n) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 16) % n;
    };
    while (pairs.size < 5200) {
      const a = rand(200), b = rand(200);
      if (a !== b) pairs.add(`${a},${b}`);
    }
    [...pairs].forEach((pair, i) => {
      const [a, b] = pair.split(",").map((x) => `c:${x.padStart(3, "0")}`);
      lines.push({ type: "edge", id: `x${String(i).padStart(4, "0")}`, label: "L", source_node_id: a, target_node_id: b });
    });
    execFileSync(arenadb, ["--db", crowdDb, "init"]);
    writeFileSync(path.join(tmp, "crowd.jsonl"), lines.map((r) => JSON.stringify(r)).join("\n") + "\n");
    execFileSync(arenadb, ["--db", crowdDb, "import", path.join(tmp, "crowd.jsonl")]);
    const crowd = await serveArenadb(arenadb, crowdDb, ["--ui", uiDir]);
    const p2 = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = [];
    p2.on("pageerror", (e) => errors.push(e.message));
    // The layout's first 80 ms run on the page's thread and the rest in the worker; on a quiet,
    // fast machine 200 nodes settle within those 80 ms, so the page runs 20 times slower until
    // its layout has reached the worker. The worker may then finish between two looks at the
    // page, so the page counts the layouts it hands to a worker, and keeps the positions it
    // hands over.
    const cdp = await p2.context().newCDPSession(p2);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 20 });
    await p2.addInitScript(() => {
      const post = Worker.prototype.postMessage;
      window.layoutsInWorkers = 0;
      Worker.prototype.postMessage = function (m, transfer) {
        if (m && m.iterations > 0) {
          window.layoutsInWorkers++;
          window.handedOver = window.arena.graph.graph.mapNodes((id, a) => [a.x, a.y]);
        }
        return post.call(this, m, transfer);
      };
    });
    try {
      await p2.goto(`${crowd.base}/`);
      await p2.waitForFunction(() => window.arena && window.arena.view.edges().length === 5200, null, { timeout: 30000 });
      await p2.waitForFunction(() => window.layoutsInWorkers > 0 && window.arena.graph.worker instanceof Worker,
        null, { timeout: 10000 }).catch(() => { throw new Error("the layout did not reach a worker once the view was drawn"); });
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
      await p2.waitForFunction(() => !window.arena.graph.layingOut, null, { timeout: 30000 });
      const before = await p2.evaluate(() => window.handedOver);
      const after = await p2.evaluate(() => window.arena.graph.graph.mapNodes((id, a) => [a.x, a.y]));
      const moved = after.filter(([x, y], i) => Math.hypot(x - before[i][0], y - before[i][1]) > 1).length;
      assert(moved > after.length / 2, `the worker's layout moved ${moved} of ${after.length} nodes`);
      const r = await p2.evaluate(() => new Promise((resolve) => {
        const gv = window.arena.graph, s = gv.sigma, g = gv.graph;
        s.once("afterRender", () => {
          // The edges' layer as drawn this frame: pixels of exactly the ink's colour.
          const src = s.getCanvases().edges, copy = document.createElement("canvas");
          copy.width = src.width;
          copy.height = src.height;
          const ctx = copy.getContext("2d");
          ctx.drawImage(src, 0, 0);
          const px = ctx.getImageData(0, 0, copy.width, copy.height).data;
          const ink = gv.ink.edge.match(/[0-9a-f]{2}/g).map((h) => parseInt(h, 16));
          let inked = 0;
          for (let i = 0; i < px.length; i += 4) {
            if (px[i] === ink[0] && px[i + 1] === ink[1] && px[i + 2] === ink[2] && px[i + 3] === 255) inked++;
          }
          // Picking: points along edges name an edge whose line passes through them.
          const seg = (e) => [g.source(e), g.target(e)].map((n) => s.framedGraphToViewport(s.getNodeDisplayData(n)));
          const off = (p, [a, b]) => {
            const dx = b.x - a.x, dy = b.y - a.y;
            const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy || 1)));
            return Math.hypot(p.x - a.x - t * dx, p.y - a.y - t * dy);
          };
          let asked = 0, named = 0;
          const wrong = [];
          g.edges().filter((e, i) => i % 87 === 0).forEach((e) => {
            for (const t of [0.3, 0.5, 0.7]) {
              const [a, b] = seg(e), p = { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) };
              asked++;
              const got = s.getEdgeAtPoint(p.x, p.y);
              if (!got) continue;
              named++;
              if (off(p, seg(got)) > 3) wrong.push(`${got} at (${p.x.toFixed(0)}, ${p.y.toFixed(0)})`);
            }
          });
          resolve({ type: s.getSetting("defaultEdgeType"), inked, asked, named, wrong });
        });
        s.refresh();
      }));
      assert(r.type === "line", `the edges are drawn as ${r.type}`);
      assert(r.inked > 20000, `only ${r.inked} pixels of the edges' ink`);
      assert(r.wrong.length === 0, `picking named edges that do not pass there: ${r.wrong.slice(0, 5).join(", ")}`);
      assert(r.named >= r.asked / 2, `picking named an edge at ${r.named} of ${r.asked} points on edges`);
      assert(errors.length === 0, errors.join("; "));
    } finally {
      await p2.close();
      await crowd.stop();
    }
    assertNoSanitizerReport(crowd.log());
  });
} finally {
  await browser.close();
  await srv.stop();
  rmSync(tmp, { recursive: true, force: true });
}
await check("the server logged no sanitizer report", async () => {
  assertNoSanitizerReport(srv.log());
});
process.exit(done("ui"));
