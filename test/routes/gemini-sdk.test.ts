import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { GoogleGenAI, type Content, type FunctionDeclaration } from "@google/genai";
import { type Harness, startHarness } from "../helpers/harness.js";
import { nextRecord } from "../helpers/records.js";

/** A Claude model (native /v1/messages), a chat-only and a responses-only model of the fake catalog. */
const MODELS = [
  { model: "claude-sonnet-4.5", upstream: "/v1/messages" },
  { model: "gemini-2.5-pro", upstream: "/chat/completions" },
  { model: "gpt-5.4", upstream: "/responses" },
];

const bash: FunctionDeclaration = {
  name: "bash",
  description: "Run a shell command",
  parametersJsonSchema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
};

describe("Gemini API through the official @google/genai SDK", () => {
  let h: Harness;
  let ai: GoogleGenAI;

  before(async () => {
    h = await startHarness();
    ai = new GoogleGenAI({ apiKey: "dummy", httpOptions: { baseUrl: h.url, retryOptions: { attempts: 1 } } as never });
  });
  after(async () => {
    await h.close();
  });

  for (const { model, upstream } of MODELS) {
    test(`${model}: generateContent reaches ${upstream} and answers with text, finishReason and usage`, async () => {
      const r = await ai.models.generateContent({ model, contents: "hi there", config: { systemInstruction: "Be brief.", temperature: 0.5 } });
      assert.match(r.text ?? "", new RegExp(`Hello from fake Copilot \\(${model.replace(/\./g, "\\.")}\\): hi there`));
      assert.equal(r.candidates?.[0]?.finishReason, "STOP");
      assert.ok((r.usageMetadata?.promptTokenCount ?? 0) > 0);
      assert.ok((r.usageMetadata?.candidatesTokenCount ?? 0) > 0);
      assert.equal(r.usageMetadata?.totalTokenCount, (r.usageMetadata?.promptTokenCount ?? 0) + (r.usageMetadata?.candidatesTokenCount ?? 0));
      const call = h.fake.callsTo(upstream).at(-1)!;
      assert.equal(call.body.model, model);
      assert.equal(call.headers["x-initiator"], "user");
      const record = h.runtime.recorder.recent().at(-1)!;
      assert.equal(record.api, "gemini");
      assert.equal(record.model, model);
      assert.equal(record.endpoint, upstream);
    });

    test(`${model}: generateContentStream streams text chunks, then finishReason and usage`, async () => {
      const recorded = nextRecord(h.runtime.recorder, (r) => r.api === "gemini");
      const stream = await ai.models.generateContentStream({ model, contents: "count [[chunks:12]]" });
      const texts: string[] = [];
      let finish: string | undefined;
      let usage: unknown;
      for await (const chunk of stream) {
        if (chunk.text) texts.push(chunk.text);
        finish ??= chunk.candidates?.[0]?.finishReason;
        if (chunk.usageMetadata) usage = chunk.usageMetadata;
      }
      assert.ok(texts.length >= 2, "more than one chunk");
      assert.equal(texts.join("").trim().split(/\s+/).length, 12);
      assert.equal(finish, "STOP");
      assert.ok(usage);
      const record = await recorded;
      assert.equal(record.stream, true);
      assert.ok((record.outputTokens ?? 0) > 0, "the stream's usage reaches the recorder");
    });

    test(`${model}: function calling round trip`, async () => {
      const contents: Content[] = [{ role: "user", parts: [{ text: "please run echo hello" }] }];
      const first = await ai.models.generateContent({ model, contents, config: { tools: [{ functionDeclarations: [bash] }] } });
      const calls = first.functionCalls ?? [];
      assert.equal(calls.length, 1);
      assert.equal(calls[0]?.name, "bash");
      assert.deepEqual(calls[0]?.args, { command: "echo hello" });
      contents.push(first.candidates![0]!.content!);
      contents.push({ role: "user", parts: [{ functionResponse: { id: calls[0]!.id, name: "bash", response: { output: "hello" } } }] });
      const second = await ai.models.generateContent({ model, contents, config: { tools: [{ functionDeclarations: [bash] }] } });
      assert.match(second.text ?? "", /Tool result: hello/);
      assert.equal(h.fake.callsTo(upstream).at(-1)!.headers["x-initiator"], "agent", "a tool follow-up is billed as agent");
    });

    test(`${model}: a streamed function call, with Google's own schema in parameters`, async () => {
      const stream = await ai.models.generateContentStream({
        model,
        contents: "please run ls -la",
        config: {
          tools: [{ functionDeclarations: [{ name: "bash", parameters: { type: "OBJECT" as never, properties: { command: { type: "STRING" as never } } } }] }],
          toolConfig: { functionCallingConfig: { mode: "AUTO" as never } },
        },
      });
      const calls: { name?: string; args?: unknown }[] = [];
      for await (const chunk of stream) calls.push(...(chunk.functionCalls ?? []));
      assert.deepEqual(calls.map((c) => [c.name, c.args]), [["bash", { command: "ls -la" }]]);
      const tools = JSON.stringify(h.fake.callsTo(upstream).at(-1)!.body.tools);
      assert.match(tools, /"type":"object"/);
      assert.doesNotMatch(tools, /"OBJECT"/);
    });

    test(`${model}: countTokens is counted locally`, async () => {
      const before = h.fake.calls.length;
      const r = await ai.models.countTokens({ model, contents: "How many tokens is this sentence?" });
      assert.ok((r.totalTokens ?? 0) > 5 && (r.totalTokens ?? 0) < 40, `got ${r.totalTokens}`);
      assert.equal(h.fake.calls.length, before, "no upstream call");
    });
  }

  test("embedContent (batchEmbedContents underneath) gives one vector per input", async () => {
    const r = await ai.models.embedContent({ model: "text-embedding-3-small", contents: ["first text", "second text"] });
    assert.equal(r.embeddings?.length, 2);
    assert.equal(r.embeddings?.[0]?.values?.length, 8);
    assert.notDeepEqual(r.embeddings?.[0]?.values, r.embeddings?.[1]?.values);
    assert.deepEqual(h.fake.callsTo("/embeddings").at(-1)!.body.input, ["first text", "second text"]);
  });

  test("models.list and models.get in Google's shape", async () => {
    const names: string[] = [];
    for await (const m of await ai.models.list()) names.push(m.name ?? "");
    assert.ok(names.includes("models/claude-sonnet-4.5"));
    assert.ok(names.includes("models/text-embedding-3-small"));
    const m = await ai.models.get({ model: "gpt-4.1" });
    assert.equal(m.name, "models/gpt-4.1");
    assert.ok((m.inputTokenLimit ?? 0) > 0);
  });

  test("an unknown model is Google's NOT_FOUND error, which the SDK raises with its status", async () => {
    await assert.rejects(ai.models.generateContent({ model: "no-such-model", contents: "hi" }), (error: Error & { status?: number }) => {
      assert.equal(error.status, 404);
      assert.match(error.message, /NOT_FOUND/);
      assert.match(error.message, /no-such-model/);
      return true;
    });
  });
});

