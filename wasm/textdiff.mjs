// textdiff.mjs — edits between two strings, in the code points that text positions count: the
// one edit an editor made (textDiff), and where a position of one version lies in another
// (textMap), for rebasing an edit over changes merged meanwhile.

/** The edit that turns a into b: the common head and tail are kept, the middle replaced.
 * Returns { pos, len, text }, pos and len in code points. */
export function textDiff(a, b) {
  const x = Array.from(a);
  const y = Array.from(b);
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head &&
         x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  return { pos: head, len: x.length - head - tail, text: y.slice(head, y.length - tail).join('') };
}

// The shortest edit script from x to y (Myers' O(ND) algorithm) as runs [op, n], op '=', '-'
// (from x) or '+' (from y); null when it takes more than maxD edits.
function editRuns(x, y, maxD) {
  const n = x.length;
  const m = y.length;
  const max = Math.min(n + m, maxD);
  const off = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace = [];
  let done = false;
  for (let d = 0; d <= max && !done; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let i = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let j = i - k;
      while (i < n && j < m && x[i] === y[j]) { i++; j++; }
      v[off + k] = i;
      if (i >= n && j >= m) { done = true; break; }
    }
  }
  if (!done) return null;
  const ops = [];
  let i = n;
  let j = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    v = trace[d];
    const k = i - j;
    const pk = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? k + 1 : k - 1;
    const pi = v[off + pk];
    const pj = pi - pk;
    while (i > pi && j > pj) { ops.push('='); i--; j--; }
    if (d > 0) ops.push(i === pi ? '+' : '-');
    i = pi;
    j = pj;
  }
  const runs = [];
  for (let t = ops.length - 1; t >= 0; t--) {
    const last = runs[runs.length - 1];
    if (last && last[0] === ops[t]) last[1]++;
    else runs.push([ops[t], 1]);
  }
  return runs;
}

/** Returns a function from positions of a to positions of b: a position in text that b kept
 * stays by its neighbour, one inside text b removed goes after what b put there, and one
 * where b inserted or began a removal stays before it. Past maxD edits (1000) apart, the whole changed
 * middle counts as one replacement. */
export function textMap(a, b, maxD = 1000) {
  const x = Array.from(a);
  const y = Array.from(b);
  const d = textDiff(a, b);
  const end = d.pos + d.len;
  const grown = y.length - x.length;
  const runs = editRuns(x.slice(d.pos, end), Array.from(d.text), maxD);
  return (p) => {
    if (p <= d.pos) return p;
    if (p >= end) return p + grown;
    if (!runs) return d.pos + Array.from(d.text).length;
    let i = d.pos;
    let j = d.pos;
    for (let r = 0; r < runs.length; r++) {
      const [op, n] = runs[r];
      if (op === '=') {
        if (p < i + n) return j + (p - i);
        i += n;
        j += n;
      } else if (op === '-') {
        if (p === i) return j;
        if (p < i + n) return j + (runs[r + 1] && runs[r + 1][0] === '+' ? runs[r + 1][1] : 0);
        i += n;
      } else {
        if (p === i) return j;
        j += n;
      }
    }
    return j;
  };
}
