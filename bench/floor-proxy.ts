// The least a Node proxy can cost on this machine, for calibration: node:http in, undici's
// dispatcher out to the fake Copilot, bytes piped both ways untouched (no routing, parsing,
// translation or accounting). `npm run bench` runs the passthrough scenarios through it too, so the
// report can tell copilot-api's own cost from what any Node proxy pays here for sockets and HTTP.
// Prints its port; serves until stdin closes or SIGTERM.
import http from "node:http";
import { createRequire } from "node:module";
import type { Agent as AgentType } from "undici";

// The dispatcher alone, as src/upstream/http.ts loads it (undici's index loads every feature it has),
// plus undici's request() helper, which the index would have put on the dispatcher's prototype.
const requireCjs = createRequire(import.meta.url);
const Agent = requireCjs("undici/lib/dispatcher/agent.js") as typeof AgentType;
const undiciRequest = (requireCjs("undici/lib/api/index.js") as { request: AgentType["request"] }).request;

const upstream = process.argv[2];
const token = process.argv[3];
if (!upstream || !token) {
  process.stderr.write("usage: floor-proxy <capi url> <copilot token> [headers json]\n");
  process.exit(2);
}
const target = new URL(upstream);
const extraHeaders = JSON.parse(process.argv[4] ?? "{}") as Record<string, string>;
const agent = new Agent({ keepAliveTimeout: 30_000 });

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    // /v1/chat/completions → {capi}/chat/completions; /v1/messages → {capi}/v1/messages.
    const path = req.url === "/v1/chat/completions" ? "/chat/completions" : (req.url ?? "/");
    undiciRequest
      .call(agent, {
        origin: target.origin,
        path: `${target.pathname.replace(/\/+$/, "")}${path}`,
        method: "POST",
        headers: { ...extraHeaders, authorization: `Bearer ${token}`, "content-type": "application/json", "x-request-id": crypto.randomUUID() },
        body: Buffer.concat(chunks),
      })
      .then((up) => {
        res.writeHead(up.statusCode, { "content-type": String(up.headers["content-type"] ?? "application/json") });
        up.body.on("data", (c: Buffer) => res.write(c));
        up.body.on("end", () => res.end());
        up.body.on("error", () => res.destroy());
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
});
const stop = () => {
  server.close();
  server.closeAllConnections();
  void agent.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.once("SIGTERM", stop);
process.stdin.on("end", stop);
process.stdin.resume();
