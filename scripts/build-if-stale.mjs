// `npm start` and `npm run demo` run this first: it rebuilds only when a source is newer than the
// bundle, and says so, instead of compiling for 10+ seconds on every start (`npm run setup` has
// already built once, through the `prepare` script). Staleness is decided from modification times:
// a file edited, added or removed (which changes its directory's time) after the last build, or new
// dependencies installed (npm rewrites node_modules/.package-lock.json).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, utimesSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";

/** What the build reads (tsconfig.json includes src, test and bench; bundle.mjs makes the one file). */
export const WATCHED = ["src", "test", "bench", "scripts/bundle.mjs", "tsconfig.json", "package.json", "node_modules/.package-lock.json"];
/** What `npm start` runs; written last by the build. */
export const OUTPUT = "dist/copilot-api.mjs";

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The newest file or directory under `path` (the path itself included), or undefined if absent. */
function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return undefined;
  }
  let best = { path, mtimeMs: stat.mtimeMs };
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) {
      const inner = newest(join(path, entry));
      if (inner && inner.mtimeMs > best.mtimeMs) best = inner;
    }
  }
  return best;
}

/** Why `root` needs a build, or undefined when its bundle is newer than everything it is built from. */
export function staleReason(root, watched = WATCHED, output = OUTPUT) {
  const built = mtime(join(root, output));
  if (built === undefined) return `${output} does not exist yet`;
  for (const item of watched) {
    const found = newest(join(root, item));
    if (found && found.mtimeMs > built) return `${relative(root, found.path)} changed since the last build`;
  }
  return undefined;
}

function main() {
  const root = process.cwd();
  const reason = staleReason(root);
  if (!reason) return;
  process.stderr.write(`copilot-api: ${reason}; rebuilding (npm run build, about 10 s)…\n`);
  const startedAt = new Date();
  // Through the npm that runs us when there is one (npm_execpath), so that no shell is involved.
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, "run", "build", "--silent"], { cwd: root, stdio: "inherit" })
    : spawnSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
  if (result.status !== 0) {
    process.stderr.write("copilot-api: the build failed (see above)\n");
    process.exit(result.status ?? 1);
  }
  // The bundle is dated from when the build began: a source saved during the build is newer, so the
  // next start rebuilds again rather than running code that missed it.
  const out = join(root, OUTPUT);
  if (mtime(out) !== undefined) utimesSync(out, startedAt, startedAt);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
