import { packOpaqueState } from "../../ir/opaque-state.js";
import type { Dialect } from "../../ir/request.js";

/**
 * Opaque reasoning state as the one string a Gemini client keeps: a thought signature. The
 * reasoning text goes in too, as Gemini CLI drops thought parts from its history while Claude
 * checks a signature against its text.
 */
export function thoughtSignatureOf(
  state: { origin?: Dialect; signature?: string; redactedData?: string; itemId?: string; encryptedContent?: string },
  text: string,
): string | undefined {
  if (!state.origin) return undefined;
  const { origin, signature, redactedData, itemId, encryptedContent } = state;
  return packOpaqueState({ origin, signature, redactedData, itemId, encryptedContent, text });
}

/**
 * A functionCall part. Gemini CLI keeps only non-thought parts in its history, so the reasoning
 * state that must come back with a call (Claude rejects a tool turn whose thinking lost its
 * signature) rides on the call's own thoughtSignature, as Gemini's own models put it there.
 */
export function functionCallPart(id: string, name: string, input: string, thoughtSignature?: string): Record<string, unknown> {
  let args: unknown;
  try {
    args = JSON.parse(input || "{}");
  } catch {
    args = {};
  }
  const part: Record<string, unknown> = {
    functionCall: { id, name, args: typeof args === "object" && args !== null && !Array.isArray(args) ? args : {} },
  };
  if (thoughtSignature) part.thoughtSignature = thoughtSignature;
  return part;
}
