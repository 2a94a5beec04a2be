#!/usr/bin/env node
// Bundles the CLI and the lab into dist/bundle with esbuild: one file instead of ~900 modules, which is
// most of a cold start (module resolution and loading cost ~300 ms of `wilab up` and ~100 ms of a CLI command).
import { build } from "esbuild";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
await build({
  entryPoints: { wilab: resolve(root, "dist/src/cli/main.js") },
  outdir: resolve(root, "dist/bundle"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  // pg-native: pg's optional native binding, never installed (pg falls back to its JavaScript client).
  external: ["better-sqlite3", "pg-native"],
  banner: { js: "import { createRequire as __wilabCreateRequire } from 'node:module'; const require = __wilabCreateRequire(import.meta.url);" },
  logLevel: "warning",
  legalComments: "none",
});
