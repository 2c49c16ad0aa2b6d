// Real Redis and PostgreSQL servers for tests: Debian's redis-server and postgresql binaries,
// started on free loopback ports in a temporary directory and stopped by PID.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chown, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface StoreServer {
  url: string;
  port: number;
  pid: number;
  /** Stops the server (by its PID) and removes its directory. */
  stop(): Promise<void>;
  /** SIGKILL to the server and its child processes, as a crash would: the server is gone at once. */
  kill(): Promise<void>;
  /**
   * SIGSTOP to the server and its child processes (PostgreSQL serves each connection from one):
   * connections stay open and nothing answers, as with a hung server or a link dropping packets.
   * Resolves with the function that resumes them (SIGCONT), safe to call twice.
   */
  pause(): Promise<() => void>;
}

/** /proc/<pid>/stat: "pid (name) state ppid …"; the name may hold spaces and parentheses. */
async function procStat(pid: number): Promise<{ state: string; ppid: number } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (!text) return undefined;
  const [state, ppid] = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: state!, ppid: Number(ppid) };
}

/** The server's own processes (PostgreSQL serves each connection from a child of its postmaster). */
async function childrenOf(pid: number): Promise<number[]> {
  const pids = (await readdir("/proc")).filter((d) => /^\d+$/.test(d)).map(Number);
  const stats = await Promise.all(pids.map(async (p) => ({ p, stat: await procStat(p) })));
  return stats.filter(({ stat }) => stat?.ppid === pid).map(({ p }) => p);
}

function signalAll(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // exited meanwhile
    }
  }
}

async function pauser(pid: number): Promise<() => void> {
  const pids = [pid, ...(await childrenOf(pid))];
  signalAll(pids, "SIGSTOP");
  return () => signalAll(pids, "SIGCONT");
}

/** Resolves once the process is gone (a zombie counts: it holds no socket). Polled: SIGKILL ends it soon. */
async function gone(pid: number): Promise<void> {
  for (;;) {
    const stat = await procStat(pid);
    if (!stat || stat.state === "Z") return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once the child prints `ready` (on stdout or stderr); rejects if it exits first. */
function readyWhen(child: ChildProcess, ready: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-8192);
      if (ready.test(out)) {
        child.stdout?.off("data", onData);
        child.stderr?.off("data", onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}) before it was ready:\n${out}`)));
  });
}

function stopper(child: ChildProcess, signal: NodeJS.Signals, dir: string): Pick<StoreServer, "stop" | "kill" | "pause"> {
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));
  const end = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, sig);
    await exited;
  };
  return {
    stop: async () => {
      await end(signal);
      await rm(dir, { recursive: true, force: true });
    },
    // The whole server, its connection processes included: one that outlived its postmaster for a
    // moment still answered a query.
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const children = await childrenOf(child.pid!);
      signalAll([child.pid!, ...children], "SIGKILL"); // together: a postmaster outliving a child would restart it
      await exited;
      await Promise.all(children.map(gone));
    },
    pause: () => pauser(child.pid!),
  };
}

/**
 * `port`: start again where one was killed (clients reconnect to the same address). Without it, a
 * port found free can be taken before redis-server binds it (by a test process running alongside,
 * or as the local port of a connection): redis-server then exits, and another free port is tried.
 */
export async function startRedis(port?: number): Promise<StoreServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await redisOn(port ?? (await freePort()));
    } catch (error) {
      if (port !== undefined || attempt === 5 || !/Address already in use/.test(String(error))) throw error;
    }
  }
}

async function redisOn(port: number): Promise<StoreServer> {
  const dir = await mkdtemp(join(tmpdir(), "copilot-api-redis-"));
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    await readyWhen(child, /Ready to accept connections/, "redis-server");
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid!, ...stopper(child, "SIGTERM", dir) };
}

async function postgresBin(): Promise<string> {
  const versions = (await readdir("/usr/lib/postgresql")).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error("PostgreSQL is not installed (apt-get install postgresql)");
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** PostgreSQL refuses to run as root: then it runs as the `postgres` user the Debian package creates. */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const { stdout } = await run("id", ["-u", "postgres"]);
  const { stdout: gid } = await run("id", ["-g", "postgres"]);
  return { uid: Number(stdout.trim()), gid: Number(gid.trim()) };
}

export async function startPostgres(): Promise<StoreServer> {
  const bin = await postgresBin();
  const dir = await mkdtemp(join(tmpdir(), "copilot-api-pg-"));
  const user = await runAs();
  if (user.uid !== undefined) await chown(dir, user.uid, user.gid!);
  const data = join(dir, "data");
  await run(join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"], { ...user, cwd: dir });
  const port = await freePort();
  const child = spawn(
    join(bin, "postgres"),
    ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"],
    { ...user, cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  await readyWhen(child, /database system is ready to accept connections/, "postgres");
  // SIGINT: PostgreSQL's fast shutdown (disconnects clients, exits cleanly).
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, pid: child.pid!, ...stopper(child, "SIGINT", dir) };
}
