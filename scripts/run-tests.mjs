// Runs the compiled *.test.js files with Node's test runner. Node 20 has no glob support in
// `node --test`, and a bare directory would also run every helper module under test/.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith(".test.js") ? [p] : [];
  });
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ["dist/test"]).flatMap((r) => (r.endsWith(".js") ? [r] : find(r))).sort();
const child = spawn(process.execPath, ["--test", "--test-concurrency=2", ...files], { stdio: "inherit" });
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
