// Bundles the compiled server (dist/src/main.js) into dist/copilot-api.mjs and the chunks it loads
// from dist/chunks/: what `npm start`, the installed `copilot-api` bin and the Docker image run.
// Loading a few files instead of a few hundred modules takes ~150 ms off every start (docs/benchmark.md).
//
// Split at every dynamic import(): what a start does not run (the other subcommands, consola's
// terminal build and prompts, the dashboard page, the Gemini and Ollama dialects, ...) sits in its own
// chunk, read and compiled only when first used. V8 parses every byte of a module it loads, even the
// functions it compiles later, so each chunk left unread is start-up time saved.
//
// gpt-tokenizer stays outside: the server loads single files of its at run time (src/tokens/bpe-ranks.ts),
// resolved from node_modules. undici's two dispatchers and better-sqlite3's JavaScript are taken in
// (below); the rest of undici (fetch) and better-sqlite3's compiled addon are read from node_modules.
// ioredis and pg are loaded only with --redis-url / --database-url, so a single instance never reads them.
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { build } from "esbuild";

const OUT = "dist";
const CHUNKS = join(OUT, "chunks");

/**
 * Two modules load files of a package with a require() of their own (createRequire), which a bundler
 * does not follow: undici's two dispatchers (src/upstream/http.ts) and better-sqlite3's JavaScript
 * (src/ledger/sqlite-driver.ts; its compiled addon stays a file). For the bundle those requires by
 * literal name become plain require() calls, which esbuild takes in: one file to parse instead of
 * resolving, reading and wrapping some 60 files from node_modules on every start. Each package's
 * index stays outside, for the fallbacks that load it at run time.
 */
const TAKEN_IN = [
  { module: /[\\/]dist[\\/]src[\\/]upstream[\\/]http\.js$/, require: /\brequireCjs\("(undici\/lib\/dispatcher\/[a-z-]+\.js)"\)/g },
  { module: /[\\/]dist[\\/]src[\\/]ledger[\\/]sqlite-driver\.js$/, require: /\bload\("(better-sqlite3\/lib\/database\.js)"\)/g },
];
const packageFilesInside = {
  name: "package-files-inside",
  setup(b) {
    // Only the indexes are external: a package name in `external` would cover its files too.
    b.onResolve({ filter: /^(undici|better-sqlite3|bindings)$/ }, (args) => ({ path: args.path, external: true }));
    // What undici's dispatchers require only when it is needed stays a file read then: the WebAssembly
    // HTTP parser (two builds of it, 72 KB of base64 each, one used) on the first connection, the fetch
    // body code for the unusual request bodies that need it.
    b.onResolve({ filter: /(^|\/)(web\/|llhttp\/llhttp(_simd)?-wasm\.js$)/ }, (args) => {
      const importer = args.importer.replaceAll("\\", "/");
      if (!importer.includes("node_modules/undici/")) return undefined;
      const file = join(dirname(importer), args.path).replaceAll("\\", "/");
      return { path: file.slice(file.lastIndexOf("node_modules/undici/") + "node_modules/".length), external: true };
    });
    for (const { module, require } of TAKEN_IN) {
      b.onLoad({ filter: module }, (args) => {
        const source = readFileSync(args.path, "utf8");
        const contents = source.replace(require, 'require("$1")');
        if (contents === source) throw new Error(`${args.path} no longer loads the files scripts/bundle.mjs takes in by name`);
        return { contents, loader: "js" };
      });
    }
  },
};

// Chunks of an earlier build are not overwritten (their names carry a hash): start from none.
rmSync(CHUNKS, { recursive: true, force: true });
await build({
  entryPoints: { "copilot-api": "dist/src/main.js" },
  outdir: OUT,
  outExtension: { ".js": ".mjs" },
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // bun:sqlite is Bun's own (src/ledger/sqlite-driver.ts).
  external: ["gpt-tokenizer", "bun:sqlite", "ioredis", "pg"],
  plugins: [packageFilesInside],
  // Bundled CommonJS code may call require() for Node's own modules.
  banner: { js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);' },
  logLevel: "warning",
  legalComments: "none",
  // Pure ASCII (see below).
  charset: "ascii",
});

// One non-ASCII character anywhere in the source makes V8 keep the whole of it as a two-byte string,
// twice its size, for as long as the process runs. charset "ascii" escapes strings, templates and
// regular expressions; what is left is in comments, where an escape changes nothing.
const files = [join(OUT, "copilot-api.mjs"), ...readdirSync(CHUNKS).map((f) => join(CHUNKS, f))];
for (const file of files) {
  const source = readFileSync(file, "utf8");
  const ascii = source.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
  if (ascii !== source) writeFileSync(file, ascii);
}
