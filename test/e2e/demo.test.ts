import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { clientBin, startEgressTrap } from "../helpers/clients.js";
import { type CliRun, runScript } from "../helpers/cli.js";

/** `npm run demo` runs this file (after a build when sources changed). */
const DEMO = fileURLToPath(new URL("../fake-upstream/demo.js", import.meta.url));
const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/** Runs one printed command line in a POSIX shell, as a user pastes it, with the pinned CLIs first on PATH. */
function shell(command: string, env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("npm run demo prints commands that work as printed", { timeout: 300_000 }, () => {
  let demo: CliRun;
  let out: string;
  let url: string;
  let scratch: string;
  let trap: Awaited<ReturnType<typeof startEgressTrap>>;
  let env: Record<string, string>;
  const line = (prefix: string) => {
    const found = out.split("\n").find((l) => l.startsWith(prefix));
    assert.ok(found, `no line starting with ${prefix} in:\n${out}`);
    return found;
  };

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "copilot-api-demo-test-"));
    trap = await startEgressTrap();
    // As `npm run demo -- --port 0` starts it (a free port, for the test).
    demo = spawnDemo(["--port", "0"]);
    await demo.waitFor(/Another port: .*\n/);
    out = demo.output();
    url = /^Dashboard: +(http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(out)![1]!;
    env = {
      HOME: scratch,
      PATH: `${dirname(clientBin("claude"))}:/usr/local/bin:/usr/bin:/bin`,
      // Loopback only: anything else the clients try is refused and counted.
      HTTPS_PROXY: trap.url,
      HTTP_PROXY: trap.url,
      NO_PROXY: "127.0.0.1,localhost",
    };
  });
  after(async () => {
    await demo.stop();
    await trap.close();
    await rm(scratch, { recursive: true, force: true });
  });

  test("it names the dashboard, both base URLs and how to pick another port", () => {
    assert.match(out, /^OpenAI base URL: +http:\/\/127\.0\.0\.1:\d+\/v1$/m);
    assert.match(out, /^Anthropic base URL: +http:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(out, /npm run demo -- --port 4242/);
    assert.ok(!out.includes("\u001b"), "no colour codes off a terminal");
  });

  test("the Claude Code command, run as printed, answers with no login prompt and no retired-model warning", async () => {
    const command = line("ANTHROPIC_BASE_URL=");
    assert.match(command, /ANTHROPIC_AUTH_TOKEN='[^']+'/);
    assert.match(command, /ANTHROPIC_MODEL='claude-sonnet-4-6'/);
    assert.match(command, /ANTHROPIC_SMALL_FAST_MODEL='claude-haiku-4-5'/);
    assert.ok(command.endsWith(" claude"));
    const home = await mkdtemp(join(scratch, "claude-home-"));
    // A fresh HOME: no earlier login or onboarding state can help it along.
    const r = await shell(`${command} -p 'say hi' --output-format json </dev/null`, { ...env, HOME: home, CLAUDE_CODE_MAX_RETRIES: "0" }, home);
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    const result = JSON.parse(r.stdout) as { is_error: boolean; result: string };
    assert.equal(result.is_error, false);
    assert.match(result.result, /Hello from fake Copilot \(claude-sonnet-4\.6\): say hi/);
    assert.doesNotMatch(r.stderr, /retired|log ?in/i);
    await demo.waitFor(/ messages {2}claude-code {2}claude-sonnet-4\.6 → \/v1\/messages {2}user {2}200 /);
  });

  test("the README shows the same Claude Code command", async () => {
    const readme = await readFile(join(REPO, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Use with Claude Code"));
    const block = /```sh\n(ANTHROPIC_BASE_URL=[\s\S]*?)\n```/.exec(section)?.[1];
    assert.ok(block, "the README's Claude Code command");
    const port = new URL(url).port;
    assert.equal(block.replace(/ \\\n/g, " ").replace("127.0.0.1:4141", `127.0.0.1:${port}`), line("ANTHROPIC_BASE_URL="));
  });

  test("the Codex command, run as printed, answers through the Responses API", async () => {
    const command = line("COPILOT_API_KEY=");
    const home = await mkdtemp(join(scratch, "codex-home-"));
    const r = await shell(`${command} exec --skip-git-repo-check 'say hi' </dev/null`, { ...env, HOME: home, CODEX_HOME: home }, home);
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stdout, /Hello from fake Copilot \(gpt-5\.4\): say hi/);
    // Codex may hang up as soon as it has response.completed, before the stream's last bytes: then 499.
    await demo.waitFor(/ responses {2}codex {2}gpt-5\.4 → \/responses {2}user {2}(200|499) /);
  });

  test("the SDK and curl commands, run as printed from the repository, answer", async () => {
    const sdk = await shell(line("OPENAI_BASE_URL="), env, REPO);
    assert.equal(sdk.code, 0, sdk.stderr);
    assert.match(sdk.stdout, /^Hello from fake Copilot \(gpt-4\.1\): hi\n$/);
    const curl = await shell(line("curl "), env, REPO);
    assert.equal(curl.code, 0, curl.stderr);
    assert.equal((JSON.parse(curl.stdout) as { choices: { message: { content: string } }[] }).choices[0]!.message.content, "Hello from fake Copilot (gpt-4.1): hi");
  });

  test("a port in use stops a second demo with the way to pick another", async () => {
    const port = new URL(url).port;
    const second = spawnDemo(["--port", port]);
    assert.equal(await second.exited, 1);
    assert.match(second.output(), new RegExp(`${port}.*npm run demo -- --port 4242`));
    const byEnv = spawnDemo([], { PORT: port });
    assert.equal(await byEnv.exited, 1, "PORT picks the port too");
  });
});

function spawnDemo(args: string[], extraEnv: Record<string, string> = {}): CliRun {
  // NO_COLOR unset: the output is not a terminal, and that alone must keep colour codes out.
  return runScript(DEMO, args, { NO_COLOR: "", ...extraEnv }, process.execPath);
}
