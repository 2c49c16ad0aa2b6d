import { explainNetworkError } from "./explain-network-error.js";
import { ApiError, fromUpstream, toApiError } from "../errors.js";
import type { Logger } from "../log.js";
import type { CallContext, CopilotHeaders } from "./headers.js";
import type { FetchLike } from "./http.js";
import type { TokenManager } from "./token-manager.js";
import { withFirstEventAuthRetry } from "./first-event-auth.js";
import { encodeJsonSliced } from "../http/encode-json-sliced.js";

export interface CopilotRequest extends CallContext {
  path: string;
  method?: "GET" | "POST";
  /** A JSON string (sent as is) or a value to serialise. */
  body?: string | object;
  /** The body is large (the client's was): serialised in slices, not in one long step (encode-json-sliced.ts). */
  sliced?: boolean;
  /** Extra headers, e.g. anthropic-beta on /v1/messages. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface CopilotClientOptions {
  fetch: FetchLike;
  tokens: TokenManager;
  headers: CopilotHeaders;
  apiVersion: string;
  log: Logger;
}

const RETRYABLE_STATUS = new Set([500, 502]);

/**
 * Sends one call to Copilot at the account's own host (endpoints.api) and returns the response
 * once its status is known to be 2xx; the body is left unread so streams flow straight through.
 *
 * Recovery happens only before any byte reaches our client, so it can't duplicate output:
 * - 401: the session token expired (or was revoked): renew it and replay once. A 401 that comes
 *   as the first event of a 200 stream is treated the same (first-event-auth.ts).
 * - 421: wrong host for this seat: re-resolve endpoints.api and replay once.
 * - 500/502 or a connection failure before the response: one more try (copilot-upstream.md 10).
 *   [U] Whether a 5xx was billed is not documented; a 5xx carries no output, so one replay
 *   cannot duplicate text.
 * Every other status becomes an ApiError carrying the upstream status, message and retry-after.
 */
export class CopilotClient {
  constructor(private readonly options: CopilotClientOptions) {}

  request(req: CopilotRequest): Promise<Response> {
    return this.send(req, false);
  }

  private async send(req: CopilotRequest, renewedBefore: boolean): Promise<Response> {
    const { tokens, log } = this.options;
    const body = req.body === undefined ? undefined : typeof req.body === "string" ? req.body : req.sliced ? await encodeJsonSliced(req.body) : JSON.stringify(req.body);
    let renewed = renewedBefore;
    let retried = false;
    const cancelled = () =>
      (req.signal?.reason as { name?: string } | undefined)?.name === "TimeoutError"
        ? new ApiError({ kind: "timeout", status: 504, message: `Copilot did not answer ${req.path} in time` })
        : new ApiError({ kind: "cancelled", status: 499, message: "Client closed the request" });
    for (;;) {
      const session = await tokens.get();
      if (req.signal?.aborted) throw cancelled();
      const headers = { ...this.options.headers(session.token, req, session.integrationId), ...req.headers };
      let res: Response;
      try {
        res = await this.options.fetch(`${session.apiBase}${req.path}`, {
          method: req.method ?? (body === undefined ? "GET" : "POST"),
          headers,
          body,
          signal: req.signal,
          // A 3xx must not replay a POST (a prompt, billed) at another address: never followed.
          redirect: "manual",
        });
      } catch (error) {
        if (req.signal?.aborted) throw cancelled();
        const apiError = explainNetworkError(error, session.apiBase, "Copilot") ?? toApiError(error);
        if (apiError.kind === "network" && !retried) {
          retried = true;
          req = { ...req, initiator: "agent" };
          log.debug(`Copilot ${req.path}: ${apiError.message}; retrying once`);
          continue;
        }
        throw apiError;
      }
      if (res.ok) {
        // The content type first: asking for `body` makes the answer's stream, which a JSON answer read with text() does without.
        if (renewed || !(res.headers.get("content-type") ?? "").includes("text/event-stream") || !res.body) return res;
        const first = session.token;
        return withFirstEventAuthRetry(res, async () => {
          log.debug(`Copilot ${req.path} streamed a 401 as its first event; renewing the session and retrying once`);
          await this.renew(first);
          return this.send(req, true);
        });
      }
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel().catch(() => {});
        let where = "";
        try {
          where = ` to ${new URL(res.headers.get("location") ?? "", session.apiBase).host}`;
        } catch {
          // no usable location
        }
        throw new ApiError({
          kind: "upstream",
          status: 502,
          code: "upstream_redirect",
          message: `Copilot answered ${req.path} with a redirect (HTTP ${res.status}${where}); copilot-api does not follow redirects on Copilot calls, so a request is never sent again elsewhere`,
          upstream: true,
          requestId: res.headers.get("x-github-request-id") ?? undefined,
        });
      }

      const text = await res.text().catch(() => "");
      if (req.signal?.aborted) throw cancelled();
      if ((res.status === 401 || res.status === 421) && !renewed) {
        renewed = true;
        log.debug(`Copilot ${req.path} answered ${res.status}; renewing the session and retrying once`);
        await this.renew(session.token);
        continue;
      }
      if (RETRYABLE_STATUS.has(res.status) && !retried) {
        retried = true;
        // The failed attempt may have been counted; the replay must not count as a second user turn.
        req = { ...req, initiator: "agent" };
        log.debug(`Copilot ${req.path} answered ${res.status}; retrying once`);
        continue;
      }
      throw fromUpstream(res.status, res.headers, text, this.options.apiVersion);
    }
  }

  /**
   * Drops a refused session token and gets a new one. Another request may have renewed it
   * meanwhile: then the replay uses that session rather than exchange once more per request in flight.
   */
  private async renew(refused: string): Promise<void> {
    const { tokens } = this.options;
    if (tokens.current?.token !== refused) return;
    tokens.invalidate(refused);
    await tokens.refresh();
  }

  /** GET/POST and parse JSON; for non-streaming calls. */
  async json<T>(req: CopilotRequest): Promise<T> {
    const res = await this.request(req);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError({ kind: "upstream", status: 502, message: `Copilot returned invalid JSON for ${req.path}`, upstream: true });
    }
  }
}
