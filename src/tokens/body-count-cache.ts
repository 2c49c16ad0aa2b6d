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
  /** What this entry holds, in bytes (approximately: strings at two bytes a character). */
  bytes: number;
}

/** Model names longer than this are never real ones: such bodies are counted, not remembered. */
export const MAX_REMEMBERED_MODEL_CHARS = 256;
const ENTRY_OVERHEAD_BYTES = 160;

export class BodyCountCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 256,
    private readonly maxBytes = 512 * 1024,
  ) {}

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
    if (bodyModel.length > MAX_REMEMBERED_MODEL_CHARS) return;
    let entry = this.entries.get(digest);
    if (entry) {
      this.entries.delete(digest);
      this.bytes -= entry.bytes;
    }
    if (!entry || entry.model !== bodyModel) {
      entry = { model: bodyModel, counts: new Map(), bytes: ENTRY_OVERHEAD_BYTES + 2 * (digest.length + bodyModel.length) };
    }
    const key = modelKey(model);
    if (!entry.counts.has(key)) entry.bytes += 2 * key.length + 16;
    entry.counts.set(key, count);
    this.entries.set(digest, entry);
    this.bytes += entry.bytes;
    while (this.entries.size > this.maxEntries || (this.bytes > this.maxBytes && this.entries.size > 1)) {
      const oldest = this.entries.keys().next().value as string;
      this.bytes -= this.entries.get(oldest)!.bytes;
      this.entries.delete(oldest);
    }
  }

  /** Entries and bytes held (for tests and metrics). */
  stats(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

/** What of a resolved model decides its count profile (model-profile.ts: vendor, id, family, tokenizer). */
function modelKey(model: CopilotModel | undefined): string {
  if (!model) return "";
  const caps = model.capabilities as { family?: unknown; tokenizer?: unknown } | undefined;
  return JSON.stringify([model.id, model.vendor ?? null, caps?.family ?? null, caps?.tokenizer ?? null]);
}
