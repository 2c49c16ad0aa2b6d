// The two child processes of a bench run: the fake upstream and copilot-api itself.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface FakeInfo {
  url: string;
  githubUrl: string;
  githubApiUrl: string;
  capiUrl: string;
  githubToken: string;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Port, for children that listen. */
  port?: number;
  output(): string;
  stop(): Promise<void>;
}

const FAKE_JS = fileURLToPath(new URL("./fake-process.js", import.meta.url));
/** dist/copilot-api.mjs, beside this dist/bench/: what `npm start` and the installed bin run. */
export const MAIN_JS = fileURLToPath(new URL("../copilot-api.mjs", import.meta.url));
/** The same server unbundled (tsc's output), for profiles whose time is charged to our own files. */
export const UNBUNDLED_MAIN_JS = fileURLToPath(new URL("../src/main.js", import.meta.url));
const GC_PRELOAD = fileURLToPath(new URL("./gc-on-signal.js", import.meta.url));

function wrap(proc: ChildProcess, label: string): Child {
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  return {
    proc,
    pid: proc.pid!,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => {
        process.stderr.write(`${label} did not exit after SIGTERM; killing it\n`);
        proc.kill("SIGKILL");
      }, 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves with the first match of `pattern` in the child's output, or rejects after `timeoutMs`. */
export function waitForOutput(proc: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(pattern);
      if (m) done(undefined, m);
    };
    const onExit = (code: number | null) => done(new Error(`exited (${code}) before printing ${pattern}:\n${out}`));
    const done = (error?: Error, m?: RegExpMatchArray) => {
      clearTimeout(timer);
      proc.stdout?.off("data", onData);
      proc.stderr?.off("data", onData);
      proc.off("exit", onExit);
      if (error) reject(error);
      else resolve(m!);
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    proc.once("exit", onExit);
  });
}

export async function startFake(): Promise<{ child: Child; info: FakeInfo }> {
  const proc = spawn(process.execPath, [FAKE_JS], { stdio: ["pipe", "pipe", "pipe"] });
  const child = wrap(proc, "fake upstream");
  const m = await waitForOutput(proc, /^(\{.*\})\n/m, 10_000);
  return { child, info: JSON.parse(m[1]!) as FakeInfo };
}

const FLOOR_JS = fileURLToPath(new URL("./floor-proxy.js", import.meta.url));

/** bench/floor-proxy.ts: the bare Node passthrough proxy the report compares copilot-api with. */
export async function startFloor(capiUrl: string, token: string, headers: Record<string, string>, wrapper: string[] = []): Promise<Child & { spawnedAt: number }> {
  const spawnedAt = performance.now();
  const [command, ...prefix] = [...wrapper, process.execPath];
  const proc = spawn(command!, [...prefix, FLOOR_JS, capiUrl, token, JSON.stringify(headers)], { stdio: ["pipe", "pipe", "pipe"] });
  const child = wrap(proc, "floor proxy");
  const m = await waitForOutput(proc, /^(\d+)\n/m, wrapper.length > 0 ? 300_000 : 10_000);
  return { ...child, port: Number(m[1]), spawnedAt };
}

/**
 * The Bun binary the bench runs copilot-api under as well: $BENCH_BUN, else the one pinned in
 * e2e/clients (the version the end-to-end tests use). undefined: the bench measures Node only.
 */
export function bunBinary(): string | undefined {
  const pinned = fileURLToPath(new URL("../../e2e/clients/node_modules/.bin/bun", import.meta.url));
  const bin = process.env.BENCH_BUN ?? pinned;
  return existsSync(bin) ? bin : undefined;
}

export interface ServerOptions {
  /** Run under this Bun binary instead of Node (node flags are then ignored). */
  bun?: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Preload a SIGUSR2 → gc() hook (with --expose-gc), so the bench can check memory after a full GC. */
  gcHook?: boolean;
  /**
   * COPILOT_API_HOME to use (kept): state that persists between runs of a real install, such as the
   * tokenizer cache. Default: a fresh directory, removed on stop.
   */
  home?: string;
  /** The script to run; default MAIN_JS, the bundle. */
  entry?: string;
  /** More flags for `start`, e.g. --no-ledger. */
  args?: string[];
  /** A command the runtime runs under, e.g. valgrind and its flags (bench/callgrind.ts). */
  wrapper?: string[];
}

export interface ServerChild extends Child {
  url: string;
  /** Spawn → "listening" printed, ms. */
  listenMs: number;
  spawnedAt: number;
}

/** `node dist/copilot-api.mjs start --port 0` against the fake, with a throwaway data directory. */
export async function startServer(fake: FakeInfo, options: ServerOptions = {}): Promise<ServerChild> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), "copilot-api-bench-"));
  const flags = options.bun
    ? options.gcHook
      ? ["--preload", GC_PRELOAD]
      : []
    : [...(options.nodeFlags ?? []), ...(options.gcHook ? ["--expose-gc", "--import", GC_PRELOAD] : [])];
  const spawnedAt = performance.now();
  const [command, ...prefix] = [...(options.wrapper ?? []), options.bun ?? process.execPath];
  const proc = spawn(command!, [...prefix, ...flags, options.entry ?? MAIN_JS, "start", "--port", "0", ...(options.args ?? [])], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      NO_COLOR: "1",
      GH_TOKEN: fake.githubToken,
      COPILOT_API_GITHUB_URL: fake.githubUrl,
      COPILOT_API_GITHUB_API_URL: fake.githubApiUrl,
      COPILOT_API_HOME: home,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child = wrap(proc, options.bun ? "copilot-api (Bun)" : "copilot-api");
  const m = await waitForOutput(proc, /listening on (http:\/\/[^\s]+)/, options.wrapper ? 300_000 : 20_000);
  const listenMs = performance.now() - spawnedAt;
  return {
    ...child,
    url: m[1]!,
    listenMs,
    spawnedAt,
    async stop() {
      await child.stop();
      if (!options.home) rmSync(home, { recursive: true, force: true });
    },
  };
}
