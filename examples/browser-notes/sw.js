// sw.js — the notes example's service worker: the app's files from a cache first, so that the
// page opens with the network off. Its data never passes here: it is in the replica (OPFS).
const CACHE = 'arenadb-notes-1';
const FILES = ['./', 'index.html', 'app.mjs', 'notes.css', 'arenadb/arenadb.mjs',
  'arenadb/replica.mjs', 'arenadb/status.mjs', 'arenadb/sync.mjs', 'arenadb/worker.mjs',
  'arenadb/opfs.mjs', 'arenadb/module.mjs', 'arenadb/textdiff.mjs'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// The network first (a new version when there is one), the cache when it fails.
self.addEventListener('fetch', (e) => {
  if (e.request.method !== 'GET') return;
  e.respondWith(fetch(e.request).then((res) => {
    if (res.ok) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(e.request, copy));
    }
    return res;
  }).catch(() => caches.match(e.request, { ignoreSearch: true })));
});
