import { copilotImageDetail } from "../../dialects/openai-responses/wire.js";
import { inputItems, objectsOf, type ResponsesInterceptor } from "./types.js";

/**
 * Copilot's /responses refuses any image detail but `low` and `high` ("image detail has to be
 * either 'low' or 'high'", known-failures U8 and case 35, cao#362). `auto`, a missing detail and
 * any other value become `high` (openai-responses/wire.ts explains the choice).
 */
export const withImageDetail: ResponsesInterceptor = (body) => {
  for (const item of inputItems(body)) {
    for (const part of [...objectsOf(item.content), ...objectsOf(item.output)]) {
      if (part.type === "input_image") part.detail = copilotImageDetail(part.detail);
    }
  }
};
