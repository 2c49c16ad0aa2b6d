import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { parseConfigFile, parseImageFetchTimeout, resolveConfig } from "../../src/config.js";
import { decodeAnthropicRequest } from "../../src/dialects/anthropic/decode-request.js";
import { decodeChatRequest } from "../../src/dialects/openai-chat/decode-request.js";
import { decodeResponsesRequest } from "../../src/dialects/openai-responses/decode-request.js";
import { imageMediaType, sniffImageType } from "../../src/images/fetch-image.js";
import { chatImageSlots, messagesImageSlots, requestImageSlots, responsesImageSlots } from "../../src/images/image-slots.js";
import { DEFAULT_MAX_IMAGE_BYTES, type ImageInlining, inlineImages, MAX_CONCURRENT_DOWNLOADS, maxImageBytes } from "../../src/images/index.js";
import { createFetch, type FetchLike } from "../../src/upstream/http.js";
import { captureLogger } from "../helpers/harness.js";
import { type ImageServer, JPEG_BYTES, PNG_BYTES, startImageServer } from "../helpers/image-server.js";
import { within } from "../helpers/stream-check.js";

describe("image type", () => {
  test("PNG, JPEG, GIF and WebP are recognised by their bytes", () => {
    assert.equal(sniffImageType(PNG_BYTES), "image/png");
    assert.equal(sniffImageType(JPEG_BYTES), "image/jpeg");
    assert.equal(sniffImageType(Buffer.from("GIF89a\x01\x00\x01\x00", "latin1")), "image/gif");
    assert.equal(sniffImageType(Buffer.from("GIF87a\x01\x00\x01\x00", "latin1")), "image/gif");
    assert.equal(sniffImageType(Buffer.from("RIFF\x24\x00\x00\x00WEBPVP8 ", "latin1")), "image/webp");
    assert.equal(sniffImageType(Buffer.from("<html>")), undefined);
    assert.equal(sniffImageType(new Uint8Array()), undefined);
    assert.equal(sniffImageType(PNG_BYTES.subarray(0, 7)), undefined);
  });

  test("the bytes' own format first, then a declared image/* type, else nothing", () => {
    assert.equal(imageMediaType("image/jpeg", PNG_BYTES), "image/png");
    assert.equal(imageMediaType("application/octet-stream", PNG_BYTES), "image/png");
    assert.equal(imageMediaType(null, JPEG_BYTES), "image/jpeg");
    assert.equal(imageMediaType("image/svg+xml; charset=utf-8", Buffer.from("<svg/>")), "image/svg+xml");
    assert.equal(imageMediaType("IMAGE/JPG", Buffer.from("xx")), "image/jpeg");
    assert.equal(imageMediaType("text/html", Buffer.from("<html>")), undefined);
    assert.equal(imageMediaType(null, Buffer.from("<html>")), undefined);
    assert.equal(imageMediaType("image/png", new Uint8Array()), undefined);
    assert.equal(imageMediaType("image/<script>", Buffer.from("xx")), undefined);
  });

  test("one image's limit is the model's max_prompt_image_size, else 20 MB", () => {
    const model = (size: unknown) => ({ id: "m", capabilities: { limits: { vision: { max_prompt_image_size: size as number } } } });
    assert.equal(maxImageBytes(model(3145728)), 3145728);
    assert.equal(maxImageBytes(model(0)), DEFAULT_MAX_IMAGE_BYTES);
    assert.equal(maxImageBytes(model("big")), DEFAULT_MAX_IMAGE_BYTES);
    assert.equal(maxImageBytes({ id: "m" }), DEFAULT_MAX_IMAGE_BYTES);
    assert.equal(DEFAULT_MAX_IMAGE_BYTES, 20 * 1024 * 1024);
  });
});

