// `copilot-api start` on a real terminal: util-linux's script(1) gives it a pseudo-terminal, so that
// --manual (which needs a TTY) runs as a person would run it, and the test types the answers.
import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { MAIN, RUNTIME, watchOutput } from "./cli.js";

export interface TtyInstance {
  url: string;
  /** Everything the terminal showed so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in what the terminal shows after offset `from`. */
  waitFor(pattern: RegExp, from?: number): Promise<RegExpMatchArray>;
  /** Types an answer and Enter. */
  type(text: string): void;
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The PID of script(1)'s child: the copilot-api process itself (exec'd, so no shell in between). */
async function childOf(pid: number): Promise<number> {
  for (;;) {
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      // /proc/PID/stat: "pid (comm) state ppid ...": the command name may hold spaces, so read after ")".
      const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) return Number(entry);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function startTty(args: string[], env: Record<string, string>): Promise<TtyInstance> {
  const command = ["exec", RUNTIME, MAIN, ...args].map(quote).join(" ");
  const child: ChildProcess = spawn("script", ["-qfec", command, "/dev/null"], {
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", TERM: "dumb", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const { output, waitFor } = watchOutput(child, exited, () => "copilot-api exited before showing");
  const [, url] = await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
  const pid = await childOf(child.pid!);
  return {
    url: url!,
    output,
    waitFor,
    type: (text) => child.stdin!.write(`${text}\r`),
    async kill() {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
      await exited;
    },
  };
}
