// usearch.mjs — the usearch side of `make bench-vector`: the same sets, the same M and
// efConstruction, L2, one thread; build time, recall@10 and queries per second at each
// efSearch, and bytes per vector (its saved index divided by the vector count).
// usage: node usearch.mjs MODULES_DIR DATA_DIR GEN_DIR M EFC
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [modules, data, gen, M, EFC] = process.argv.slice(2);
const require = createRequire(path.resolve(modules, 'package.json'));
const usearch = require('usearch');
const EFS = [10, 20, 40, 80, 160];

// A TEXMEX file: elem 1 (.bvecs bytes), 4 (.fvecs floats) or 'i' (.ivecs ints).
function readVecs(file, elem) {
  const buf = fs.readFileSync(file);
  const dim = buf.readInt32LE(0);
  const size = elem === 1 ? 1 : 4;
  const n = buf.length / (4 + dim * size);
  const out = elem === 'i' ? new Int32Array(n * dim) : new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const at = i * (4 + dim * size) + 4;
    for (let j = 0; j < dim; j++) {
      out[i * dim + j] = elem === 1 ? buf[at + j] : elem === 'i' ? buf.readInt32LE(at + 4 * j) : buf.readFloatLE(at + 4 * j);
    }
  }
  return { n, dim, v: out };
}

const rows = (m, dim) => Array.from({ length: m.n }, (_, i) => m.v.subarray(i * dim, (i + 1) * dim));

function row(set, engine, ef, recall, qps, build, bytes) {
  const pad = (s, w) => String(s).padEnd(w);
  const padl = (s, w) => String(s).padStart(w);
  console.log(`| ${pad(set, 16)} | ${pad(engine, 12)} | ${padl(ef, 5)} | ${recall.toFixed(4)} | ${padl(qps.toFixed(0), 9)} | ${padl(build.toFixed(2), 8)} | ${padl(bytes.toFixed(0), 7)} |`);
}

function run(name, base, query, gt) {
  const dim = base.dim;
  const tmp = path.join(gen, `usearch-${name}.idx`);
  const make = (efs) => new usearch.Index({ dimensions: dim, metric: 'l2sq', quantization: 'f32',
    connectivity: Number(M), expansion_add: Number(EFC), expansion_search: efs, multi: false });
  const keys = new BigUint64Array(base.n).map((_, i) => BigInt(i));
  let t0 = performance.now();
  const built = make(EFS[0]);
  built.add(keys, rows(base, dim), 1);
  const build = (performance.now() - t0) / 1000;
  built.save(tmp);
  const bytes = fs.statSync(tmp).size / base.n;
  const qs = rows(query, dim);
  for (const ef of EFS) {
    const index = make(ef);
    index.load(tmp);
    let recall = 0, done = 0, elapsed = 0;
    t0 = performance.now();
    do {
      const res = index.search(qs, 10, 1);
      if (done === 0) {
        for (let q = 0; q < query.n; q++) {
          const truth = new Set(gt.v.subarray(q * gt.dim, q * gt.dim + 10));
          const m = res.get(q);
          for (const k of m.keys) if (truth.has(Number(k))) recall += 0.1;
        }
      }
      done += query.n;
      elapsed = (performance.now() - t0) / 1000;
    } while (elapsed < 0.25);
    row(name, 'usearch', ef, recall / query.n, done / elapsed, ef === EFS[0] ? build : 0, bytes);
  }
  fs.rmSync(tmp, { force: true });
}

const sets = [
  ['bigann10k', `${data}/bigann10k/bigann10k_base.bvecs`, `${data}/bigann10k/bigann10k_query.bvecs`, `${data}/bigann10k/bigann10k_groundtruth.ivecs`, 1],
  ['fashion-mnist-1k', `${data}/fashion-mnist-1k/fmnist1k_base.fvecs`, `${data}/fashion-mnist-1k/fmnist1k_query.fvecs`, `${data}/fashion-mnist-1k/fmnist1k_groundtruth.ivecs`, 4],
  ['generated', `${gen}/gen_base.fvecs`, `${gen}/gen_query.fvecs`, `${gen}/gen_groundtruth.ivecs`, 4],
];
for (const [name, b, q, g, elem] of sets) {
  const base = readVecs(b, elem);
  run(name === 'generated' ? `gen-${base.n}x${base.dim}` : name, base, readVecs(q, elem), readVecs(g, 'i'));
}
