// app.mjs — an offline-first notes page on ArenaDB: each note is a node labelled Note whose
// body is collaborative text. The replica lives in the browser (OPFS, through a Worker), so the
// page works with the network off, and syncs live with `arenadb serve` whenever it can reach it.
//
// URL parameters: sync (the server, default this page's own host: `arenadb serve --ui DIR` serves
// both), token, db (the database's name in this origin, default notes.db), name (shown to others).

import { ArenaDB, textDiff } from './arenadb/arenadb.mjs';

const params = new URLSearchParams(location.search);
const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
const syncUrl = params.get('sync') || `${scheme}://${location.host}`;
const me = params.get('name') || `guest-${Math.random().toString(36).slice(2, 6)}`;
const $ = (id) => document.getElementById(id);

if ('serviceWorker' in navigator) navigator.serviceWorker.register('sw.js').catch(() => {});

let db;
try {
  db = await ArenaDB.open(params.get('db') || 'notes.db', { storage: 'opfs' });
} catch (e) { // e.g. the notes are open in another tab (ADB_BUSY)
  $('status').textContent = e.message;
  $('status').className = 'status closed';
  throw e;
}
const sync = db.sync(syncUrl, { live: true, token: params.get('token') || undefined });
let selected = null; // the open note's id
let shown = '';      // the body as the textarea showed it after our last write or refresh
let pending = 0;     // local edits sent and not yet answered
let peers = [];

// ---- the list of notes ----------------------------------------------------------------------

async function renderList() {
  const notes = await db.sql("SELECT id, json_extract(properties, '$.title') AS title FROM nodes " +
    "WHERE label = 'Note' ORDER BY json_extract(properties, '$.title'), id");
  const ul = $('notes');
  ul.replaceChildren(...notes.map((n) => {
    const li = document.createElement('li');
    li.textContent = n.title || '(untitled)';
    li.dataset.id = n.id;
    li.classList.toggle('selected', n.id === selected);
    li.onclick = () => open(n.id);
    return li;
  }));
}

$('new-note').onsubmit = async (e) => {
  e.preventDefault();
  const id = await db.nodeCreate('Note', { title: $('new-title').value });
  $('new-title').value = '';
  await open(id);
};

// ---- the open note ---------------------------------------------------------------------------

async function open(id) {
  selected = id;
  const note = await db.nodeGet(id);
  $('editor').hidden = !note;
  if (!note) return;
  $('note-title').textContent = note.properties.title || '(untitled)';
  shown = (await db.textGet(id, 'body')) ?? '';
  $('body').value = shown;
  sync.setPresence('viewing', { note: id, name: me }).catch(() => {});
  renderPeers();
  await renderList();
}

// Every keystroke is one edit from what the textarea showed to what it shows, rebased by the
// replica over whatever it merged meanwhile (textUpdate), so typing never lands in the wrong
// place while others type too. Edits reach the replica in order (one Worker, one queue).
$('body').oninput = () => {
  const before = shown;
  shown = $('body').value;
  pending++;
  db.textUpdate(selected, 'body', before, shown).then((text) => {
    if (--pending === 0) show(text);
  }, report);
};

// Shows the merged text, keeping the caret where the user's text is, unless the user typed
// since it was read (the answer to that edit brings the newer text).
function show(text) {
  const area = $('body');
  if (pending || area.value !== shown || text === shown) return;
  const units = (s, cp) => Array.from(s).slice(0, cp).join('').length;
  const d = textDiff(shown, text);
  const at = Array.from(area.value.slice(0, area.selectionStart)).length;
  const caret = at <= d.pos ? at : Math.max(d.pos, at + Array.from(d.text).length - d.len);
  area.value = shown = text;
  area.selectionStart = area.selectionEnd = units(text, caret);
}

async function refresh() {
  const id = selected;
  const text = (await db.textGet(id, 'body')) ?? '';
  if (id === selected) show(text);
}

db.on('change', async ({ ids, remote }) => {
  if (!remote) return renderList();
  if (selected && ids.some((c) => c.id === selected)) await refresh();
  await renderList();
});

// ---- sync state and presence -------------------------------------------------------------------

function renderPeers() {
  const others = peers.filter((p) => p.key === 'viewing' && p.value && p.value.name !== me);
  $('peers').textContent = others.length ? `${others.length} other${others.length > 1 ? 's' : ''} online` : '';
  const here = others.filter((p) => p.value.note === selected).map((p) => p.value.name);
  $('note-peers').textContent = here.length ? `also here: ${here.join(', ')}` : '';
}

sync.on('status', ({ state, error }) => {
  $('status').textContent = state === 'connected' ? 'synced live' : state === 'closed' && error
    ? `sync stopped: ${error.message}` : state === 'disconnected' ? 'offline: changes kept here' : state;
  $('status').className = `status ${state}`;
});
sync.on('presence', (entries) => { peers = entries; renderPeers(); });

function report(e) { $('status').textContent = `error: ${e.message}`; }

await renderList();
// For tests and the console.
window.notesApp = { db, sync, open, get selected() { return selected; } };
