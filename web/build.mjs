// build.mjs — bundles the browser UI (src/) into dist/: one script, the layout's worker, one
// stylesheet and the page, with every npm dependency inside, so the server needs no network at run time. When the
// WebAssembly package is built (`make wasm`: ../build/wasm), its ES modules go to dist/wasm/,
// where the collaborative text editor (src/textedit.js) loads them; without it that editor says
// it needs the build.
import { build } from "esbuild";
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";

await mkdir("dist", { recursive: true });
await build({
  entryPoints: { app: "src/main.js", fa2worker: "src/fa2worker.js" },
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  outdir: "dist",
  legalComments: "eof",
  logLevel: "warning",
});
await build({
  entryPoints: { app: "src/app.css" },
  bundle: true,
  minify: true,
  outdir: "dist",
  logLevel: "warning",
});
await copyFile("src/index.html", "dist/index.html");

// The package's modules: the API (arenadb.mjs) and everything it imports, the emscripten
// module (WebAssembly inlined) included. Stale copies go when the package is gone.
const WASM = process.env.WASM_OUT || "../build/wasm";
await rm("dist/wasm", { recursive: true, force: true });
if (existsSync(`${WASM}/arenadb.mjs`) && existsSync(`${WASM}/module.mjs`)) {
  await mkdir("dist/wasm");
  for (const f of await readdir(WASM)) {
    if (f.endsWith(".mjs")) await copyFile(`${WASM}/${f}`, `dist/wasm/${f}`);
  }
}
