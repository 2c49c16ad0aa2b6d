import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

// scripts/build-if-stale.mjs is what `npm start` and `npm run demo` run first (their pre-scripts).
const SCRIPT = fileURLToPath(new URL("../../../scripts/build-if-stale.mjs", import.meta.url));
const { staleReason } = (await import(SCRIPT)) as { staleReason: (root: string, watched?: string[], output?: string) => string | undefined };

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A project whose "build" records that it ran and writes the bundle; every file dated `at`. */
function project(at: Date): string {
  const root = mkdtempSync(join(tmpdir(), "copilot-api-stale-"));
  roots.push(root);
  mkdirSync(join(root, "src", "cli"), { recursive: true });
  mkdirSync(join(root, "dist"));
  const build = "require('fs').appendFileSync('built.txt','x');require('fs').writeFileSync('dist/copilot-api.mjs','')";
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "p", scripts: { build: `node -e "${build}"` } }));
  writeFileSync(join(root, "src", "cli", "start.ts"), "");
  writeFileSync(join(root, "dist", "copilot-api.mjs"), "");
  for (const p of ["package.json", "src/cli/start.ts", "src/cli", "src", "dist/copilot-api.mjs"]) utimesSync(join(root, p), at, at);
  return root;
}

const past = new Date(Date.now() - 3600_000);
const later = new Date(past.getTime() + 60_000);

test("a bundle newer than every source is up to date", () => {
  const root = project(past);
  utimesSync(join(root, "dist", "copilot-api.mjs"), later, later);
  assert.equal(staleReason(root), undefined);
});

test("an edited, an added or a removed source makes the build stale, naming what changed", () => {
  const root = project(past);
  utimesSync(join(root, "src", "cli", "start.ts"), later, later);
  assert.equal(staleReason(root), "src/cli/start.ts changed since the last build");

  const added = project(past);
  writeFileSync(join(added, "src", "cli", "new.ts"), "");
  assert.match(staleReason(added) ?? "", /src\/cli.* changed since the last build/);

  const removed = project(past);
  rmSync(join(removed, "src", "cli", "start.ts"));
  assert.equal(staleReason(removed), "src/cli changed since the last build");
});

test("no bundle yet means a build", () => {
  const root = project(past);
  rmSync(join(root, "dist", "copilot-api.mjs"));
  assert.equal(staleReason(root), "dist/copilot-api.mjs does not exist yet");
});

function run(root: string) {
  // Without npm_execpath the script calls `npm` from PATH, as outside npm.
  const env = { ...process.env };
  delete env.npm_execpath;
  return spawnSync(process.execPath, [SCRIPT], { cwd: root, env, encoding: "utf8" });
}

test("the script builds a stale project once, says why, and leaves an up-to-date one alone", () => {
  const root = project(past);
  utimesSync(join(root, "src", "cli", "start.ts"), later, later);
  const first = run(root);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /src\/cli\/start\.ts changed since the last build; rebuilding/);
  assert.equal(readFileSync(join(root, "built.txt"), "utf8"), "x");
  // Dated from the start of the build, so it is newer than the edit but not than a save made during the build.
  assert.ok(statSync(join(root, "dist", "copilot-api.mjs")).mtimeMs > later.getTime());

  const second = run(root);
  assert.equal(second.status, 0, second.stderr);
  assert.equal(second.stderr, "");
  assert.equal(readFileSync(join(root, "built.txt"), "utf8"), "x", "no second build");
});

test("a failed build stops the start with the build's exit code", () => {
  const root = project(past);
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "p", scripts: { build: `node -e "process.exit(3)"` } }));
  const r = run(root);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /the build failed/);
  assert.ok(!existsSync(join(root, "built.txt")));
});
