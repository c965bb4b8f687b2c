// build.mjs — bundles the browser UI (src/) into dist/: one script, the layout's worker, one
// stylesheet and the page, with every npm dependency inside, so the server needs no network at
// run time. When the WebAssembly package is built (`make wasm`: ../build/wasm), its ES modules
// go to dist/wasm/, where the page's replica (src/replica.js) loads them; without it the
// replica's uses (collaborative text, working offline) say they need the build. Last, the
// service worker (src/sw.js), told every file above and their hash.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
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

// The files a reload needs with the server out of reach, as the server serves them.
const shell = ["index.html", "app.js", "app.css", "fa2worker.js"];
if (existsSync("dist/wasm")) for (const f of (await readdir("dist/wasm")).sort()) shell.push(`wasm/${f}`);
const hash = createHash("sha256");
for (const f of shell) hash.update(f).update(await readFile(`dist/${f}`));
await build({
  entryPoints: { sw: "src/sw.js" },
  bundle: true,
  minify: true,
  outdir: "dist",
  define: { SHELL: JSON.stringify(["./", ...shell.map((f) => `./${f}`)]), BUILD: JSON.stringify(hash.digest("hex").slice(0, 16)) },
  logLevel: "warning",
});
