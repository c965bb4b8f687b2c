// module.mjs — the emscripten factory of ArenaDB (createArenaDB), as an ES module. Made by make
// from arenadb.js; under Node it gets the require, __filename and __dirname it expects.
let require, __filename, __dirname; // eslint-disable-line no-unused-vars
if (typeof process === 'object' && process.versions && process.versions.node) {
  const { createRequire } = await import('node:module');
  const { fileURLToPath } = await import('node:url');
  require = createRequire(import.meta.url);
  __filename = fileURLToPath(import.meta.url);
  __dirname = require('node:path').dirname(__filename);
}
