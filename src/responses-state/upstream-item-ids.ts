/**
 * Copilot's own id for each reasoning item whose id we replaced with a stable one.
 *
 * Copilot rotates item ids on every stream event (copilot-upstream.md 6; its ids are
 * connection-bound blobs), and clients that match events by item id lose track (opencode / the AI
 * SDK: "reasoning part rs_…:0 not found"), so each output item reaches the client under one id of
 * ours. Copilot binds a reasoning item's encrypted_content to its own id, though: sent back under
 * another id it answers 400 "Encrypted content item_id did not match the target item id"
 * (openclaw#71333, Floway#248). So our id is swapped back for Copilot's before the item goes
 * upstream again. Bounded in count and bytes, least recently used first out; a reasoning item
 * whose id was forgotten here (evicted, or from before a restart) is left out of the request
 * (with-upstream-item-ids.ts).
 */
export class UpstreamItemIds {
  private readonly ids = new Map<string, string>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxBytes = 8 * 1024 * 1024,
  ) {}

  remember(ours: string, copilots: string): void {
    this.forget(ours);
    const size = ours.length + copilots.length;
    if (size > this.maxBytes) return;
    this.ids.set(ours, copilots);
    this.bytes += size;
    for (const [id, raw] of this.ids) {
      if (this.ids.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.ids.delete(id);
      this.bytes -= id.length + raw.length;
    }
  }

  /** Copilot's id for one of ours; renews it. */
  upstream(ours: string): string | undefined {
    const raw = this.ids.get(ours);
    if (raw === undefined) return undefined;
    this.ids.delete(ours);
    this.ids.set(ours, raw);
    return raw;
  }

  private forget(ours: string): void {
    const raw = this.ids.get(ours);
    if (raw === undefined) return;
    this.ids.delete(ours);
    this.bytes -= ours.length + raw.length;
  }
}
