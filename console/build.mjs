// The console's build: the API types generated from ../docs/openapi.yaml, a type check (so a change to
// the contract that the console does not follow fails here), then one minified bundle and the static files
// in dist/. `node build.mjs` prints the bundle's size, gzipped, as the bench reads it.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const here = new URL(".", import.meta.url).pathname;
const bin = (name) => here + "node_modules/.bin/" + name;
const run = (cmd, args) => {
  try {
    execFileSync(cmd, args, { cwd: here, stdio: ["ignore", "inherit", "inherit"] });
  } catch {
    console.error(`console build: ${cmd.split("/").pop()} failed (above)`);
    process.exit(1);
  }
};

run(bin("openapi-typescript"), ["../docs/openapi.yaml", "-o", "src/api/schema.d.ts", "--silent"]);
run(bin("tsc"), ["--noEmit", "-p", "."]);

mkdirSync(here + "dist", { recursive: true });
await esbuild.build({
  absWorkingDir: here,
  entryPoints: ["src/main.tsx"],
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022"],
  jsx: "automatic",
  jsxImportSource: "preact",
  outfile: "dist/app.js",
  legalComments: "none",
  logLevel: "warning",
});
for (const f of ["index.html", "app.css"]) copyFileSync(here + "static/" + f, here + "dist/" + f);
// The local stack's runtime config; a deployment writes its own config.json next to index.html.
writeFileSync(here + "dist/config.json", JSON.stringify({ apiBase: "", auth: { mode: "local" } }) + "\n");
const js = readFileSync(here + "dist/app.js");
const css = readFileSync(here + "dist/app.css");
const kb = (b) => (gzipSync(b, { level: 9 }).length / 1024).toFixed(1);
console.log(`console: dist/app.js ${kb(js)} KB gzipped (${(js.length / 1024).toFixed(1)} KB), app.css ${kb(css)} KB gzipped`);
