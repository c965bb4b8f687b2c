// syncpanel.js — the sync panel: the switch that keeps a replica in the page (replica.js), and
// this server's replica and database ids, its version vector as a table, its live sync
// sessions and its outgoing peers with how far behind each one is, from each status the server
// pushes (or the page asks for).
import { el, table } from "./dom.js";
import { keepReplica } from "./replica.js";

// How far behind a session is: the server's transactions it lacks, and for how long its oldest
// unacknowledged batch has waited. behind is null until its first version vector arrives.
function lag(s) {
  if (s.behind === null || s.behind === undefined) return "unknown";
  const waiting = s.waiting_ms >= 1000 ? `, waiting ${(s.waiting_ms / 1000).toFixed(1)} s` : "";
  return s.behind ? `${s.behind.toLocaleString()} behind${waiting}` : `up to date${waiting}`;
}

// Wires the panel in box; update(status) shows one status. onKeep(on) hears the switch.
export function createSyncPanel(box, { onKeep } = {}) {
  const keep = el("input");
  keep.type = "checkbox";
  keep.id = "keep-replica";
  keep.checked = keepReplica();
  keep.onchange = () => {
    keepReplica(keep.checked);
    if (onKeep) onKeep(keep.checked);
  };
  const keepLabel = el("label", undefined, "keep-replica");
  keepLabel.title = "a copy of the database in this browser, synced live: the page keeps working " +
    "with the server out of reach, and its writes reach the server when it is back";
  keepLabel.append(keep, " keep a replica in this page (works offline)");
  const out = el("div", "waiting for the server's status…", "hint");
  out.id = "sync-out";
  box.append(keepLabel, out);

  let last = null;
  function update(st) {
    const clients = st.clients || [];
    const text = JSON.stringify([st.replica, st.db, clients, st.peers, st.vv]);
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
      el("h3", `Live sessions (${clients.length})`)];
    if (clients.length) {
      const sessions = table(["replica", "lag"], clients.map((c) => [el("code", c.replica), lag(c)]), "sync-sessions");
      [...sessions.tBodies[0].rows].forEach((tr, i) => { tr.dataset.replica = clients[i].replica; });
      parts.push(sessions);
    } else {
      parts.push(el("p", "none (arenadb sync ws://… --live)", "hint"));
    }
    parts.push(el("h3", `Outgoing peers (${st.peers.length})`));
    if (st.peers.length) {
      const peers = table(["url", "state", "replica", "lag"], st.peers.map((p) => [
        p.url, p.connected ? "connected" : "offline", p.replica ? el("code", p.replica) : "",
        p.connected ? lag(p) : ""]), "sync-peers");
      [...peers.tBodies[0].rows].forEach((tr, i) => { tr.dataset.url = st.peers[i].url; });
      parts.push(peers);
    } else {
      parts.push(el("p", "none (serve --peer URL)", "hint"));
    }
    parts.push(el("p", "Lag: how many of this server's transactions a replica has not acknowledged.",
      "hint sync-lag"));
    out.className = "";
    out.replaceChildren(...parts);
  }

  return { update };
}
