// One round of concurrent client streams with random disconnects, shared by
// test/routes/disconnects.test.ts and bench/soak.ts. Each stream picks a client path (a Cell) and a
// fate: read to the end, or leave at some point. Streams that are left are long (the fake paces
// them), so the upstream is still sending when the client goes and must be aborted.
import { Agent, fetch as undiciFetch } from "undici";
import type { Cell } from "./cells.js";
import { readOutcome, streamRequest, within } from "./stream-check.js";

export type Fate =
  /** Reads the whole stream; it must end normally and be whole. */
  | "complete"
  /** Leaves as soon as the response headers arrive. */
  | "leave-at-headers"
  /** Leaves after reading 1..5 chunks. */
  | "leave-mid-stream"
  /** Leaves right after sending, before any answer: may or may not have reached the upstream. */
  | "leave-before-headers";

export interface RoundResult {
  fates: Record<Fate, number>;
  /** Streams that failed: the seed and index make them replayable. */
  failures: string[];
}

export interface RoundOptions {
  url: string;
  cells: Cell[];
  streams: number;
  random: () => number;
  /** The client's connection pool: closed by the caller to check server-side sockets. */
  dispatcher: Agent;
  /** Words in a stream that is read to the end. */
  completeWords?: number;
  /** Words in a stream that is left (long enough to still be running when the client goes). */
  leftWords?: number;
  /** Bound for one stream; a hang is a failure. */
  boundMs?: number;
}

const FATES: Fate[] = ["complete", "leave-at-headers", "leave-mid-stream", "leave-before-headers"];

export async function runDisconnectRound(o: RoundOptions): Promise<RoundResult> {
  const fates = Object.fromEntries(FATES.map((f) => [f, 0])) as Record<Fate, number>;
  const failures: string[] = [];
  const completeWords = o.completeWords ?? 20;
  const leftWords = o.leftWords ?? 300;
  const boundMs = o.boundMs ?? 30_000;

  const one = async (i: number): Promise<void> => {
    const cell = o.cells[Math.floor(o.random() * o.cells.length)]!;
    const r = o.random();
    // About 40% complete, 20% leave at headers, 30% mid-stream, 10% before headers.
    const fate: Fate = r < 0.4 ? "complete" : r < 0.6 ? "leave-at-headers" : r < 0.9 ? "leave-mid-stream" : "leave-before-headers";
    const chunksToRead = 1 + Math.floor(o.random() * 5);
    fates[fate] += 1;
    const words = fate === "complete" ? completeWords : leftWords;
    const { path, body } = streamRequest(cell.dialect, cell.model, `stream ${i} [[chunks:${words}]]`);
    const controller = new AbortController();
    const label = `#${i} ${cell.name} ${fate}`;
    try {
      const pending = undiciFetch(`${o.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify(body),
        signal: controller.signal,
        dispatcher: o.dispatcher,
      });
      if (fate === "leave-before-headers") {
        setImmediate(() => controller.abort());
        await pending.then((res) => res.body?.cancel()).catch(() => {});
        return;
      }
      const res = (await within(boundMs, `${label}: headers`, pending)) as unknown as Response;
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      if (fate === "complete") {
        const outcome = await within(boundMs, `${label}: body`, readOutcome(res, cell.dialect));
        if (outcome.kind !== "complete") throw new Error(`ended as ${outcome.kind}: ${outcome.error?.message}`);
        const got = outcome.text.trim().split(/\s+/).length;
        if (got !== completeWords) throw new Error(`${got} words instead of ${completeWords}`);
        return;
      }
      if (fate === "leave-mid-stream") {
        const reader = res.body!.getReader();
        for (let k = 0; k < chunksToRead; k++) {
          const { done } = await within(boundMs, `${label}: chunk ${k}`, reader.read());
          if (done) throw new Error(`a ${leftWords}-word stream ended after ${k} chunks`);
        }
      }
      controller.abort();
    } catch (error) {
      if (controller.signal.aborted && fate !== "complete") return;
      failures.push(`${label}: ${(error as Error).message}`);
    }
  };

  await Promise.all(Array.from({ length: o.streams }, (_, i) => one(i)));
  return { fates, failures };
}

export { Agent };
