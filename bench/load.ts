// The bench's load generator: undici with one pooled Agent (keep-alive connections reused across
// requests), N requests spread over `concurrency` workers, timing each one's first body byte and end.
import { performance } from "node:perf_hooks";
import { Agent } from "undici";

export interface Target {
  origin: string;
  path: string;
  method?: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

export interface Sample {
  status: number;
  /** Request sent → first body byte. */
  ttfbMs: number;
  /** Request sent → last body byte. */
  totalMs: number;
  bytes: number;
  /** The whole body, for the requests picked for validation. */
  text?: string;
}

export interface BatchResult {
  samples: Sample[];
  wallMs: number;
  errors: string[];
}

export const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 128, headersTimeout: 60_000, bodyTimeout: 60_000 });

export async function send(target: Target, keepText: boolean): Promise<Sample> {
  const t0 = performance.now();
  const res = await agent.request({
    origin: target.origin,
    path: target.path,
    method: target.method ?? "POST",
    headers: target.headers,
    body: target.body,
  });
  const keepIt = keepText || res.statusCode !== 200;
  let first = 0;
  let bytes = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    if (first === 0) first = performance.now();
    bytes += chunk.length;
    if (keepIt) chunks.push(chunk);
  }
  const end = performance.now();
  if (first === 0) first = end;
  const sample: Sample = { status: res.statusCode, ttfbMs: first - t0, totalMs: end - t0, bytes };
  if (keepIt) sample.text = Buffer.concat(chunks).toString("utf8");
  return sample;
}

/**
 * Sends `count` requests, `concurrency` at a time. `target(i)` builds request i; `keep(i)` says
 * whether its body is kept for validation. Bounded: a request that fails is recorded, not retried.
 */
export async function runBatch(
  target: (i: number) => Target,
  count: number,
  concurrency: number,
  keep: (i: number) => boolean = () => false,
): Promise<BatchResult> {
  const samples: Sample[] = [];
  const errors: string[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      try {
        const s = await send(target(i), keep(i));
        samples.push(s);
        if (s.status !== 200) errors.push(`HTTP ${s.status}${s.text ? `: ${s.text.slice(0, 300)}` : ""}`);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { samples, wallMs: performance.now() - t0, errors };
}
