#!/usr/bin/env node
// Bundles the CLI and the lab into dist/bundle with esbuild: one file instead of ~900 modules, which is
// most of a cold start (module resolution and loading cost ~300 ms of `wilab up` and ~100 ms of a CLI command).
import { build } from "esbuild";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
// Old chunks are left in place: a lab started from an earlier build may still import its lazy chunks.
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
  // No comments and no indentation: a third less source for V8 to read and pre-parse at every start, and
  // ASCII only (the comments held the only non-ASCII text), which Node decodes on its fast path.
  // Identifiers are kept, so stack traces and error names read as in the source.
  minifyWhitespace: true,
  minifySyntax: true,
});

// The portal's browser app (web/portal): Preact and dagre bundled into one minified file, with its stylesheet.
// Nothing is fetched from a CDN: the lab serves both from dist/portal.
await build({
  entryPoints: [resolve(root, "web/portal/app.tsx"), resolve(root, "web/portal/app.css")],
  outdir: resolve(root, "dist/portal"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
