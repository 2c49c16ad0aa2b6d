import type { Dialect } from "./request.js";

/**
 * Reasoning state that only its own dialect can validate (an Anthropic thinking signature, Copilot
 * chat's reasoning_opaque, a Responses item's encrypted_content) must survive a round trip through
 * a client of another dialect, which has only one opaque string field to put it in (a thinking
 * signature, an encrypted_content). There it travels tagged with its origin:
 *
 *   cpk:<origin>:<base64url(JSON {s?: signature, r?: redactedData, i?: itemId, e?: encryptedContent, t?: text})>
 *
 * base64url, so the value has no separators to escape whatever the upstream put in it. Encoders
 * drop state whose origin isn't their own target before it reaches Copilot, which would reject it.
 */
export const OPAQUE_STATE_PREFIX = "cpk:";

export interface OpaqueState {
  origin: Dialect;
  signature?: string;
  redactedData?: string;
  itemId?: string;
  encryptedContent?: string;
  /**
   * The reasoning text itself, for clients that keep the signature but drop the thought (Gemini
   * CLI): Claude checks its signature against the text, so both must come back.
   */
  text?: string;
}

const FIELDS = [
  ["s", "signature"],
  ["r", "redactedData"],
  ["i", "itemId"],
  ["e", "encryptedContent"],
  ["t", "text"],
] as const;

/** The tagged string, or undefined when there is no state to carry. */
export function packOpaqueState(state: OpaqueState): string | undefined {
  const payload: Record<string, string> = {};
  for (const [key, field] of FIELDS) if (state[field]) payload[key] = state[field]!;
  if (Object.keys(payload).length === 0 || (Object.keys(payload).length === 1 && payload.t !== undefined)) return undefined;
  return `${OPAQUE_STATE_PREFIX}${state.origin}:${Buffer.from(JSON.stringify(payload), "utf8").toString("base64url")}`;
}

/** The reverse; undefined for a malformed value or an origin outside `origins`. */
export function unpackOpaqueState(value: string, origins: readonly Dialect[]): OpaqueState | undefined {
  if (!value.startsWith(OPAQUE_STATE_PREFIX)) return undefined;
  const rest = value.slice(OPAQUE_STATE_PREFIX.length);
  const colon = rest.indexOf(":");
  if (colon < 0) return undefined;
  const origin = rest.slice(0, colon) as Dialect;
  if (!origins.includes(origin)) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(rest.slice(colon + 1), "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return undefined;
  const p = payload as Record<string, unknown>;
  const state: OpaqueState = { origin };
  for (const [key, field] of FIELDS) {
    const v = p[key];
    if (v === undefined) continue;
    if (typeof v !== "string") return undefined;
    state[field] = v;
  }
  return state;
}
