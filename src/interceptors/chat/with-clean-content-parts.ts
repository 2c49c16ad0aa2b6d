import type { ChatInterceptor } from "./types.js";

/**
 * Copilot schema-validates message content strictly: a null part or an `image_url: null` fails the
 * whole request (known-failures T24, Open WebUI). Null parts are dropped, and a content array left
 * empty becomes an empty string.
 */
export const withCleanContentParts: ChatInterceptor = (body) => {
  for (const message of body.messages) {
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
};
