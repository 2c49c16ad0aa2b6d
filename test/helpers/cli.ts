import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** dist/copilot-api.mjs, the bundle that `npm start`, the installed bin and the Docker image run. */
export const MAIN = fileURLToPath(new URL("../../copilot-api.mjs", import.meta.url));

export interface CliRun {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/**
 * The runtime the CLI tests start the bundle with: Node (this process's), or the binary named by
 * COPILOT_API_TEST_RUNTIME (scripts/run-tests.mjs runs the CLI end-to-end tests a second time under Bun).
 */
export const RUNTIME = process.env.COPILOT_API_TEST_RUNTIME || process.execPath;

/** Runs the CLI under RUNTIME (default) or another runtime binary, such as Bun. */
export function runCli(args: string[], env: Record<string, string>, runtime: string = RUNTIME, as: { uid?: number; gid?: number } = {}): CliRun {
  return runScript(MAIN, args, env, runtime, as);
}

/** Runs a script (the CLI bundle, the demo) with a clean environment and its output captured. */
export function runScript(script: string, args: string[], env: Record<string, string>, runtime: string = RUNTIME, as: { uid?: number; gid?: number } = {}): CliRun {
  const child = spawn(runtime, [script, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: env.HOME ?? process.env.HOME ?? "", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...as,
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const watch = watchOutput(child, exited, (code) => `process exited (${code}) before printing`);
  return {
    child,
    output: watch.output,
    exited,
    waitFor: (pattern) => watch.waitFor(pattern),
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/**
 * Runs `copilot-api <args>` under Node to its end (a command that stops by itself: usage, auth
 * errors); resolves with its exit code and its stdout and stderr apart.
 */
export function runToEnd(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A child's stdout and stderr as one text, and waits for a pattern in it (after offset `from`),
 * rejected with `exitedBefore(code)` and the output if the child exits first.
 */
export function watchOutput<T>(
  child: ChildProcess,
  exited: Promise<T>,
  exitedBefore: (code: T) => string,
): { output(): string; waitFor(pattern: RegExp, from?: number): Promise<RegExpMatchArray> } {
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  return {
    output: () => out,
    waitFor: (pattern, from = 0) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = out.slice(from).match(pattern);
          if (m) {
            listeners.delete(check);
            resolve(m);
          }
        };
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (listeners.has(check)) reject(new Error(`${exitedBefore(code)} ${pattern}:\n${out}`));
        });
      }),
  };
}
