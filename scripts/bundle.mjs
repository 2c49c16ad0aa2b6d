// Bundles the compiled server (dist/src/main.js) into one file, dist/copilot-api.mjs: what `npm
// start`, the installed `copilot-api` bin and the Docker image run. Loading one file instead of a
// few hundred modules takes ~150 ms off every start (docs/benchmark.md).
//
// undici and gpt-tokenizer stay outside: the server loads single files of theirs at run time
// (src/upstream/http.ts, src/tokens/bpe-ranks.ts), resolved from node_modules as before. ioredis
// and pg are loaded only with --redis-url / --database-url, so a single instance never reads them.
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
});
