import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FakeModel } from "../fake-upstream/models.js";
import type { RecordedCall } from "../fake-upstream/types.js";
import { cellModels } from "../helpers/cells.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { type ImageServer, JPEG_BYTES, PNG_BYTES, refusedPort, startImageServer } from "../helpers/image-server.js";
import { type ClientDialect, assertErrorBody, postJson, within } from "../helpers/stream-check.js";

/**
 * Known-failures case 8 / F6: Copilot answers `external image URLs are not supported`, so an image
 * given by http(s) URL is downloaded by the server and sent inline. The images come from a real
 * HTTP server on loopback; the fake Copilot refuses any http(s) image URL that reaches it, so a path
 * that forgot to inline one fails here.
 */

/** One image's limit in these tests: every model's limits.vision.max_prompt_image_size. */
const LIMIT = 64 * 1024;
const models = (): FakeModel[] =>
  cellModels().map((m) =>
    m.capabilities.limits.vision
      ? { ...m, capabilities: { ...m.capabilities, limits: { ...m.capabilities.limits, vision: { ...m.capabilities.limits.vision, max_prompt_image_size: LIMIT } } } }
      : m,
  );

const PNG_B64 = PNG_BYTES.toString("base64");
const PNG_URI = `data:image/png;base64,${PNG_B64}`;
const JPEG_URI = `data:image/jpeg;base64,${JPEG_BYTES.toString("base64")}`;

const PATHS: Record<ClientDialect, string> = { chat: "/v1/chat/completions", messages: "/v1/messages", responses: "/v1/responses" };

/** A one-image request in each dialect, with the field its URL sits at. */
function oneImage(dialect: ClientDialect, model: string, url: string): { body: Record<string, unknown>; field: string } {
  if (dialect === "chat") {
    return {
      body: { model, messages: [{ role: "user", content: [{ type: "text", text: "what is this" }, { type: "image_url", image_url: { url } }] }] },
      field: "messages[0].content[1].image_url.url",
    };
  }
  if (dialect === "messages") {
    return {
      body: { model, max_tokens: 256, messages: [{ role: "user", content: [{ type: "text", text: "what is this" }, { type: "image", source: { type: "url", url } }] }] },
      field: "messages.0.content.1.source.url",
    };
  }
  return {
    body: { model, input: [{ role: "user", content: [{ type: "input_text", text: "what is this" }, { type: "input_image", image_url: url, detail: "high" }] }] },
    field: "input[0].content[1].image_url",
  };
}

/** Every image Copilot received, as data URIs (Anthropic base64 sources written the same way). */
function inlineImages(call: RecordedCall): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== "object") return;
    const o = v as Record<string, any>;
    if (o.type === "image_url") out.push(typeof o.image_url === "string" ? o.image_url : o.image_url?.url);
    else if (o.type === "input_image") out.push(o.image_url);
    else if (o.type === "image" && o.source?.type === "base64") out.push(`data:${o.source.media_type};base64,${o.source.data}`);
    else if (o.type === "image") out.push(`(${o.source?.type} source)`);
    for (const x of Object.values(o)) walk(x);
  };
  walk(call.body);
  return out;
}

