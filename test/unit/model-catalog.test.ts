import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";
import type { CopilotClient, CopilotRequest } from "../../src/upstream/copilot-client.js";
import { type CopilotModel, ModelCatalog } from "../../src/upstream/model-catalog.js";

function logger() {
  const warnings: string[] = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: (...a: unknown[]) => warnings.push(a.map(String).join(" ")),
    error: () => {},
    success: () => {},
    box: () => {},
    secret: () => {},
    setVerbose: () => {},
    prompt: async () => undefined,
  };
  return { log, warnings };
}

function fakeCopilot(answers: (() => unknown)[]) {
  const requests: CopilotRequest[] = [];
  const copilot = {
    async json<T>(req: CopilotRequest): Promise<T> {
      requests.push(req);
      const next = answers.shift();
      if (!next) throw new Error("unexpected /models call");
      const value = next();
      if (value instanceof Error) throw value;
      return value as T;
    },
  };
  return { copilot: copilot as unknown as CopilotClient, requests };
}

const m = (id: string): CopilotModel => ({ id, capabilities: { type: "chat" } });

describe("ModelCatalog", () => {
  it("loads /models with the model-access intent and indexes by id", async () => {
    let clock = 1000;
    const f = fakeCopilot([() => ({ object: "list", data: [m("a"), m("b")] })]);
    const cat = new ModelCatalog(f.copilot, logger().log, () => clock);
    assert.equal(cat.loaded, false);
    await cat.load();
    assert.equal(cat.loaded, true);
    assert.deepEqual(cat.list().map((x) => x.id), ["a", "b"]);
    assert.equal(cat.get("b")?.id, "b");
    assert.equal(cat.get("c"), undefined);
    assert.equal(f.requests[0]?.path, "/models");
    assert.equal(f.requests[0]?.method, "GET");
    assert.equal(f.requests[0]?.intent, "model-access");
    clock++;
  });

  it("a body without data gives an empty list rather than a crash", async () => {
    const cat = new ModelCatalog(fakeCopilot([() => ({})]).copilot, logger().log, () => 1);
    assert.deepEqual(await cat.load(), []);
  });

  it("refreshIfStale: fresh -> no call; stale by the wall clock -> reload", async () => {
    let clock = 1_000_000;
    const f = fakeCopilot([() => ({ data: [m("a")] }), () => ({ data: [m("a"), m("new")] })]);
    const cat = new ModelCatalog(f.copilot, logger().log, () => clock);
    await cat.load();
    clock += 9 * 60_000;
    await cat.refreshIfStale();
    assert.equal(f.requests.length, 1);
    clock += 2 * 60_000;
    await cat.refreshIfStale();
    assert.equal(f.requests.length, 2);
    assert.ok(cat.get("new"));
  });

  it("a failed refresh (429) keeps the cached list and waits a full interval before retrying", async () => {
    let clock = 1_000_000;
    const { log, warnings } = logger();
    const f = fakeCopilot([
      () => ({ data: [m("a")] }),
      () => new ApiError({ kind: "rate_limit", status: 429, message: "rate limited" }),
      () => ({ data: [m("b")] }),
    ]);
    const cat = new ModelCatalog(f.copilot, log, () => clock);
    await cat.load();
    clock += 11 * 60_000;
    await cat.refreshIfStale();
    assert.deepEqual(cat.list().map((x) => x.id), ["a"]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /keeping the cached one: rate limited/);
    await cat.refreshIfStale();
    assert.equal(f.requests.length, 2, "no hammering right after a failure");
    clock += 11 * 60_000;
    await cat.refreshIfStale();
    assert.deepEqual(cat.list().map((x) => x.id), ["b"]);
  });

  it("set() replaces the list and the index", () => {
    const cat = new ModelCatalog(fakeCopilot([]).copilot, logger().log, () => 0);
    cat.set([m("x")]);
    assert.equal(cat.loaded, true);
    assert.equal(cat.get("x")?.id, "x");
  });
});
