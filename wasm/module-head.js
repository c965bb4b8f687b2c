// module.mjs — the emscripten factory of ArenaDB (createArenaDB), as an ES module. Made by make
// from arenadb.js; under Node it gets the require, __filename and __dirname it expects. The Node
// modules are imported by a name held in a variable, so that bundlers for the browser leave
// them alone.
let require, __filename, __dirname; // eslint-disable-line no-unused-vars
if (typeof process === 'object' && process.versions && process.versions.node) {
  const node = (name) => import(/* webpackIgnore: true */ /* @vite-ignore */ name);
  const { createRequire } = await node('node:module');
  const { fileURLToPath } = await node('node:url');
  require = createRequire(import.meta.url);
  __filename = fileURLToPath(import.meta.url);
  __dirname = require('node:path').dirname(__filename);
}
