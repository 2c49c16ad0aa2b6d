// Text extraction from the content shapes of the three chat dialects.
import { isObject } from "./http-io.js";

const TEXT_TYPES = ["text", "input_text", "output_text"];

function texts(content: unknown): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content
    .filter((p) => isObject(p) && TEXT_TYPES.includes(p.type) && typeof p.text === "string")
    .map((p) => p.text as string);
}

/** All text of a content value, joined with "\n". */
export function allText(content: unknown): string {
  return texts(content).join("\n");
}

/** The last text part of a content value (the user's own words after any injected reminders). */
export function lastText(content: unknown): string {
  return texts(content).at(-1) ?? "";
}
