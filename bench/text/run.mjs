// run.mjs — `make bench-text`: replays editing traces in ArenaDB (build/arenadb-trace) and in
// Yjs, Automerge and Loro (peers.mjs), in one run, and prints a side-by-side table.
// Usage: node run.mjs ARENADB_TRACE_BINARY REPS TRACE.json.gz...
import { execFileSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [tool, repsArg, ...traces] = process.argv.slice(2);
const reps = Number(repsArg) || 3;
const here = dirname(fileURLToPath(import.meta.url));
// Automerge takes tens of seconds per replay of the big traces: one repetition is enough to
// compare, and a peer that runs past the time limit is reported as such.
const peers = [
  { lib: 'yjs', name: 'Yjs', reps },
  { lib: 'automerge', name: 'Automerge', reps: 1 },
  { lib: 'loro', name: 'Loro', reps },
];
const limitMs = Number(process.env.BENCH_TEXT_TIMEOUT_S || 400) * 1000;

function ours(trace) {
  const out = execFileSync(tool, ['--reps', String(reps), trace], { encoding: 'utf8' });
  const num = (label) => Number(new RegExp(`^${label}\\s+([0-9.]+)`, 'm').exec(out)[1]);
  return {
    ok: /matches endContent/.test(out),
    local_ms: num('local replay'),
    merge_ms: num('remote merge'),
    encoded: num('encoded size'),
    doc_bytes: num('document mem'),
    peak_rss_kb: num('peak RSS'),
  };
}

function peer(p, trace) {
  try {
    const out = execFileSync(process.execPath,
      ['--expose-gc', join(here, 'peers.mjs'), p.lib, trace, String(p.reps)],
      { encoding: 'utf8', timeout: limitMs, maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split('\n').pop());
  } catch (e) {
    return { failed: e.signal === 'SIGTERM' ? `over ${limitMs / 1000} s` : 'failed' };
  }
}

const rows = [
  { key: 'local_ms', label: 'local replay (ms)', fmt: (v) => v.toFixed(2), target: 5 },
  { key: 'merge_ms', label: 'remote merge (ms)', fmt: (v) => v.toFixed(2), target: 10 },
  { key: 'encoded', label: 'encoded size (bytes)', fmt: (v) => String(v), target: 1 },
  { key: 'doc_bytes', label: 'document memory (KiB)', fmt: (v) => (v / 1024).toFixed(0) },
  { key: 'peak_rss_kb', label: 'peak RSS (MiB)', fmt: (v) => (v / 1024).toFixed(1) },
];

const pad = (s, n) => String(s).padStart(n);
let missed = 0;
for (const trace of traces) {
  process.stderr.write(`bench-text: ${basename(trace)}: ArenaDB...`);
  const results = [{ name: 'ArenaDB', ...ours(trace) }];
  for (const p of peers) {
    process.stderr.write(` ${p.name}...`);
    results.push({ name: p.name, ...peer(p, trace) });
  }
  process.stderr.write('\n');
  console.log(`\n${basename(trace)} — medians of ${reps} runs (Automerge: 1); ` +
    'ratio = peer / ArenaDB, above 1 means ArenaDB is better');
  const head = ['metric'.padEnd(24), ...results.map((r) => pad(r.name, 11)),
    ...results.slice(1).map((r) => pad(`÷${r.name}`, 11)), pad('target vs Yjs', 16)];
  console.log(head.join(''));
  for (const row of rows) {
    const cells = results.map((r) => pad(r.failed ? r.failed : r.ok === false ? 'WRONG' :
      row.fmt(r[row.key]), 11));
    const ratios = results.slice(1).map((r) => pad(r.failed || !r[row.key] ? '-' :
      (r[row.key] / results[0][row.key]).toFixed(2) + 'x', 11));
    let target = '';
    const yjs = results[1];
    if (row.target && !yjs.failed) {
      const ratio = yjs[row.key] / results[0][row.key];
      const met = ratio >= row.target;
      missed += met ? 0 : 1;
      target = `${row.target === 1 ? '<= Yjs' : `>= ${row.target}x`} ${met ? 'met' : 'MISSED'}`;
    }
    console.log([row.label.padEnd(24), ...cells, ...ratios, pad(target, 16)].join(''));
  }
  if (results.some((r) => r.ok === false)) {
    console.log('a replay did not reproduce endContent');
    missed++;
  }
}
process.exitCode = missed ? 1 : 0;
