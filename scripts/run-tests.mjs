// Runs the compiled *.test.js files with Node's test runner. Node 20 has no glob support in
// `node --test`, and a bare directory would also run every helper module under test/.
//
// The full suite (no arguments) then runs the end-to-end tests that start the real CLI bundle a
// second time, under the Bun pinned in e2e/clients (COPILOT_API_TEST_RUNTIME, see test/helpers/cli.ts):
// Bun is a supported runtime, so the CLI is tested under it too. `--bun <files>` runs only that pass.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith(".test.js") ? [p] : [];
  });
}

/** The end-to-end tests that drive the CLI bundle through runCli (test/helpers/cli.ts). */
const CLI_E2E = ["dist/test/e2e/cli.test.js", "dist/test/e2e/cli-messages.test.js", "dist/test/e2e/sigterm.test.js"];
const BUN = fileURLToPath(new URL("../e2e/clients/node_modules/.bin/bun", import.meta.url));

function run(files, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--test", "--test-concurrency=2", ...files], { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function underBun(files) {
  if (!existsSync(BUN)) {
    process.stderr.write(`No Bun at ${BUN}: run npm run setup (it installs e2e/clients)\n`);
    return Promise.resolve(1);
  }
  process.stdout.write(`\n# The CLI end-to-end tests again, under Bun (${BUN})\n`);
  return run(files, { COPILOT_API_TEST_RUNTIME: BUN });
}

const args = process.argv.slice(2);
const bunOnly = args[0] === "--bun";
const roots = bunOnly ? args.slice(1) : args;
const files = (roots.length ? roots : bunOnly ? CLI_E2E : ["dist/test"]).flatMap((r) => (r.endsWith(".js") ? [r] : find(r))).sort();
let code = bunOnly ? 0 : await run(files);
if (bunOnly || roots.length === 0) code = (await underBun(bunOnly ? files : CLI_E2E)) || code;
process.exit(code);
