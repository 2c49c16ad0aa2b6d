import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A 1×1 PNG. */
export const PNG_BYTES = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
/** JPEG magic bytes and a JFIF header, then some payload: enough to be recognised by its bytes. */
export const JPEG_BYTES = Buffer.concat([Buffer.from("ffd8ffe000104a46494600010100000100010000", "hex"), Buffer.alloc(32, 7), Buffer.from("ffd9", "hex")]);

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ImageServer {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /** Paths requested (with query), in arrival order. */
  requests: string[];
  /** Resolves when a request for `path` (without query) arrives. */
  arrived(path: string): Promise<void>;
  /** Resolves when the connection of a request for `path` closes (finished or aborted). */
  closed(path: string): Promise<void>;
  /** Adds or replaces a route. */
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback serving the images (and the failures) the image-URL tests need:
 *
 * | path | answer |
 * |---|---|
 * | /img.png | the PNG, image/png |
 * | /img.bin | the PNG as application/octet-stream (the type must come from its bytes) |
 * | /photo | the JPEG, image/jpeg |
 * | /mislabelled.png | the PNG labelled image/jpeg |
 * | /missing.png | 404 |
 * | /page.html | an HTML page |
 * | /big.png?bytes=N | a PNG header padded to N bytes, with Content-Length |
 * | /endless.png | a PNG header and then zeros without end (chunked), until the client leaves |
 * | /redirect | 302 to /img.png (relative) |
 * | /redirect-abs | 301 to this server's /img.png (absolute) |
 * | /loop | 302 to /loop, forever |
 * | /to-ftp | 302 to an ftp: URL |
 * | /hang | never answers |
 */
export async function startImageServer(): Promise<ImageServer> {
  const requests: string[] = [];
  const arrivals = new Map<string, (() => void)[]>();
  const closes = new Map<string, (() => void)[]>();
  const routes = new Map<string, Handler>();
  const wake = (map: Map<string, (() => void)[]>, path: string) => {
    for (const w of map.get(path)?.splice(0) ?? []) w();
  };

  const send = (res: ServerResponse, status: number, type: string, body: Buffer | string) => {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  routes.set("/img.png", (_, res) => send(res, 200, "image/png", PNG_BYTES));
  routes.set("/img.bin", (_, res) => send(res, 200, "application/octet-stream", PNG_BYTES));
  routes.set("/photo", (_, res) => send(res, 200, "image/jpeg", JPEG_BYTES));
  routes.set("/mislabelled.png", (_, res) => send(res, 200, "image/jpeg", PNG_BYTES));
  routes.set("/missing.png", (_, res) => send(res, 404, "text/plain", "Not Found"));
  routes.set("/page.html", (_, res) => send(res, 200, "text/html; charset=utf-8", "<!doctype html><title>Not an image</title>"));
  routes.set("/big.png", (req, res) => {
    const n = Number(new URL(req.url ?? "/", "http://x").searchParams.get("bytes") ?? 0);
    send(res, 200, "image/png", Buffer.concat([PNG_BYTES.subarray(0, 8), Buffer.alloc(Math.max(0, n - 8))]));
  });
  routes.set("/endless.png", (_, res) => {
    res.writeHead(200, { "content-type": "image/png" });
    res.write(PNG_BYTES.subarray(0, 8));
    const chunk = Buffer.alloc(64 * 1024);
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) {
        // keep writing until the socket pushes back
      }
      if (!res.destroyed) res.once("drain", pump);
    };
    pump();
  });
  routes.set("/redirect", (_, res) => {
    res.writeHead(302, { location: "/img.png", "content-length": 0 });
    res.end();
  });
  routes.set("/loop", (_, res) => {
    res.writeHead(302, { location: "/loop", "content-length": 0 });
    res.end();
  });
  routes.set("/to-ftp", (_, res) => {
    res.writeHead(302, { location: "ftp://127.0.0.1/img.png", "content-length": 0 });
    res.end();
  });
  routes.set("/hang", () => {
    // never answers; the connection stays open until the client gives up or the server closes
  });

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push(req.url ?? "/");
    res.on("close", () => wake(closes, path));
    wake(arrivals, path);
    const handler = routes.get(path);
    if (handler) handler(req, res);
    else send(res, 404, "text/plain", "Not Found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes.set("/redirect-abs", (_, res) => {
    res.writeHead(301, { location: `${url}/img.png`, "content-length": 0 });
    res.end();
  });
  const waiter = (map: Map<string, (() => void)[]>) => (path: string) =>
    new Promise<void>((resolve) => {
      const list = map.get(path) ?? [];
      list.push(resolve);
      map.set(path, list);
    });

  return {
    url,
    requests,
    arrived: waiter(arrivals),
    closed: waiter(closes),
    route: (path, handler) => routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A loopback port nothing listens on: bound, then released, so connecting to it is refused. */
export async function refusedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
