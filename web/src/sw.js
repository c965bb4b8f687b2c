// sw.js — the page's service worker: keeps the page's own files (the page, its script, style
// and layout worker, and the WebAssembly package) so that a reload with the server out of reach
// still has a page, which then runs on its replica (replica.js). Each file comes from the
// server when it answers (the copy kept is refreshed), and from the copy when it does not. The
// API is never touched: its requests are the page's fetch()es, not documents, scripts, styles
// or workers. SHELL (the files) and BUILD (their hash) are set by build.mjs.
/* global SHELL, BUILD */
const CACHE = `arenadb-ui-${BUILD}`;
const KINDS = new Set(["document", "script", "style", "worker", "sharedworker"]);

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil((async () => {
    for (const k of await caches.keys()) if (k.startsWith("arenadb-ui-") && k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin || !KINDS.has(req.destination)) return;
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const res = await fetch(req);
      if (res.ok) await cache.put(req, res.clone());
      return res;
    } catch (err) {
      const kept = await cache.match(req, { ignoreSearch: true });
      if (kept) return kept;
      throw err;
    }
  })());
});