describe("image URLs are downloaded and sent to Copilot inline (known-failures case 8, F6)", () => {
  let h: Harness;
  let img: ImageServer;
  before(async () => {
    img = await startImageServer();
    // The image server is on loopback: allowed here, refused by default (image-url-addresses.test.ts).
    h = await startHarness({ fake: { models: models() }, config: { imageUrlsAllowPrivate: true } });
  });
  after(async () => {
    await h.close();
    await img.close();
  });

  const posts = (route: string) => h.fake.callsTo(route).filter((c) => c.method === "POST");
  const lastPost = (route: string) => {
    const call = posts(route).at(-1);
    assert.ok(call, `no POST reached ${route}`);
    return call;
  };
  const post = async (dialect: ClientDialect, body: unknown, init: RequestInit = {}) => {
    const res = await postJson(`${h.url}${PATHS[dialect]}`, body, init);
    return { status: res.status, json: (await res.json()) as any };
  };
  const ok = async (dialect: ClientDialect, body: unknown) => {
    const r = await post(dialect, body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };

  test("chat passthrough: image URLs in a user message and in a tool message's content arrive as data URIs", async () => {
    await ok("chat", {
      model: "gpt-4.1",
      tools: [{ type: "function", function: { name: "screenshot", parameters: { type: "object", properties: {} } } }],
      messages: [
        { role: "user", content: [{ type: "text", text: "what is this" }, { type: "image_url", image_url: { url: `${img.url}/img.png`, detail: "low" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "screenshot", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: [{ type: "text", text: "the screen" }, { type: "image_url", image_url: { url: `${img.url}/img.bin` } }] },
      ],
    });
    const call = lastPost("/chat/completions");
    assert.equal(call.body.messages[0].content[1].image_url.url, PNG_URI);
    assert.equal(call.body.messages[0].content[1].image_url.detail, "low");
    // Served as application/octet-stream: the type comes from the PNG's own bytes.
    assert.equal(call.body.messages[2].content[1].image_url.url, PNG_URI);
    assert.equal(call.headers["copilot-vision-request"], "true");
  });

  test("responses passthrough: input_image URLs in a message and in a function_call_output arrive as data URIs", async () => {
    await ok("responses", {
      model: "gpt-5.4",
      input: [
        { role: "user", content: [{ type: "input_text", text: "look" }, { type: "input_image", image_url: `${img.url}/photo`, detail: "high" }] },
        { type: "function_call", call_id: "c1", name: "screenshot", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: [{ type: "input_text", text: "the screen" }, { type: "input_image", image_url: `${img.url}/redirect` }] },
      ],
    });
    const call = lastPost("/responses");
    assert.equal(call.body.input[0].content[1].image_url, JPEG_URI);
    // The tool's image (reached through a redirect) went into the user message that follows the outputs.
    assert.deepEqual(inlineImages(call), [JPEG_URI, PNG_URI]);
    assert.equal(call.headers["copilot-vision-request"], "true");
  });

  test("messages native passthrough (Claude): url sources in a message and in a tool_result become base64 sources", async () => {
    await ok("messages", {
      model: "claude-sonnet-4.6",
      max_tokens: 256,
      tools: [{ name: "screenshot", input_schema: { type: "object", properties: {} } }],
      messages: [
        { role: "user", content: [{ type: "text", text: "see" }, { type: "image", source: { type: "url", url: `${img.url}/mislabelled.png` } }] },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "screenshot", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "image", source: { type: "url", url: `${img.url}/redirect-abs` } }] }] },
      ],
    });
    const call = lastPost("/v1/messages");
    // Labelled image/jpeg, but its bytes are PNG: the bytes win (Copilot checks them against the type).
    assert.deepEqual(call.body.messages[0].content[1].source, { type: "base64", media_type: "image/png", data: PNG_B64 });
    assert.deepEqual(call.body.messages[2].content[0].content[0].source, { type: "base64", media_type: "image/png", data: PNG_B64 });
    assert.equal(call.headers["copilot-vision-request"], "true");
  });

  test("translated paths: the IR's URL images are inlined for every upstream encoder", async () => {
    const cases: [ClientDialect, string, string][] = [
      ["messages", "gpt-5.4", "/responses"],
      ["messages", "gpt-4.1", "/chat/completions"],
      ["chat", "gpt-5.4", "/responses"],
      ["chat", "claude-messages-only", "/v1/messages"],
      ["responses", "claude-sonnet-4.5", "/v1/messages"],
      ["responses", "gpt-4.1", "/chat/completions"],
    ];
    for (const [dialect, model, upstream] of cases) {
      const before = posts(upstream).length;
      await ok(dialect, oneImage(dialect, model, `${img.url}/img.png`).body);
      assert.equal(posts(upstream).length, before + 1, `${dialect} → ${model} reached ${upstream}`);
      assert.deepEqual(inlineImages(lastPost(upstream)), [PNG_URI], `${dialect} → ${model}`);
      assert.equal(lastPost(upstream).headers["copilot-vision-request"], "true");
    }
  });

  test("translated tool results: an Anthropic tool_result image URL on a GPT model", async () => {
    await ok("messages", {
      model: "gpt-4.1",
      max_tokens: 256,
      tools: [{ name: "screenshot", input_schema: { type: "object", properties: {} } }],
      messages: [
        { role: "user", content: "take a screenshot" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "screenshot", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "image", source: { type: "url", url: `${img.url}/photo` } }] }] },
      ],
    });
    assert.deepEqual(inlineImages(lastPost("/chat/completions")), [JPEG_URI]);
  });

  test("one download per distinct URL; data: URIs are left as they are", async () => {
    const before = img.requests.length;
    const url = `${img.url}/img.png?once`;
    await ok("chat", {
      model: "gpt-4.1",
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url } },
            { type: "image_url", image_url: { url: JPEG_URI } },
            { type: "image_url", image_url: { url } },
          ],
        },
      ],
    });
    assert.deepEqual(img.requests.slice(before), ["/img.png?once"]);
    assert.deepEqual(inlineImages(lastPost("/chat/completions")), [PNG_URI, JPEG_URI, PNG_URI]);
  });

  describe("a URL that cannot be used is a 400 in the client's dialect naming the field, and nothing reaches Copilot", () => {
    let refused: number;
    before(async () => {
      refused = await refusedPort();
    });
    // Why a download failed is never told (it would map the server's network); the debug log has it.
    const UNTOLD = /downloaded \(it must be a public http\(s\) URL that serves a PNG, JPEG, GIF or WebP image; or send the image inline\)$/;
    const failures: [string, () => string, RegExp][] = [
      ["an HTTP error status", () => `${img.url}/missing.png`, UNTOLD],
      ["a body that is not an image", () => `${img.url}/page.html`, /: it is not an image \(its bytes are not PNG, JPEG, GIF or WebP, and it is not labelled image\/\*\)$/],
      ["an image over the model's size limit (Content-Length)", () => `${img.url}/big.png?bytes=${LIMIT + 1}`, new RegExp(`larger than the ${LIMIT}-byte limit`)],
      ["an unreachable host (connection refused)", () => `http://127.0.0.1:${refused}/img.png`, UNTOLD],
      ["a redirect loop", () => `${img.url}/loop`, UNTOLD],
      ["a redirect to another scheme", () => `${img.url}/to-ftp`, UNTOLD],
    ];
    for (const [name, url, reason] of failures) {
      for (const [dialect, model] of [["chat", "gpt-4.1"], ["messages", "claude-sonnet-4.6"], ["responses", "gpt-5.4"]] as const) {
        test(`${name}: ${dialect} passthrough`, async () => {
          const callsBefore = h.fake.calls.filter((c) => c.method === "POST").length;
          const { body, field } = oneImage(dialect, model, url());
          const r = await post(dialect, body);
          assert.equal(r.status, 400, JSON.stringify(r.json));
          const e = assertErrorBody(dialect, r.json);
          assert.equal(e.type, "invalid_request_error");
          assert.ok(e.message.startsWith(`${field}: the image could not be downloaded`), e.message);
          assert.match(e.message, reason);
          assert.ok(!e.message.includes(img.url) && !e.message.includes("127.0.0.1:"), `the URL is not echoed: ${e.message}`);
          if (dialect !== "messages") {
            assert.equal(r.json.error.param, field);
            assert.equal(r.json.error.code, "invalid_image_url");
          }
          assert.equal(h.fake.calls.filter((c) => c.method === "POST").length, callsBefore, "nothing reached Copilot");
        });
      }
    }

    test("an image without end stops being read at the limit", async () => {
      const closed = img.closed("/endless.png");
      const r = await post("chat", oneImage("chat", "gpt-4.1", `${img.url}/endless.png`).body);
      assert.equal(r.status, 400);
      assert.match(r.json.error.message, new RegExp(`larger than the ${LIMIT}-byte limit`));
      await within(10_000, "the endless download to be closed", closed);
    });

    test("translated paths name the field as the client wrote it", async () => {
      const cases: [ClientDialect, string][] = [
        ["messages", "gpt-5.4"],
        ["chat", "gpt-5.4"],
        ["responses", "claude-sonnet-4.5"],
      ];
      for (const [dialect, model] of cases) {
        const callsBefore = h.fake.calls.filter((c) => c.method === "POST").length;
        const { body, field } = oneImage(dialect, model, `${img.url}/missing.png`);
        const r = await post(dialect, body);
        assert.equal(r.status, 400, JSON.stringify(r.json));
        const e = assertErrorBody(dialect, r.json);
        assert.match(e.message, new RegExp(`^${field.replace(/[[\].]/g, "\\$&")}: the image could not be downloaded \\(it must be a public`));
        if (dialect !== "messages") assert.equal(r.json.error.param, field);
        assert.equal(h.fake.calls.filter((c) => c.method === "POST").length, callsBefore, "nothing reached Copilot");
      }
    });

    test("a tool result's image is named by its own path", async () => {
      const r = await post("messages", {
        model: "claude-sonnet-4.6",
        max_tokens: 256,
        messages: [
          { role: "user", content: "take a screenshot" },
          { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "screenshot", input: {} }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "image", source: { type: "url", url: `${img.url}/page.html` } }] }] },
        ],
      });
      assert.equal(r.status, 400);
      assert.match(r.json.error.message, /^messages\.2\.content\.0\.content\.0\.source\.url: the image could not be downloaded: it is not an image/);
    });
  });

  test("a client that leaves aborts its pending download, and Copilot is never called", async () => {
    const callsBefore = h.fake.calls.filter((c) => c.method === "POST").length;
    const arrived = img.arrived("/hang");
    const closed = img.closed("/hang");
    const client = new AbortController();
    const pending = postJson(`${h.url}/v1/chat/completions`, oneImage("chat", "gpt-4.1", `${img.url}/hang`).body, { signal: client.signal }).catch(
      (error: unknown) => error,
    );
    await within(10_000, "the download to start", arrived);
    client.abort();
    await within(10_000, "the download to be aborted", closed);
    assert.equal(((await pending) as Error).name, "AbortError");
    assert.equal(h.fake.calls.filter((c) => c.method === "POST").length, callsBefore);
  });

  test("the image bytes never reach the logs", () => {
    const all = h.logs.join("\n");
    assert.ok(!all.includes(PNG_B64), "image bytes in the logs");
    assert.ok(!all.includes(JPEG_BYTES.toString("base64")), "image bytes in the logs");
  });
});

