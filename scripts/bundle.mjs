// Bundles the compiled server (dist/src/main.js) into one file, dist/copilot-api.mjs: what `npm
// start`, the installed `copilot-api` bin and the Docker image run. Loading one file instead of a
// few hundred modules takes ~150 ms off every start (docs/benchmark.md).
//
// undici and gpt-tokenizer stay outside: the server loads single files of theirs at run time
// (src/upstream/http.ts, src/tokens/bpe-ranks.ts), resolved from node_modules as before. ioredis
// and pg are loaded only with --redis-url / --database-url, so a single instance never reads them.
import { readFileSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

await build({
  entryPoints: ["dist/src/main.js"],
  outfile: "dist/copilot-api.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // better-sqlite3 is a native addon loaded from node_modules; bun:sqlite is Bun's own (src/ledger/sqlite-driver.ts).
  external: ["undici", "gpt-tokenizer", "better-sqlite3", "bun:sqlite", "ioredis", "pg"],
  // Bundled CommonJS code may call require() for Node's own modules.
  banner: { js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);' },
  logLevel: "warning",
  legalComments: "none",
  // Pure ASCII (see below).
  charset: "ascii",
});

// One non-ASCII character anywhere in the source makes V8 keep the whole of it as a two-byte string,
// twice its size (0.8 MB more), for as long as the process runs. charset "ascii" escapes strings,
// templates and regular expressions; what is left is in comments, where an escape changes nothing.
const file = "dist/copilot-api.mjs";
const source = readFileSync(file, "utf8");
writeFileSync(file, source.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`));
