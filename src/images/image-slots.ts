import type { ImagePart, Request } from "../ir/request.js";
import { type FetchedImage, isExternalImageUrl } from "./fetch-image.js";

/**
 * Where a request holds an image by http(s) URL: the field as the client wrote it (for the error),
 * the URL, and how to put the downloaded image in its place. One collector per body shape: the
 * three client dialects as they go to Copilot untouched (passthrough), and the IR for every
 * translated request. Each only reads what is there; any other shape is left to the decoders and
 * to Copilot, so nothing here throws.
 */
export interface ImageSlot {
  field: string;
  url: string;
  apply(image: FetchedImage): void;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export const dataUri = (image: FetchedImage) => `data:${image.mediaType};base64,${image.data}`;

/**
 * OpenAI Chat: `image_url.url` of a content part, in any message (user messages, and tool messages'
 * content arrays). The bare-string `image_url` is left alone: the passthrough drops it as Copilot
 * would reject it (interceptors/chat/with-clean-content-parts.ts).
 */
export function chatImageSlots(body: Obj): ImageSlot[] {
  const slots: ImageSlot[] = [];
  const messages = body.messages;
  if (!Array.isArray(messages)) return slots;
  for (let i = 0; i < messages.length; i++) {
    const content = (messages[i] as Obj | null)?.content;
    if (!Array.isArray(content)) continue;
    for (let j = 0; j < content.length; j++) {
      const part = content[j];
      if (!isObj(part) || part.type !== "image_url" || !isObj(part.image_url)) continue;
      const image = part.image_url;
      if (!isExternalImageUrl(image.url)) continue;
      slots.push({ field: `messages[${i}].content[${j}].image_url.url`, url: image.url, apply: (img) => (image.url = dataUri(img)) });
    }
  }
  return slots;
}

/** OpenAI Responses: `input_image.image_url` in an input item's `content`, or a function call output's `output` array. */
export function responsesImageSlots(body: Obj): ImageSlot[] {
  const slots: ImageSlot[] = [];
  const input = body.input;
  if (!Array.isArray(input)) return slots;
  for (let i = 0; i < input.length; i++) {
    const item = input[i];
    if (!isObj(item)) continue;
    for (const key of ["content", "output"] as const) {
      const parts = item[key];
      if (!Array.isArray(parts)) continue;
      for (let j = 0; j < parts.length; j++) {
        const part = parts[j];
        if (!isObj(part) || part.type !== "input_image" || !isExternalImageUrl(part.image_url)) continue;
        slots.push({ field: `input[${i}].${key}[${j}].image_url`, url: part.image_url, apply: (img) => (part.image_url = dataUri(img)) });
      }
    }
  }
  return slots;
}

/** Anthropic Messages: an `image` block with a `url` source, in a message or inside a `tool_result`. */
export function messagesImageSlots(body: Obj): ImageSlot[] {
  const slots: ImageSlot[] = [];
  const messages = body.messages;
  if (!Array.isArray(messages)) return slots;
  const visit = (block: unknown, at: string) => {
    if (!isObj(block) || block.type !== "image" || !isObj(block.source)) return;
    const source = block.source;
    if (source.type !== "url" || !isExternalImageUrl(source.url)) return;
    slots.push({
      field: `${at}.source.url`,
      url: source.url,
      apply: (img) => (block.source = { type: "base64", media_type: img.mediaType, data: img.data }),
    });
  };
  for (let i = 0; i < messages.length; i++) {
    const content = (messages[i] as Obj | null)?.content;
    if (!Array.isArray(content)) continue;
    for (let j = 0; j < content.length; j++) {
      const block = content[j];
      const at = `messages.${i}.content.${j}`;
      visit(block, at);
      if (isObj(block) && block.type === "tool_result" && Array.isArray(block.content)) {
        for (let k = 0; k < block.content.length; k++) visit(block.content[k], `${at}.content.${k}`);
      }
    }
  }
  return slots;
}

/** The IR of a translated request: image parts with a URL source, in user messages and tool results. */
export function requestImageSlots(req: Request): ImageSlot[] {
  const slots: ImageSlot[] = [];
  const visit = (part: ImagePart, at: string) => {
    const source = part.source;
    if (source.kind !== "url" || !isExternalImageUrl(source.url)) return;
    slots.push({
      field: source.field ?? at,
      url: source.url,
      apply: (img) => (part.source = { kind: "base64", mediaType: img.mediaType, data: img.data }),
    });
  };
  for (let i = 0; i < req.messages.length; i++) {
    const message = req.messages[i]!;
    if (message.role !== "user") continue;
    for (let j = 0; j < message.content.length; j++) {
      const part = message.content[j]!;
      if (part.type === "image") visit(part, `messages[${i}].content[${j}]`);
      else if (part.type === "tool-result") {
        for (let k = 0; k < part.content.length; k++) {
          const inner = part.content[k]!;
          if (inner.type === "image") visit(inner, `messages[${i}].content[${j}].content[${k}]`);
        }
      }
    }
  }
  return slots;
}
