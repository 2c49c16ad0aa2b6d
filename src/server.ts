import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS } from "./config.js";
import { installLightResponse } from "./http/light-response.js";
import { nodeListener } from "./http/node-listener.js";

type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Stops accepting connections and waits, up to `graceMs`, for the requests being answered (streams
   * included) to finish; idle keep-alive connections are closed as they become idle. Resolves true
   * when every request finished in time. Connections still open are left for close().
   */
  drain(graceMs: number): Promise<boolean>;
  /** Closes the server and every connection at once (in-flight requests are cut). */
  close(): Promise<void>;
  /** Open client connections and requests being answered, for shutdown and leak checks. */
  stats(): { connections: number; requests: number };
}

interface BunServer {
  port: number;
  pendingRequests?: number;
  stop(force?: boolean): void | Promise<void>;
}

const bun = (globalThis as { Bun?: { serve(o: unknown): BunServer } }).Bun;


export interface ServerLimits {
  /** A connection that has not sent a whole request head in this long is closed (Node only). */
  headersTimeoutMs?: number;
  /** Connections beyond this many are closed as they arrive (Node only). */
  maxConnections?: number;
}

/**
 * Listens with the runtime's own server: Node's `http` under the fetch handler (src/http/node-listener.ts),
 * Bun via Bun.serve. No request
 * or idle timeout that could cut a long generation: Node's requestTimeout is off and Bun's
 * idleTimeout is 0 (off), since a chat passthrough stream can be silent while the model thinks.
 *
 * Turning requestTimeout off also turns off Node's headersTimeout (it defaults to the smaller of the
 * two), which let a client that sends half a request head hold its connection forever. It is set
 * again on its own: it only covers the head, never a body being uploaded or an answer being streamed.
 * Node looks for expired heads every connectionsCheckingInterval (30 s by default); a quarter of the
 * timeout, at most 5 s, closes such a connection soon after its time.
 */
export function listen(fetch: FetchHandler, host: string, port: number, limits: ServerLimits = {}): Promise<RunningServer> {
  const urlFor = (p: number) => `http://${host.includes(":") ? `[${host}]` : host}:${p}`;
  // [U] Bun.serve has no head timeout or connection cap to set (Bun 1.x).
  if (bun) return Promise.resolve(bunServer(bun.serve({ fetch, hostname: host, port, idleTimeout: 0 }), urlFor));
  const headersTimeout = limits.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const serverOptions = {
    requestTimeout: 0,
    headersTimeout,
    connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(headersTimeout / 4))),
  };
  return new Promise((resolve, reject) => {
    const restoreResponse = installLightResponse();
    try {
      const server = createServer(serverOptions, nodeListener(fetch, host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`));
      server.maxConnections = limits.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
      server.once("close", restoreResponse);
      server.on("error", (error) => {
        if (!server.listening) restoreResponse();
        reject(error);
      });
      server.listen(port, host, () => {
        const { port: bound } = server.address() as AddressInfo;
        resolve(nodeServer(server, bound, urlFor(bound)));
      });
    } catch (error) {
      restoreResponse();
      reject(error);
    }
  });
}

function nodeServer(server: Server, port: number, url: string): RunningServer {
  const sockets = new Set<Socket>();
  let requests = 0;
  let draining = false;
  let closed: Promise<void> | undefined;
  const idleWaiters = new Set<() => void>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("request", (_req: unknown, res: { headersSent?: boolean; once(event: "close", listener: () => void): void; setHeader?(n: string, v: string): void }) => {
    requests += 1;
    // While draining, a keep-alive client is told to reconnect elsewhere rather than reuse this one.
    if (draining && !res.headersSent) res.setHeader?.("connection", "close");
    res.once("close", () => {
      requests -= 1;
      if (!draining) return;
      server.closeIdleConnections();
      if (requests === 0) for (const done of idleWaiters) done();
    });
  });
  /** server.close() once: it stops accepting and calls back when the last connection has gone. */
  const stopAccepting = () => (closed ??= new Promise<void>((done) => server.close(() => done())));
  return {
    url,
    port,
    stats: () => ({ connections: sockets.size, requests }),
    async drain(graceMs) {
      draining = true;
      void stopAccepting();
      server.closeIdleConnections?.();
      if (requests === 0) return true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let finish: () => void = () => {};
      const drained = await new Promise<boolean>((resolve) => {
        finish = () => resolve(true);
        idleWaiters.add(finish);
        timer = setTimeout(() => resolve(requests === 0), graceMs);
      });
      clearTimeout(timer);
      idleWaiters.delete(finish);
      return drained;
    },
    async close() {
      const done = stopAccepting();
      server.closeAllConnections?.();
      for (const socket of sockets) socket.destroy();
      await done;
    },
  };
}

function bunServer(server: BunServer, urlFor: (port: number) => string): RunningServer {
  return {
    url: urlFor(server.port),
    port: server.port,
    stats: () => ({ connections: 0, requests: server.pendingRequests ?? 0 }),
    async drain(graceMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      // stop(false): no new connections, in-flight requests go on; it settles once they are done.
      const drained = await Promise.race([
        Promise.resolve(server.stop(false)).then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ]);
      clearTimeout(timer);
      return drained;
    },
    close: async () => {
      await server.stop(true);
    },
  };
}
