// Image URLs may not reach the machine or its networks (loopback, private, link-local, ...) unless
// imageUrlsAllowPrivate is set. A canary HTTP server on loopback (127.0.0.1, and ::1 where the
// machine has IPv6) would serve a valid image to anything that reached it: it must see no request,
// whatever spelling of its address a URL uses, directly or through a redirect.
import assert from "node:assert/strict";
import type { LookupAddress } from "node:dns";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { isPublicAddress } from "../../src/images/address-policy.js";
import { createImageClient } from "../../src/images/image-client.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { PNG_BYTES } from "../helpers/image-server.js";
import { assertErrorBody, postJson } from "../helpers/stream-check.js";

interface Canary {
  port: number;
  hits: string[];
  close(): Promise<void>;
}

/** Serves a PNG on 127.0.0.1:port (and [::1]:port when it can), recording every request. */
async function startCanary(host = "127.0.0.1", extraHost?: string): Promise<Canary> {
  const hits: string[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    hits.push(`${req.socket.localAddress} ${req.url}`);
    const to = new URL(req.url ?? "/", "http://x").searchParams.get("to");
    if (to) res.writeHead(302, { location: to }).end();
    else res.writeHead(200, { "content-type": "image/png" }).end(PNG_BYTES);
  };
  const servers = [http.createServer(handler)];
  await new Promise<void>((resolve) => servers[0]!.listen(0, host, resolve));
  const port = (servers[0]!.address() as AddressInfo).port;
  if (extraHost) {
    const extra = http.createServer(handler);
    // A machine without IPv6 has no ::1: the refusal is still checked, on 127.0.0.1 alone.
    const listening = await new Promise<boolean>((resolve) => extra.once("error", () => resolve(false)).listen(port, extraHost, () => resolve(true)));
    if (listening) servers.push(extra);
  }
  return {
    port,
    hits,
    close: () => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined),
  };
}

const chat = (url: string) => ({ model: "gpt-4.1", messages: [{ role: "user", content: [{ type: "text", text: "what is this" }, { type: "image_url", image_url: { url } }] }] });
const UNTOLD = "messages[0].content[1].image_url.url: the image could not be downloaded (it must be a public http(s) URL";

