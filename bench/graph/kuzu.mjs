// kuzu.mjs — the Kuzu side of `make bench-graph`: k-hop counts from the same 100 start nodes,
// and the count of the pattern (a)-[:E]->(b)-[:E]->(c). Run in the bench directory
// (node_modules/kuzu there) with the files `bench_graph prepare` wrote; writes kuzu-NAME.json
// with, per hop count 1..3, each start's count of distinct nodes within that many hops (the start
// included, as ArenaDB counts) and the median time of the 100 queries in milliseconds, and the
// pattern's count and median time.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(path.resolve(process.argv[2] || '.', 'package.json'));
const kuzu = require('kuzu');
const dir = path.resolve(process.argv[2] || '.');
const REPS = 5;
const REPS_BUDGET_MS = 20000; // fewer repetitions when one takes long, as bench_graph.c does
const datasets = [
  { name: 'ldbc-knows', undirected: true },
  { name: 'wiki-Vote', undirected: false },
  { name: 'powerlaw-1M', undirected: false },
];

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

// Runs once() up to REPS times, fewer once the budget is spent; its last result and the median.
async function timed(once) {
  const times = [];
  let result;
  for (let spent = 0; times.length < REPS && (times.length === 0 || spent < REPS_BUDGET_MS);) {
    const t0 = performance.now();
    result = await once();
    times.push(performance.now() - t0);
    spent += times[times.length - 1];
  }
  return { result, ms: median(times) };
}

async function run({ name, undirected }) {
  const dbPath = path.join(dir, `kuzu-${name}.db`);
  fs.rmSync(dbPath, { recursive: true, force: true });
  fs.rmSync(`${dbPath}.wal`, { force: true });
  const db = new kuzu.Database(dbPath);
  const conn = new kuzu.Connection(db);
  await conn.query('CREATE NODE TABLE N(id INT64, PRIMARY KEY(id))');
  await conn.query('CREATE REL TABLE E(FROM N TO N)');
  await conn.query(`COPY N FROM '${path.join(dir, `${name}-nodes.csv`)}' (HEADER=false)`);
  await conn.query(`COPY E FROM '${path.join(dir, `${name}-edges.csv`)}' (HEADER=false)`);
  const starts = fs.readFileSync(path.join(dir, `${name}-starts.txt`), 'utf8')
    .trim().split('\n').map(Number);
  const arrow = undirected ? '-' : '->';
  const out = { counts: {}, ms: {} };
  for (let k = 1; k <= 3; k++) {
    // Distinct nodes other than the start reachable in 1..k hops, plus the start itself.
    const ps = await conn.prepare(
      `MATCH (a:N)-[:E*1..${k}]${arrow}(b:N) WHERE a.id = $id AND b.id <> $id` +
      ' RETURN count(DISTINCT b.id) AS c');
    const { result, ms } = await timed(async () => {
      const counts = [];
      for (const id of starts) {
        const res = await conn.execute(ps, { id });
        const rows = await res.getAll();
        counts.push(Number(rows[0].c) + 1);
      }
      return counts;
    });
    out.counts[k] = result;
    out.ms[k] = ms;
    console.log(`kuzu ${name} ${k} hops: ${out.ms[k].toFixed(1)} ms for ${starts.length} starts`);
  }
  const { result, ms } = await timed(async () => {
    const res = await conn.query('MATCH (a:N)-[:E]->(b:N)-[:E]->(c:N) RETURN count(*) AS c');
    return Number((await res.getAll())[0].c);
  });
  out.pattern = { count: result, ms };
  console.log(`kuzu ${name} pattern: ${ms.toFixed(1)} ms`);
  fs.writeFileSync(path.join(dir, `kuzu-${name}.json`), JSON.stringify(out));
  await conn.close();
  await db.close();
}

for (const d of datasets) await run(d);
