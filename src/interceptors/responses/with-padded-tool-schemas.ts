import { padSchema } from "../chat/with-padded-tool-schemas.js";
import type { ResponsesInterceptor } from "./types.js";

/**
 * GPT models reject a function tool whose object schema lacks `properties` ("object schema missing
 * properties", known-failures T23, case 36); /responses serves only GPT models, with the same
 * validation. Function tool schemas are padded recursively, as on chat.
 */
export const withPaddedToolSchemas: ResponsesInterceptor = (body) => {
  if (!Array.isArray(body.tools)) return;
  for (const tool of body.tools as unknown[]) {
    if (!tool || typeof tool !== "object") continue;
    const t = tool as { type?: unknown; parameters?: unknown };
    if (t.type === "function") t.parameters = padSchema(t.parameters ?? { type: "object" });
  }
};
