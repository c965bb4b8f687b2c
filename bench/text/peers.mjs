// peers.mjs — the text benchmark's peers: replays an editing trace in Yjs, Automerge or Loro
// exactly as build/arenadb-trace does, and prints one JSON line of measurements.
// Usage: node --expose-gc peers.mjs yjs|automerge|loro TRACE.json.gz [REPS]
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(process.env.BENCH_TEXT_MODULES + '/');
const [lib, file, repsArg] = process.argv.slice(2);
const reps = Number(repsArg || 3);

// Each adapter: create(agent) -> doc; edit(doc, patches) -> doc; version(doc); since(doc, v)
// (what edit added after version v); apply(doc, delta) -> doc; merge(doc, bytes) -> doc; text(doc);
// encode(doc) (the whole history); load(bytes) -> doc.
const adapters = {
  yjs() {
    const Y = require('yjs');
    return {
      create(agent) {
        const d = new Y.Doc();
        d.clientID = agent + 1;
        return d;
      },
      edit(d, patches) {
        const t = d.getText('t');
        d.transact(() => {
          for (const [pos, del, ins] of patches) {
            if (del) t.delete(pos, del);
            if (ins) t.insert(pos, ins);
          }
        });
        return d;
      },
      version: (d) => Y.encodeStateVector(d),
      since: (d, v) => Y.encodeStateAsUpdate(d, v),
      apply(d, u) {
        Y.applyUpdate(d, u);
        return d;
      },
      merge(d, u) {
        Y.applyUpdate(d, u);
        return d;
      },
      text: (d) => d.getText('t').toString(),
      encode: (d) => Y.encodeStateAsUpdate(d),
      load(u) {
        const d = new Y.Doc();
        Y.applyUpdate(d, u);
        return d;
      },
    };
  },
  automerge() {
    const A = require('@automerge/automerge');
    // Every agent starts from one base document holding the empty text field, so that all
    // agents edit the same field.
    const base = A.change(A.init({ actor: 'ff'.repeat(16) }), (d) => { d.t = ''; });
    const actor = (agent) => (agent + 1).toString(16).padStart(32, '0');
    return {
      create: (agent) => A.clone(base, { actor: actor(agent) }),
      edit: (d, patches) => A.change(d, (x) => {
        for (const [pos, del, ins] of patches) A.splice(x, ['t'], pos, del, ins);
      }),
      // edit makes one change, so the change it added is the last local one.
      version: () => null,
      since: (d) => A.getLastLocalChange(d),
      apply: (d, c) => A.applyChanges(d, [c])[0],
      merge: (d, u) => A.loadIncremental(d, u),
      text: (d) => String(d.t),
      encode: (d) => A.save(d),
      load: (u) => A.load(u),
    };
  },
  loro() {
    const { LoroDoc } = require('loro-crdt');
    return {
      create(agent) {
        const d = new LoroDoc();
        d.setPeerId(BigInt(agent + 1));
        return d;
      },
      edit(d, patches) {
        const t = d.getText('t');
        for (const [pos, del, ins] of patches) {
          if (del) t.delete(pos, del);
          if (ins) t.insert(pos, ins);
        }
        d.commit();
        return d;
      },
      version: (d) => d.oplogVersion(),
      since: (d, v) => d.export({ mode: 'update', from: v }),
      apply(d, u) {
        d.import(u);
        return d;
      },
      merge(d, u) {
        d.import(u);
        return d;
      },
      text: (d) => d.getText('t').toString(),
      encode: (d) => d.export({ mode: 'update' }),
      load(u) {
        const d = new LoroDoc();
        d.import(u);
        return d;
      },
    };
  },
};

function replaySequential(a, trace) {
  let d = a.create(0);
  if (trace.startContent) d = a.edit(d, [[0, 0, trace.startContent]]);
  for (const txn of trace.txns) d = a.edit(d, txn.patches);
  return d;
}

// One document per agent; before each transaction its agent's document merges the
// transactions of its history it lacks, oldest first (the same walk as trace_replay.c).
function replayConcurrent(a, trace) {
  const n = trace.txns.length;
  const docs = new Map(), has = new Map(), deltas = new Array(n);
  for (let i = 0; i < n; i++) {
    const txn = trace.txns[i];
    if (!docs.has(txn.agent)) {
      docs.set(txn.agent, a.create(txn.agent));
      has.set(txn.agent, new Uint8Array(n));
    }
    let d = docs.get(txn.agent);
    const seen = has.get(txn.agent), missing = [], stack = [...txn.parents];
    while (stack.length) {
      const x = stack.pop();
      if (seen[x]) continue;
      seen[x] = 1;
      missing.push(x);
      stack.push(...trace.txns[x].parents);
    }
    missing.sort((x, y) => x - y);
    for (const x of missing) d = a.apply(d, deltas[x]);
    const v = a.version(d);
    d = a.edit(d, txn.patches);
    deltas[i] = a.since(d, v);
    seen[i] = 1;
    docs.set(txn.agent, d);
  }
  let all = a.create(trace.numAgents);
  for (const d of docs.values()) all = a.merge(all, a.encode(d));
  return all;
}

function median(v) {
  const s = [...v].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function heap() {
  global.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const trace = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
const a = adapters[lib]();
const concurrent = trace.kind === 'concurrent';
const localTimes = [], mergeTimes = [];
let doc, bytes, docMem = 0, ok = true;
for (let r = 0; r < reps; r++) {
  doc = bytes = null;
  const h0 = heap();
  let t0 = performance.now();
  doc = concurrent ? replayConcurrent(a, trace) : replaySequential(a, trace);
  localTimes.push(performance.now() - t0);
  docMem = heap() - h0;
  ok = ok && a.text(doc) === trace.endContent;
  bytes = a.encode(doc);
  t0 = performance.now();
  const remote = a.load(bytes);
  const text = a.text(remote);
  mergeTimes.push(performance.now() - t0);
  ok = ok && text === trace.endContent;
}
console.log(JSON.stringify({
  lib, ok, local_ms: median(localTimes), merge_ms: median(mergeTimes), encoded: bytes.length,
  doc_bytes: docMem, peak_rss_kb: process.resourceUsage().maxRSS,
}));
