// syncpanel.js — the sync panel: this server's replica and database ids, its version vector as
// a table, its live sync sessions and its outgoing peers, from each GET /status the page polls.
import { el, table } from "./dom.js";

// Wires the panel in box; update(status) shows one GET /status answer.
export function createSyncPanel(box) {
  const out = el("div", "waiting for the server's status…", "hint");
  out.id = "sync-out";
  box.append(out);

  let last = null;
  function update(st) {
    const text = JSON.stringify([st.replica, st.db, st.sessions, st.peers, st.vv]);
    if (text === last) return;
    last = text;
    const vv = Object.entries(st.vv || {}).sort(([a], [b]) => a.localeCompare(b));
    const ids = table(["", ""], [["replica", el("code", st.replica)], ["database", el("code", st.db)],
      ["live sessions", String(st.sessions)]], "sync-ids");
    ids.tHead.remove();
    const vvTable = table(["replica", "sequence"], vv.map(([r, n]) => [el("code", r), String(n)]), "sync-vv");
    [...vvTable.tBodies[0].rows].forEach((tr, i) => {
      tr.dataset.replica = vv[i][0];
      if (vv[i][0] === st.replica) tr.classList.add("own");
    });
    const parts = [ids, el("h3", "Version vector"), vv.length ? vvTable : el("p", "empty: nothing written yet", "hint"),
      el("h3", `Outgoing peers (${st.peers.length})`)];
    if (st.peers.length) {
      // /status names each peer's replica once connected, but not its version vector: what we
      // hold of that replica's own changes is known, how far behind us it is is not.
      const peers = table(["url", "state", "replica", "its changes here"], st.peers.map((p) => [
        p.url, p.connected ? "connected" : "offline", p.replica ? el("code", p.replica) : "",
        p.replica ? String((st.vv || {})[p.replica] ?? 0) : ""]), "sync-peers");
      [...peers.tBodies[0].rows].forEach((tr, i) => { tr.dataset.url = st.peers[i].url; });
      parts.push(peers);
    } else {
      parts.push(el("p", "none (serve --peer URL)", "hint"));
    }
    parts.push(el("p", "Lag: the server does not report its peers' or sessions' version vectors, so how far "
      + "behind each one is cannot be shown.", "hint sync-lag"));
    out.className = "";
    out.replaceChildren(...parts);
  }

  return { update };
}