describe("Gemini thinking through the SDK", () => {
  let h: Harness;
  let ai: GoogleGenAI;

  before(async () => {
    h = await startHarness();
    ai = new GoogleGenAI({ apiKey: "dummy", httpOptions: { baseUrl: h.url, apiVersion: "v1beta", retryOptions: { attempts: 1 } } as never });
  });
  after(async () => {
    await h.close();
  });

  test("Claude's signed thinking comes back through the call's thoughtSignature, and reaches Claude again", async () => {
    const config = { tools: [{ functionDeclarations: [bash] }], thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 } };
    const contents: Content[] = [{ role: "user", parts: [{ text: "please run echo hi" }] }];
    const stream = await ai.models.generateContentStream({ model: "claude-sonnet-4.5", contents, config });
    const parts: NonNullable<Content["parts"]> = [];
    for await (const chunk of stream) parts.push(...(chunk.candidates?.[0]?.content?.parts ?? []));
    assert.ok(parts.some((p) => p.thought && p.text), "thought text is shown when includeThoughts is set");
    const call = parts.find((p) => p.functionCall);
    assert.ok(call?.thoughtSignature?.startsWith("cpk:anthropic:"), "the signature rides on the call");
    assert.equal(h.fake.callsTo("/v1/messages").at(-1)!.body.thinking?.type, "enabled");
    // As Gemini CLI keeps history: thought parts dropped, the call with its signature kept.
    contents.push({ role: "model", parts: parts.filter((p) => !p.thought) });
    contents.push({ role: "user", parts: [{ functionResponse: { id: call!.functionCall!.id, name: "bash", response: { output: "hi" } } }] });
    const second = await ai.models.generateContent({ model: "claude-sonnet-4.5", contents, config });
    assert.match(second.text ?? "", /Tool result: hi/);
    const sent = h.fake.callsTo("/v1/messages").at(-1)!.body.messages as { role: string; content: { type: string; signature?: string }[] }[];
    const thinking = sent[1]?.content.find((b) => b.type === "thinking");
    assert.ok(thinking?.signature, "Claude gets its own signed thinking back");
  });

  test("without includeThoughts no thought text is sent, but the state still travels", async () => {
    const r = await ai.models.generateContent({
      model: "claude-sonnet-4.5",
      contents: "please run echo hi",
      config: { tools: [{ functionDeclarations: [bash] }], thinkingConfig: { thinkingBudget: 2048 } },
    });
    const parts = r.candidates?.[0]?.content?.parts ?? [];
    assert.ok(!parts.some((p) => p.thought));
    assert.ok(parts.find((p) => p.functionCall)?.thoughtSignature?.startsWith("cpk:anthropic:"));
    assert.ok((r.usageMetadata?.thoughtsTokenCount ?? 0) >= 0);
  });

  test("x-goog-api-key and ?key= are accepted as API keys; a wrong key is Google's UNAUTHENTICATED", async () => {
    const k = await startHarness({ config: { apiKeys: ["secret-key"] } });
    try {
      const good = new GoogleGenAI({ apiKey: "secret-key", httpOptions: { baseUrl: k.url, retryOptions: { attempts: 1 } } as never });
      assert.match((await good.models.generateContent({ model: "gpt-4.1", contents: "hi" })).text ?? "", /Hello/);
      const viaQuery = await fetch(`${k.url}/v1beta/models/gpt-4.1:generateContent?key=secret-key`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ parts: [{ text: "hi" }] }] }),
      });
      assert.equal(viaQuery.status, 200);
      const bad = new GoogleGenAI({ apiKey: "wrong", httpOptions: { baseUrl: k.url, retryOptions: { attempts: 1 } } as never });
      await assert.rejects(bad.models.generateContent({ model: "gpt-4.1", contents: "hi" }), (error: Error & { status?: number }) => {
        assert.equal(error.status, 401);
        assert.match(error.message, /UNAUTHENTICATED/);
        return true;
      });
    } finally {
      await k.close();
    }
  });
});