describe("imageFetchTimeoutMs", () => {
  test("15 s by default; flag/file over COPILOT_API_IMAGE_FETCH_TIMEOUT_MS", () => {
    assert.equal(resolveConfig({}, {}).imageFetchTimeoutMs, 15_000);
    assert.equal(resolveConfig({}, { COPILOT_API_IMAGE_FETCH_TIMEOUT_MS: "2500" }).imageFetchTimeoutMs, 2500);
    assert.equal(resolveConfig({}, { COPILOT_API_IMAGE_FETCH_TIMEOUT_MS: "2500" }, { imageFetchTimeoutMs: 4000 }).imageFetchTimeoutMs, 4000);
    assert.equal(resolveConfig({ imageFetchTimeoutMs: 100 }, {}, { imageFetchTimeoutMs: 4000 }).imageFetchTimeoutMs, 100);
    assert.equal(parseConfigFile('{"imageFetchTimeoutMs": 3000}', "f.json").imageFetchTimeoutMs, 3000);
    assert.throws(() => parseConfigFile('{"imageFetchTimeoutMs": "3000"}', "f.json"), /imageFetchTimeoutMs" must be a number/);
  });

  test("anything but a positive whole number of milliseconds is refused, named", () => {
    for (const bad of [0, -1, 1.5, "abc", "1e3", 2 ** 31]) {
      assert.throws(() => parseImageFetchTimeout(bad), /imageFetchTimeoutMs, COPILOT_API_IMAGE_FETCH_TIMEOUT_MS/, String(bad));
    }
    assert.equal(parseImageFetchTimeout(" 250 "), 250);
  });
});

describe("where image URLs are found, named as the client wrote them", () => {
  const url = "https://img.example/a.png";
  test("chat: user and tool message content; data URIs, bare strings and other schemes are not fetched", () => {
    const body = {
      messages: [
        { role: "user", content: [{ type: "text", text: "x" }, { type: "image_url", image_url: { url } }, { type: "image_url", image_url: { url: "data:image/png;base64,AA" } }] },
        { role: "tool", tool_call_id: "c", content: [{ type: "image_url", image_url: { url: "HTTP://img.example/b.png" } }, { type: "image_url", image_url: url }] },
        { role: "user", content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }, null, { type: "image_url", image_url: { url: 5 } }] },
      ],
    };
    assert.deepEqual(
      chatImageSlots(body).map((s) => [s.field, s.url]),
      [
        ["messages[0].content[1].image_url.url", url],
        ["messages[1].content[0].image_url.url", "HTTP://img.example/b.png"],
      ],
    );
  });

  test("responses: message content and function_call_output arrays", () => {
    const body = {
      input: [
        { role: "user", content: [{ type: "input_image", image_url: url }] },
        { type: "function_call_output", call_id: "c", output: [{ type: "input_text", text: "t" }, { type: "input_image", image_url: url }] },
        { type: "function_call_output", call_id: "d", output: "text" },
      ],
    };
    assert.deepEqual(
      responsesImageSlots(body).map((s) => s.field),
      ["input[0].content[0].image_url", "input[1].output[1].image_url"],
    );
    assert.deepEqual(responsesImageSlots({ input: "hi" }), []);
  });

  test("messages: image blocks and tool_result content", () => {
    const image = { type: "image", source: { type: "url", url } };
    const body = {
      messages: [
        { role: "user", content: [{ type: "text", text: "x" }, image] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text", text: "x" }, image] }] },
        { role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AA" } }] },
      ],
    };
    const slots = messagesImageSlots(body);
    assert.deepEqual(
      slots.map((s) => s.field),
      ["messages.0.content.1.source.url", "messages.1.content.0.content.1.source.url"],
    );
    slots[0]!.apply({ mediaType: "image/png", data: "QUJD", bytes: 3 });
    assert.deepEqual(body.messages[0]!.content[1], { type: "image", source: { type: "base64", media_type: "image/png", data: "QUJD" } });
  });

  test("the IR carries each decoder's field path for its URL images", () => {
    const chat = decodeChatRequest({
      model: "m",
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: [{ type: "image_url", image_url: { url } }, { type: "image_url", image_url: url }] },
        { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c", content: [{ type: "image_url", image_url: { url } }] },
      ],
    });
    assert.deepEqual(
      requestImageSlots(chat).map((s) => s.field),
      ["messages[1].content[0].image_url.url", "messages[1].content[1].image_url", "messages[3].content[0].image_url.url"],
    );
    const responses = decodeResponsesRequest({
      model: "m",
      input: [
        { role: "user", content: [{ type: "input_image", image_url: url }] },
        { type: "function_call", call_id: "c", name: "f", arguments: "{}" },
        { type: "function_call_output", call_id: "c", output: [{ type: "input_image", image_url: url }] },
      ],
    });
    assert.deepEqual(requestImageSlots(responses).map((s) => s.field), ["input[0].content[0].image_url", "input[2].output[0].image_url"]);
    const anthropic = decodeAnthropicRequest({
      model: "m",
      max_tokens: 10,
      messages: [
        { role: "user", content: [{ type: "image", source: { type: "url", url } }] },
        { role: "assistant", content: [{ type: "tool_use", id: "t", name: "f", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "image", source: { type: "url", url } }] }] },
      ],
    });
    const slots = requestImageSlots(anthropic);
    assert.deepEqual(slots.map((s) => s.field), ["messages.0.content.0.source.url", "messages.2.content.0.content.0.source.url"]);
    slots[1]!.apply({ mediaType: "image/gif", data: "R0lG", bytes: 3 });
    const result = anthropic.messages[2]!.content[0] as { content: { source: unknown }[] };
    assert.deepEqual(result.content[0]!.source, { kind: "base64", mediaType: "image/gif", data: "R0lG" });
  });
});

