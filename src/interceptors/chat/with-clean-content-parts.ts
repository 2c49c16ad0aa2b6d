import type { ChatBody, ChatInterceptor } from "./types.js";
import { ITEMS_PER_SLICE } from "../../http/work-slices.js";
import { runToEnd, type Steps } from "../../tokens/work-steps.js";

/**
 * Copilot schema-validates message content strictly: a null part or an `image_url: null` fails the
 * whole request (known-failures T24, Open WebUI). Null parts are dropped, and a content array left
 * empty becomes an empty string.
 */
export const withCleanContentParts: ChatInterceptor = Object.assign((body: ChatBody) => runToEnd(steps(body)), { steps });

function* steps(body: ChatBody): Steps<void> {
  for (const [i, message] of body.messages.entries()) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) yield;
    if (!Array.isArray(message.content)) continue;
    const parts = (message.content as unknown[]).filter((part) => {
      if (part == null || typeof part !== "object") return false;
      const p = part as { type?: string; image_url?: { url?: unknown } | null; text?: unknown };
      if (p.type === "image_url") return p.image_url != null && typeof p.image_url.url === "string";
      if (p.type === "text") return typeof p.text === "string";
      return true;
    });
    message.content = parts.length > 0 ? parts : "";
  }
}
