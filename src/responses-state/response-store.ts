/**
 * Responses that copilot-api keeps for `store: true` clients. Copilot's /responses is stateless
 * (copilot-upstream.md 6: no previous_response_id, nothing persisted with store:false), so the
 * items a client may refer to later (`previous_response_id`, `item_reference`, `GET
 * /v1/responses/{id}`) are kept here. The interface is asynchronous and records are plain JSON so
 * that a shared store (Redis, say) can stand in for the in-memory one without touching the routes.
 */

/** A JSON object on the wire: an input or output item, or a response object. */
export type WireObject = Record<string, unknown>;

export interface StoredResponse {
  id: string;
  /** The response object exactly as the client received it (output items carry our stable ids). */
  response: WireObject;
  /** This request's own input items, item references expanded, each with an id. */
  input: WireObject[];
  /** The response this one continued (`previous_response_id`): its input and output come first. */
  previousResponseId?: string;
}

export interface ResponseStoreLimits {
  /** Most responses kept; the least recently used goes first. */
  maxResponses: number;
  /** Most bytes kept, counting each record as its JSON text. */
  maxBytes: number;
  /** A response is forgotten this long after it was last stored or read. */
  ttlMs: number;
  /** Kept in Redis for every instance (--redis-url) rather than in this process's memory. */
  shared?: boolean;
}

export const DEFAULT_RESPONSE_STORE_LIMITS: ResponseStoreLimits = {
  maxResponses: 1000,
  maxBytes: 64 * 1024 * 1024,
  ttlMs: 60 * 60_000,
};

export interface ResponseStore {
  readonly limits: ResponseStoreLimits;
  /** Keeps a finished response. Never makes the request wait: a remote store writes in the background. */
  put(record: StoredResponse): void;
  get(id: string): Promise<StoredResponse | undefined>;
  /** The input or output item with this id, from any stored response, for `item_reference`. */
  item(id: string): Promise<WireObject | undefined>;
  /** false when there was nothing to delete. */
  delete(id: string): Promise<boolean>;
}

/** How long things are kept, in the words of an error message. */
export function describeLimits(limits: ResponseStoreLimits): string {
  const minutes = Math.round(limits.ttlMs / 60_000);
  const ttl = minutes >= 1 ? `${minutes} minute${minutes === 1 ? "" : "s"}` : `${Math.round(limits.ttlMs / 1000)} seconds`;
  const size = `at most ${limits.maxResponses} responses and ${Math.round(limits.maxBytes / (1024 * 1024))} MiB`;
  if (limits.shared) return `copilot-api keeps responses in Redis for ${ttl} after their last use, ${size} for all instances together`;
  return `copilot-api keeps responses in memory for ${ttl} after their last use, ${size}, and not across restarts`;
}