describe("inlineImages over a real loopback server", () => {
  let img: ImageServer;
  const held: ServerResponse[] = [];
  let onHeld: (() => void) | undefined;
  before(async () => {
    img = await startImageServer();
    img.route("/held", (_, res) => {
      held.push(res);
      onHeld?.();
    });
  });
  after(async () => {
    await img.close();
  });

  const context = (fetch: FetchLike, over: Partial<ImageInlining> = {}): (() => ImageInlining) => () => ({
    fetch,
    log: captureLogger([]),
    timeoutMs: 10_000,
    maxBytes: 1024,
    totalBytes: 1024 * 1024,
    signal: new AbortController().signal,
    ...over,
  });

  test(`at most ${MAX_CONCURRENT_DOWNLOADS} downloads at a time per request`, async () => {
    const real = createFetch(false);
    let started = 0;
    const counting: FetchLike = (url, init) => {
      started += 1;
      return real(url, init);
    };
    const body = { messages: [{ role: "user", content: Array.from({ length: 7 }, (_, i) => ({ type: "image_url", image_url: { url: `${img.url}/held?${i}` } })) }] };
    const allHeld = new Promise<void>((resolve) => {
      onHeld = () => {
        if (held.length === MAX_CONCURRENT_DOWNLOADS) resolve();
      };
    });
    const done = inlineImages(chatImageSlots(body), context(counting));
    await within(10_000, "the first downloads to arrive", allHeld);
    // Every download that could start has started by now (they start synchronously): only the limit's worth.
    assert.equal(started, MAX_CONCURRENT_DOWNLOADS);
    const answer = (res: ServerResponse) => res.writeHead(200, { "content-type": "image/png" }).end(PNG_BYTES);
    onHeld = () => answer(held.at(-1)!);
    for (const res of held) answer(res);
    await within(10_000, "all downloads", done);
    assert.equal(started, 7);
    for (const part of body.messages[0]!.content) assert.equal(part.image_url.url, `data:image/png;base64,${PNG_BYTES.toString("base64")}`);
  });

  test("the request's images together are bounded too", async () => {
    const body = {
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: `${img.url}/big.png?bytes=600` } },
            { type: "image_url", image_url: { url: `${img.url}/big.png?bytes=601` } },
          ],
        },
      ],
    };
    await assert.rejects(
      inlineImages(chatImageSlots(body), context(createFetch(false), { totalBytes: 1000 })),
      (e: { status?: number; message?: string; param?: string }) =>
        e.status === 400 && /^messages\[0\]\.content\[\d\]\.image_url\.url: .*the request's images add up to more than 1000 bytes$/.test(e.message ?? ""),
    );
  });

  test("an aborted request downloads nothing and is a cancellation", async () => {
    const before = img.requests.length;
    const body = { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `${img.url}/img.png` } }] }] };
    await assert.rejects(
      inlineImages(chatImageSlots(body), context(createFetch(false), { signal: AbortSignal.abort() })),
      (e: { status?: number }) => e.status === 499,
    );
    assert.equal(img.requests.length, before);
  });

  test("URLs with credentials are refused without a request", async () => {
    const before = img.requests.length;
    const url = img.url.replace("http://", "http://user:secret@");
    const body = { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `${url}/img.png` } }] }] };
    await assert.rejects(inlineImages(chatImageSlots(body), context(createFetch(false))), (e: { message?: string }) =>
      /URLs with credentials are not fetched$/.test(e.message ?? "") && !(e.message ?? "").includes("secret"),
    );
    assert.equal(img.requests.length, before);
  });
});
