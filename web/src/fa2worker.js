// fa2worker.js — ForceAtlas2 off the page's thread: a Web Worker that runs the iterations of
// graphology-layout-forceatlas2 on the byte arrays its helpers make (graph.js sends them), so
// that a large view stays responsive while it is laid out.
//   {id, settings, nodes, edges, iterations}  starts a layout (replacing any that runs);
//   {want: id}                                asks for its positions when an iteration ends;
//   {stop: true}                              ends it.
// Positions go back as {id, nodes, done}: when asked for, and with the last iteration.
import iterate from "graphology-layout-forceatlas2/iterate.js";

const SLICE_MS = 8; // iterations run in slices this long: messages are read between them
let job = null;
let scheduled = false;

function post(j, done) {
  j.wanted = false;
  const nodes = j.nodes.slice();
  self.postMessage({ id: j.id, nodes, done }, [nodes.buffer]);
}

function schedule() {
  if (!scheduled) setTimeout(slice, 0);
  scheduled = true;
}

function slice() {
  scheduled = false;
  const j = job;
  if (!j) return;
  const t0 = performance.now();
  do {
    iterate(j.settings, j.nodes, j.edges);
    j.left--;
  } while (j.left > 0 && performance.now() - t0 < SLICE_MS);
  if (j.left === 0) {
    job = null;
    post(j, true);
    return;
  }
  if (j.wanted) post(j, false);
  schedule();
}

self.onmessage = ({ data }) => {
  if (data.stop) {
    job = null;
  } else if (data.want !== undefined) {
    if (job && job.id === data.want) job.wanted = true;
  } else {
    job = { ...data, left: data.iterations, wanted: true };
    schedule();
  }
};