describe("image URLs never reach loopback or private addresses by default", () => {
  let h: Harness;
  let canary: Canary;
  before(async () => {
    canary = await startCanary("127.0.0.1", "::1");
    h = await startHarness();
  });
  after(async () => {
    await h.close();
    await canary.close();
  });

  const forms = (p: number) => [
    `http://127.0.0.1:${p}/img.png`,
    `http://localhost:${p}/img.png`,
    `http://localhost.:${p}/img.png`,
    `http://127.1:${p}/img.png`,
    `http://2130706433:${p}/img.png`,
    `http://0x7f.0.0.1:${p}/img.png`,
    `http://0177.0.0.1:${p}/img.png`,
    `http://0.0.0.0:${p}/img.png`,
    `http://0:${p}/img.png`,
    `http://[::1]:${p}/img.png`,
    `http://[::ffff:127.0.0.1]:${p}/img.png`,
    `http://[::ffff:7f00:1]:${p}/img.png`,
    `http://[::]:${p}/img.png`,
    `https://127.0.0.1:${p}/img.png`,
  ];

  test("every spelling of a loopback address is refused with the same answer, and nothing is requested", async () => {
    const answers = new Set<string>();
    for (const url of forms(canary.port)) {
      const res = await postJson(`${h.url}/v1/chat/completions`, chat(url));
      const json = (await res.json()) as { error: { message: string } };
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(json)}`);
      assert.ok(json.error.message.startsWith(UNTOLD), `${url}: ${json.error.message}`);
      answers.add(json.error.message);
      assert.deepEqual(canary.hits, [], `${url} reached the canary`);
    }
    assert.equal(answers.size, 1, "one answer for every refusal");
    assert.equal(h.fake.calls.filter((c) => c.method === "POST").length, 0, "nothing reached Copilot");
  });

  test("private, link-local and metadata addresses: the same answer as a refused connection", async () => {
    const messages = new Set<string>();
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/x.png", "http://192.168.1.1/x.png", "http://[fd00:ec2::254]/", "http://[fe80::1]/x.png", "http://100.64.0.1/x.png"]) {
      const res = await postJson(`${h.url}/v1/messages`, {
        model: "claude-sonnet-4.5",
        max_tokens: 16,
        messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url } }] }],
      });
      assert.equal(res.status, 400);
      messages.add(assertErrorBody("messages", await res.json()).message);
    }
    assert.equal(messages.size, 1, [...messages].join("\n"));
  });
});

describe("image URL redirects and DNS answers are checked at every hop", () => {
  let h: Harness;
  let canary: Canary;
  let redirector: Canary;
  /** Names this test's DNS answers for. */
  const names: Record<string, string[]> = {};
  before(async () => {
    canary = await startCanary("127.0.0.1", "::1");
    // 127.0.0.2 stands in for a public host: the address rule is widened to it, and to it alone.
    redirector = await startCanary("127.0.0.2");
    names["images.test"] = ["127.0.0.2"];
    names["rebind.test"] = ["127.0.0.2", "127.0.0.1"];
    names["canary.test"] = ["127.0.0.1"];
    h = await startHarness();
    h.runtime.images = createImageClient({
      proxyEnv: false,
      allowPrivate: false,
      allowed: (ip) => ip === "127.0.0.2" || isPublicAddress(ip),
      lookup: ((host: string, _options: unknown, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
        const found = names[host.replace(/\.$/, "")];
        if (!found) return callback(Object.assign(new Error(`ENOTFOUND ${host}`), { code: "ENOTFOUND" }), []);
        callback(null, found.map((address) => ({ address, family: 4 })));
      }) as never,
    });
  });
  after(async () => {
    await h.close();
    await canary.close();
    await redirector.close();
  });

  test("control: an allowed host, by address and by name, is downloaded, redirects included", async () => {
    for (const url of [`http://127.0.0.2:${redirector.port}/img.png`, `http://images.test:${redirector.port}/img.png`, `http://127.0.0.2:${redirector.port}/r?to=/img.png`]) {
      const res = await postJson(`${h.url}/v1/chat/completions`, chat(url));
      assert.equal(res.status, 200, `${url}: ${await res.clone().text()}`);
    }
    assert.ok(redirector.hits.length >= 4, redirector.hits.join(", "));
  });

  test("a redirect to any spelling of a private address is refused before it is followed", async () => {
    const p = canary.port;
    const targets = [
      `http://127.0.0.1:${p}/img.png`,
      `http://localhost:${p}/img.png`,
      `http://canary.test:${p}/img.png`,
      `http://2130706433:${p}/img.png`,
      `http://0x7f.0.0.1:${p}/img.png`,
      `http://[::1]:${p}/img.png`,
      `http://[::ffff:127.0.0.1]:${p}/img.png`,
      `http://169.254.169.254/latest/meta-data/`,
    ];
    for (const target of targets) {
      const before = redirector.hits.length;
      const res = await postJson(`${h.url}/v1/chat/completions`, chat(`http://127.0.0.2:${redirector.port}/r?to=${encodeURIComponent(target)}`));
      const json = (await res.json()) as { error: { message: string } };
      assert.equal(res.status, 400, `${target}: ${JSON.stringify(json)}`);
      assert.ok(json.error.message.startsWith(UNTOLD), json.error.message);
      assert.equal(redirector.hits.length, before + 1, "the first hop was made");
      assert.deepEqual(canary.hits, [], `a redirect to ${target} reached the canary`);
    }
  });

  test("a name with any refused address in its answer is refused; the socket only gets checked addresses", async () => {
    for (const url of [`http://rebind.test:${canary.port}/img.png`, `http://canary.test:${canary.port}/img.png`]) {
      const res = await postJson(`${h.url}/v1/chat/completions`, chat(url));
      assert.equal(res.status, 400);
    }
    assert.deepEqual(canary.hits, []);
  });
});

describe("image URL limits", () => {
  let h: Harness;
  let canary: Canary;
  before(async () => {
    canary = await startCanary();
  });
  after(async () => {
    await canary.close();
  });

  test("imageUrls off: a URL is a 400 and nothing is requested", async () => {
    h = await startHarness({ config: { imageUrls: false, imageUrlsAllowPrivate: true } });
    try {
      const res = await postJson(`${h.url}/v1/chat/completions`, chat(`http://127.0.0.1:${canary.port}/img.png`));
      const json = (await res.json()) as { error: { message: string; param?: string } };
      assert.equal(res.status, 400);
      assert.match(json.error.message, /does not download images given by URL/);
      assert.equal(json.error.param, "messages[0].content[1].image_url.url");
      assert.deepEqual(canary.hits, []);
    } finally {
      await h.close();
    }
  });

  test("more distinct URLs than the model's max_prompt_images: a 400 before any download", async () => {
    h = await startHarness({ config: { imageUrlsAllowPrivate: true } });
    try {
      // The fake's models allow 5 images a prompt.
      const content = Array.from({ length: 6 }, (_, i) => ({ type: "image_url", image_url: { url: `http://127.0.0.1:${canary.port}/img.png?${i}` } }));
      const res = await postJson(`${h.url}/v1/chat/completions`, { model: "gpt-4.1", messages: [{ role: "user", content }] });
      const json = (await res.json()) as { error: { message: string; param?: string } };
      assert.equal(res.status, 400, JSON.stringify(json));
      assert.match(json.error.message, /gives 6 image URLs; at most 5/);
      assert.equal(json.error.param, "messages[0].content[5].image_url.url");
      assert.deepEqual(canary.hits, []);
    } finally {
      await h.close();
    }
  });
});
