// Deterministic id generator: the n-th id of a server instance is always the same.
import { createHash } from "node:crypto";

export class IdGen {
  private counter = 0;
  constructor(private readonly seed = "fake-copilot") {}

  /** prefix + `len` hex characters derived from a per-instance counter. */
  next(prefix: string, len = 24): string {
    this.counter += 1;
    let hex = "";
    for (let i = 0; hex.length < len; i++) {
      hex += createHash("sha256").update(`${this.seed}:${this.counter}:${i}`).digest("hex");
    }
    return prefix + hex.slice(0, len);
  }
}
