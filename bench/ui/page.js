// page.js — the bench page of `make bench-ui`: one graph view (?r=sigma, the UI's, or
// ?r=cytoscape, the one before it) showing the label BENCH_LABEL, up to 5,000 nodes, loaded as
// soon as the script runs; run.mjs reads window.bench. Each view is a chunk of its own, so that a
// page loads only the renderer it measures, as the UI does.
const renderer = new URLSearchParams(location.search).get("r");
const { GraphView: View } = await (renderer === "cytoscape" ? import("./cytoscape-view.js") : import("../../web/src/graph.js"));
const nop = () => {};
const view = new View(document.getElementById("graph"), { onSelect: nop, onSelectEdge: nop, onExpand: nop });
view.label = "Peer";
view.limit = 5000;

// Resolves once the frame after the next one has begun, i.e. what was changed is on screen,
// with the time that frame began (before any work of its own).
const drawn = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
const count = () => (view.cy ? [view.cy.nodes().length, view.cy.edges().length] : [view.graph.order, view.graph.size]);

const bench = { renderer, view, frames: null };
window.bench = bench;
view.refresh().then(drawn).then((t) => {
  bench.firstDraw = t; // since navigation started
  [bench.nodes, bench.edges] = count();
});

// Records animation frame timestamps until stopFrames (the frame times while run.mjs pans).
bench.startFrames = () => {
  bench.frames = [];
  const tick = (t) => {
    if (!bench.frames) return;
    bench.frames.push(t);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};
bench.stopFrames = () => {
  const f = bench.frames;
  bench.frames = null;
  return f.slice(1).map((t, i) => t - f[i]);
};
bench.expand = async (id) => {
  const t = performance.now();
  await view.expand(id);
  return { ms: (await drawn()) - t, counts: count() };
};
bench.settled = () => !view.layingOut;
