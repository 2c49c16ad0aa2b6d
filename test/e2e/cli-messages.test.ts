import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type FakeUpstream, startFakeUpstream } from "../fake-upstream/server.js";
import { RUNTIME, runCli } from "../helpers/cli.js";

const GITHUB_TOKEN = "ghu_cliMessagesToken0123456789abcdefAB";
const ESC = "\u001b";

/** A loopback port with nothing listening: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("the CLI refuses what it should, and says what to do (exit status 2 for usage errors)", () => {
  let fake: FakeUpstream;
  let home: string;
  let env: Record<string, string>;

  before(async () => {
    fake = await startFakeUpstream({ githubToken: GITHUB_TOKEN, deviceFlow: { pendingPolls: 1, interval: 1 } });
    home = await mkdtemp(join(tmpdir(), "copilot-api-cli-msg-"));
    env = { HOME: home, COPILOT_API_HOME: join(home, "data"), COPILOT_API_GITHUB_URL: fake.githubUrl, COPILOT_API_GITHUB_API_URL: fake.githubApiUrl };
  });
  after(async () => {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  async function refused(args: string[], pattern: RegExp, extraEnv: Record<string, string> = {}) {
    const run = runCli(args, { ...env, GH_TOKEN: GITHUB_TOKEN, ...extraEnv });
    // A server that starts anyway is the failure this guards against: stop it and fail, not hang.
    const started = run.waitFor(/listening on/).then(
      () => run.stop().then(() => "started"),
      () => undefined,
    );
    const code = await Promise.race([run.exited, started]);
    assert.notEqual(code, "started", `${args.join(" ")} started a server: ${run.output()}`);
    assert.equal(code, 2, `${args.join(" ")}: ${run.output()}`);
    assert.match(run.output(), pattern, args.join(" "));
    assert.doesNotMatch(run.output(), /listening on/);
    return run.output();
  }

  test("a misspelt option is refused with the closest valid name, never ignored", async () => {
    await refused(["start", "--apikey", "x"], /Unknown option --apikey for copilot-api start: did you mean --api-key\?/);
    await refused(["start", "--prot", "4141"], /did you mean --port\?/);
    await refused(["check-usage", "--verbos"], /did you mean --verbose\?/);
    await refused(["start", "--port"], /--port needs a value/);
    await refused(["start", "4141"], /takes no argument "4141"/);
    await refused(["start", "-wx"], /Unknown option -x for copilot-api start/);
  });

  test("an unknown command is refused with the closest one", async () => {
    await refused(["strat"], /Unknown command "strat": did you mean "start"\?/);
    await refused(["--port", "1"], /Give a command first/);
  });

  test("auth takes no -g: it says that start uses a given token", async () => {
    await refused(["auth", "-g", "ghu_x"], /auth takes no -g: .*start -g <token>/);
  });

  test("empty or out-of-range flag values are refused, naming the flag", async () => {
    await refused(["start", "--api-key", ""], /--api-key: must not be empty: an empty key would leave the server open/);
    await refused(["start", "--host="], /--host: must not be empty/);
    await refused(["start", "--port", "70000"], /--port: Invalid port "70000"/);
    await refused(["start", "--rate-limit", "0"], /--rate-limit: Invalid rate limit/);
    await refused(["start", "--alias", "fast="], /Invalid --alias "fast="/);
  });

  test("bad config-file values and unknown keys are refused at start, naming the key", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ apiKeys: [""] }, /"apiKeys" must not be empty/],
      [{ apiKeys: ["two words"] }, /"apiKeys" must not contain spaces/],
      [{ bodyLimit: -1 }, /"bodyLimit" must be a whole number of bytes/],
      [{ bodyLimit: 1.5 }, /"bodyLimit" must be a whole number of bytes/],
      [{ host: "" }, /"host" must not be empty/],
      [{ upstreamIdleTimeoutMs: -5 }, /"upstreamIdleTimeoutMs" must be a whole number of milliseconds/],
      [{ prot: 4141 }, /unknown setting "prot" \(did you mean "port"\?\)/],
      [{ logFile: "" }, /"logFile" must not be empty/],
    ];
    for (const [settings, pattern] of cases) {
      const file = join(home, "settings.json");
      await writeFile(file, JSON.stringify(settings));
      const out = await refused(["start", "--config", file], pattern);
      assert.ok(out.includes(file), "the file is named");
    }
  });

  test("an alias whose target is no model is refused at start, naming the target", async () => {
    await refused(["start", "--port", "0", "--alias", "fast=gpt-9"], /fast=gpt-9 .*names "gpt-9", which is not a model on this Copilot account/);
  });

  test("GitHub unreachable: start and auth name the host, the cause, and --proxy-env", async () => {
    const port = await closedPort();
    const dead = `http://127.0.0.1:${port}`;
    const start = runCli(["start", "--port", "0"], { ...env, GH_TOKEN: GITHUB_TOKEN, COPILOT_API_GITHUB_API_URL: `${dead}/api` });
    assert.equal(await start.exited, 1);
    assert.match(start.output(), new RegExp(`Cannot reach GitHub at 127\\.0\\.0\\.1:${port}: the connection was refused \\(ECONNREFUSED\\).*--proxy-env`));
    assert.doesNotMatch(start.output(), /\] fetch failed/);
    const auth = runCli(["auth"], { ...env, COPILOT_API_HOME: join(home, "auth-dead"), COPILOT_API_GITHUB_URL: dead });
    assert.equal(await auth.exited, 1);
    assert.match(auth.output(), new RegExp(`Cannot reach GitHub at 127\\.0\\.0\\.1:${port}: the connection was refused.*--proxy-env`));
  });

  test("a rejected token says where it came from and what to do about that one", async () => {
    const bad = "ghu_rejectedToken000000000000000000000";
    const fromEnv = runCli(["start", "--port", "0"], { ...env, GH_TOKEN: bad });
    assert.equal(await fromEnv.exited, 1);
    assert.match(fromEnv.output(), /GitHub rejected the token .*GH_TOKEN environment variable, which wins over the stored login.*unset GH_TOKEN/);
    const fromFlag = runCli(["start", "--port", "0", "-g", bad], env);
    assert.equal(await fromFlag.exited, 1);
    assert.match(fromFlag.output(), /came from --github-token \(-g\)/);
    const dir = join(home, "stored-bad");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "github_token"), bad, { mode: 0o600 });
    const fromFile = runCli(["start", "--port", "0"], { ...env, COPILOT_API_HOME: dir });
    assert.equal(await fromFile.exited, 1);
    assert.match(fromFile.output(), new RegExp(`came from ${join(dir, "github_token").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\. Run \`copilot-api auth\``));
    for (const run of [fromEnv, fromFlag, fromFile]) assert.ok(!run.output().includes(bad), "the token itself is never printed");
  });

  test("a port in use names --port", async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const run = runCli(["start", "--port", String(port)], { ...env, GH_TOKEN: GITHUB_TOKEN });
      assert.equal(await run.exited, 1);
      assert.match(run.output(), new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use.*--port`));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test("an unwritable data directory is said before the device flow, with the chown to run", async () => {
    const dir = join(home, "not-mine");
    await mkdir(dir, { recursive: true });
    const root = process.getuid?.() === 0;
    // As root every directory is writable: run the CLI as nobody instead; otherwise take the write bit away.
    if (root) await chmod(home, 0o755);
    else await chmod(dir, 0o555);
    const codesBefore = fake.callsTo("/login/device/code").length;
    const run = runCli(["auth"], { ...env, COPILOT_API_HOME: dir }, RUNTIME, root ? { uid: 65534, gid: 65534 } : {});
    assert.equal(await run.exited, 1, run.output());
    assert.match(run.output(), new RegExp(`The data directory ${dir.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not writable by this user .*sudo chown -R \\d+:\\d+`));
    assert.equal(fake.callsTo("/login/device/code").length, codesBefore, "no device flow was started");
    if (!root) await chmod(dir, 0o755);
  });

  test("auth says it is waiting while it polls, then who logged in; an existing COPILOT_API_HOME keeps its mode", async () => {
    const dir = join(home, "shared");
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o775);
    const run = runCli(["auth"], { ...env, COPILOT_API_HOME: dir, COPILOT_API_DEVICE_POLL_SCALE: "0.001" });
    assert.equal(await run.exited, 0, run.output());
    const out = run.output();
    assert.match(out, /Waiting for you to enter the code/);
    assert.match(out, /Logged in as octocat-fake/);
    assert.ok(out.indexOf("Waiting for you") < out.indexOf("Logged in as"));
    assert.equal((await stat(dir)).mode & 0o777, 0o775, "the existing directory's mode is left alone");
    for (const name of await readdir(dir)) assert.equal((await stat(join(dir, name))).mode & 0o077, 0, `${name} is private`);
  });

  test("help is true and has no colour codes when output is not a terminal", async () => {
    const start = runCli(["start", "--help"], { ...env, NO_COLOR: "" });
    assert.equal(await start.exited, 0);
    assert.ok(!start.output().includes(ESC), "no escape codes in piped help");
    assert.match(start.output(), /--log-bodies\s+Include each request body \(the prompt\) in the request log; answers are not logged/);
    const debug = runCli(["debug", "--help"], { ...env, NO_COLOR: "" });
    assert.equal(await debug.exited, 0);
    assert.match(debug.output(), /-v, --verbose\s+Also say which config file was read \(text output only\)/);
    const error = runCli(["strat"], { ...env, NO_COLOR: "" });
    await error.exited;
    assert.ok(!error.output().includes(ESC));
    const auth = runCli(["auth", "--help"], { ...env, NO_COLOR: "" });
    await auth.exited;
    assert.doesNotMatch(auth.output(), /github-token/, "auth does not offer -g");
  });

  test("an existing --log-file readable by others is made 0600 at start, and says so", async () => {
    const file = join(home, "requests.log");
    await writeFile(file, "", { mode: 0o644 });
    await chmod(file, 0o644);
    const run = runCli(["start", "--port", "0", "--log-file", file], { ...env, GH_TOKEN: GITHUB_TOKEN });
    try {
      await run.waitFor(/listening on/);
    } finally {
      await run.stop();
    }
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.match(run.output(), /was readable by other users; its mode is now 0600/);
  });
});

