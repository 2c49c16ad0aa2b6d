import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

/** The pinned real CLIs, installed by `npm run setup` into e2e/clients (kept out of the main tree). */
const CLIENTS = fileURLToPath(new URL("../../../e2e/clients/node_modules/", import.meta.url));

export function clientBin(name: "claude" | "codex" | "bun" | "gemini" | "opencode"): string {
  const bin = name === "opencode" ? opencodeBin() : `${CLIENTS}.bin/${name}`;
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: run \`npm run setup\` (it installs the pinned e2e clients with npm ci --prefix e2e/clients)`);
  }
  return bin;
}

/** opencode's Linux x64 build, or its baseline build on a CPU without AVX2 (what opencode's own installer picks). */
function opencodeBin(): string {
  let avx2 = false;
  try {
    avx2 = /(^|\s)avx2(\s|$)/.test(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    // not Linux: the path below is missing and the error says how to set up
  }
  return `${CLIENTS}opencode-linux-x64${avx2 ? "" : "-baseline"}/bin/opencode`;
}

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a CLI with a clean environment, closed stdin and a hard time bound; never inherits our env. */
export function runClient(bin: string, args: string[], env: Record<string, string>, cwd: string, timeoutMs = 60_000): Promise<ClientRun> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, {
      cwd,
      env: { PATH: "/usr/local/bin:/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * An HTTP(S) proxy that refuses everything and counts the attempts. Clients get it as
 * HTTPS_PROXY/HTTP_PROXY with NO_PROXY for loopback, so any try to reach an outside host shows up.
 */
export async function startEgressTrap(): Promise<{ url: string; attempts: string[]; close(): Promise<void> }> {
  const attempts: string[] = [];
  const server: Server = createServer((req, res) => {
    attempts.push(`${req.method} ${req.url}`);
    res.writeHead(403).end();
  });
  server.on("connect", (req, socket) => {
    attempts.push(`CONNECT ${req.url}`);
    // Some clients (opencode's Bun) reset the connection on the refusal: that is expected, not a failure.
    socket.on("error", () => {});
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