describe("an image server that never answers is given up after imageFetchTimeoutMs", () => {
  let h: Harness;
  let img: ImageServer;
  before(async () => {
    img = await startImageServer();
    h = await startHarness({ fake: { models: models() }, config: { imageFetchTimeoutMs: 200, imageUrlsAllowPrivate: true } });
  });
  after(async () => {
    await h.close();
    await img.close();
  });

  for (const [dialect, model] of [["chat", "gpt-4.1"], ["messages", "claude-sonnet-4.6"], ["responses", "gpt-5.4"], ["messages", "gpt-5.4"]] as const) {
    test(`${dialect} → ${model}: a clean 400 naming the field, the connection closed`, async () => {
      const closed = img.closed("/hang");
      const { body, field } = oneImage(dialect, model, `${img.url}/hang`);
      const res = await postJson(`${h.url}${PATHS[dialect]}`, body);
      assert.equal(res.status, 400);
      const e = assertErrorBody(dialect, await res.json());
      assert.ok(e.message.startsWith(`${field}: the image could not be downloaded (it must be a public`), e.message);
      assert.ok(h.logs.some((l) => l.includes(`${field} failed: it did not arrive within 200 ms`)), "the reason is in the debug log");
      await within(10_000, "the hanging download to be closed", closed);
      assert.equal(h.fake.calls.filter((c) => c.method === "POST").length, 0);
    });
  }
});
