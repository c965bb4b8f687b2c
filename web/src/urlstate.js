// urlstate.js — what the page shows, in its URL: the console's query, the selected node or
// edge and the label filter, so that a reload keeps them and a link shares them.
//
// They live in the fragment (#q=...&node=...&label=...), which never reaches the server. A
// query from a link is put into the console, never run: a link could carry a write.

// The state in the current URL: { q, node, edge, label }, each a string or undefined.
export function readState() {
  const p = new URLSearchParams(location.hash.slice(1));
  const get = (k) => p.get(k) ?? undefined;
  return { q: get("q"), node: get("node"), edge: get("edge"), label: get("label") };
}

// Merges changes into the URL's state (undefined or "" removes a key) without a new history
// entry.
export function writeState(changes) {
  const p = new URLSearchParams(location.hash.slice(1));
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === "") p.delete(k);
    else p.set(k, v);
  }
  const hash = p.toString();
  history.replaceState(null, "", hash ? `#${hash}` : location.pathname + location.search);
}
