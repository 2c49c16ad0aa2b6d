import type { AddressInfo } from "node:net";
import { serve as nodeServe, type ServerType } from "@hono/node-server";

type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const bun = (globalThis as { Bun?: { serve(o: unknown): { port: number; stop(force?: boolean): void } } }).Bun;

/**
 * Listens with the runtime's own server: Node via @hono/node-server, Bun via Bun.serve. No request
 * or idle timeout that could cut a long generation: Node's requestTimeout is off and Bun's idle
 * timeout is at its maximum (streams send pings well inside it).
 */
export function listen(fetch: FetchHandler, host: string, port: number): Promise<RunningServer> {
  const urlFor = (p: number) => `http://${host.includes(":") ? `[${host}]` : host}:${p}`;
  if (bun) {
    const server = bun.serve({ fetch, hostname: host, port, idleTimeout: 255 });
    return Promise.resolve({ url: urlFor(server.port), port: server.port, close: async () => server.stop(true) });
  }
  return new Promise((resolve, reject) => {
    let server: ServerType;
    try {
      server = nodeServe({ fetch, hostname: host, port, serverOptions: { requestTimeout: 0 } as object }, (info: AddressInfo) => {
        resolve({
          url: urlFor(info.port),
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
              server.close(() => done());
            }),
        });
      });
      server.on("error", reject);
    } catch (error) {
      reject(error);
    }
  });
}
