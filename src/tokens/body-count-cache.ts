// Whole-body memo for POST /v1/messages/count_tokens.
//
// Claude Code sends the same count_tokens body again and again (bursts of identical calls for `/context`,
// retries, the same turn counted before and after a tool call). The piece cache (piece-cache.ts) already
// spares re-tokenizing, but a repeat still paid for decoding, parsing, walking and fingerprinting ~100 KB
// of JSON: 2-3 ms of CPU on a small machine, which queues up behind concurrent calls. Keyed by a hash
// of the raw bytes, a repeat costs one SHA-1 of the body. Only successful counts are kept, per resolved
// model (the same body counted for another model or after a catalog change is counted again).

import { createHash } from "node:crypto";
import type { CopilotModel } from "../upstream/model-catalog.js";

interface Entry {
  /** The body's `model` field, to resolve the model again on a hit (aliases and the catalog may change). */
  model: string;
  counts: Map<string, number>;
}

export class BodyCountCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 256) {}

  static digest(body: Uint8Array): string {
    return createHash("sha1").update(body).digest("base64");
  }

  /** The `model` field of a body counted before, if any. */
  modelOf(digest: string): string | undefined {
    return this.entries.get(digest)?.model;
  }

  get(digest: string, model: CopilotModel | undefined): number | undefined {
    const entry = this.entries.get(digest);
    const n = entry?.counts.get(modelKey(model));
    if (n !== undefined) {
      // Most recently used last: Map iteration order is insertion order.
      this.entries.delete(digest);
      this.entries.set(digest, entry!);
    }
    return n;
  }

  set(digest: string, bodyModel: string, model: CopilotModel | undefined, count: number): void {
    let entry = this.entries.get(digest);
    if (!entry || entry.model !== bodyModel) entry = { model: bodyModel, counts: new Map() };
    this.entries.delete(digest);
    entry.counts.set(modelKey(model), count);
    this.entries.set(digest, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** What of a resolved model decides its count profile (model-profile.ts: vendor, id, family, tokenizer). */
function modelKey(model: CopilotModel | undefined): string {
  if (!model) return "";
  const caps = model.capabilities as { family?: unknown; tokenizer?: unknown } | undefined;
  return JSON.stringify([model.id, model.vendor ?? null, caps?.family ?? null, caps?.tokenizer ?? null]);
}
