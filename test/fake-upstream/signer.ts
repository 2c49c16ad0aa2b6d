// HMAC signing with a per-instance random key: thinking signatures, reasoning_opaque,
// encrypted reasoning content and Copilot token MACs. Anything not issued by this instance
// (or altered) fails verification, like a signature from another account.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export class Signer {
  private readonly key = randomBytes(32);

  mac(kind: string, payload: string): string {
    return createHmac("sha256", this.key).update(`${kind}\n${payload}`).digest("hex");
  }

  /** Signature bound to a thinking text (Anthropic `signature`, chat `reasoning_opaque`). */
  signText(kind: string, text: string): string {
    return Buffer.from(`fakesig1:${kind}:${this.mac(kind, text)}`).toString("base64");
  }

  verifyText(kind: string, text: string, signature: unknown): boolean {
    if (typeof signature !== "string" || signature === "") return false;
    const expected = Buffer.from(this.signText(kind, text));
    const got = Buffer.from(signature);
    return got.length === expected.length && timingSafeEqual(got, expected);
  }

  /** Opaque, verifiable blob carrying a JSON payload (Responses `encrypted_content`). */
  seal(kind: string, payload: unknown): string {
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `gAAAAA${body}.${this.mac(kind, body)}`;
  }

  unseal(kind: string, sealed: unknown): unknown {
    if (typeof sealed !== "string" || !sealed.startsWith("gAAAAA")) return undefined;
    const dot = sealed.lastIndexOf(".");
    if (dot < 0) return undefined;
    const body = sealed.slice(6, dot);
    if (sealed.slice(dot + 1) !== this.mac(kind, body)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      return undefined;
    }
  }
}
