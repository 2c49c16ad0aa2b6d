import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

// The bundle (scripts/bundle.mjs) is dist/copilot-api.mjs and the chunks it imports. What npm
// publishes is package.json's `files`: a chunk left out of it would make `npx copilot-api` fail on
// the first request that needs that chunk, not at start, so every file reachable from the entry is
// checked here, with every package it loads at run time.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const ENTRY = join(ROOT, "dist", "copilot-api.mjs");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { files: string[]; dependencies: Record<string, string> };

/** Every file the entry reaches by import (static or dynamic), and every bare specifier loaded. */
function reach(): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [ENTRY];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    // Comment lines are left out: bundled code keeps its doc comments, with examples that import things.
    const source = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
      .join("\n");
    for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g)) {
      const spec = m[1]!;
      // The bundle's own files are .mjs; other relative paths are text inside bundled code.
      if (spec.startsWith(".")) {
        if (spec.endsWith(".mjs")) queue.push(join(dirname(file), spec));
      } else if (/^[a-z@][\w@./:-]*$/.test(spec)) packages.add(spec);
    }
  }
  return { files, packages };
}

test("every file of the bundle is one package.json publishes", () => {
  const { files } = reach();
  assert.ok(files.size > 3, "the bundle is split into chunks");
  for (const file of files) {
    assert.ok(existsSync(file), `${relative(ROOT, file)} is imported but missing`);
    const path = relative(ROOT, file).replaceAll("\\", "/");
    assert.ok(
      pkg.files.some((f) => (f.endsWith("/") ? path.startsWith(f) : path === f)),
      `${path} is part of the bundle but not in package.json "files"`,
    );
  }
});

test("what the bundle loads at run time is Node's, Bun's, or a dependency", () => {
  const { packages } = reach();
  const builtin = new Set(builtinModules);
  for (const spec of packages) {
    if (spec.startsWith("node:") || builtin.has(spec) || spec.startsWith("bun:")) continue;
    const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
    // bindings is better-sqlite3's own dependency, used only when its addon is not found by name.
    if (name === "bindings") continue;
    assert.ok(name in pkg.dependencies, `the bundle loads ${spec}, but ${name} is not a dependency`);
  }
});
