import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../errors.js";
import { printable } from "../text.js";
import { renderError } from "../http/render-error.js";
import { apiOf } from "../observability/request-meta.js";
import type { Runtime } from "../runtime.js";
import { chatInitiator, messagesInitiator, responsesInitiator } from "../upstream/initiator.js";
import { type ApprovalInfo, ApprovalQueue, ApprovalQueueFull, type Approver } from "./approval-queue.js";
import { type Clock, type ClearTimer, RateLimiter, type SetTimer } from "./rate-limiter.js";
import { SharedApprovalQueue } from "./shared-approval-queue.js";
import { SharedRateLimiter } from "./shared-rate-limiter.js";
import { TerminalApprover } from "./terminal-approver.js";

export { ApprovalQueue, type ApprovalInfo, type Approver } from "./approval-queue.js";
export { RateLimiter } from "./rate-limiter.js";
export { SharedApprovalQueue } from "./shared-approval-queue.js";
export { TerminalApprover } from "./terminal-approver.js";

/** What flow control runs with: a clock and timer for the limiter, and who approves under --manual. */
export interface FlowOptions {
  now?: Clock;
  setTimer?: SetTimer;
  clearTimer?: ClearTimer;
  approver?: Approver;
  /** Told whenever a request has to wait (default: a debug log line); tests synchronise on it. */
  onQueued?: (queue: "approval" | "rate-limit", waiting: number, path: string) => void;
  /** Most requests that may wait for a --rate-limit slot under --wait; more get 429. */
  maxRateLimitWaiting?: number;
  /** Most requests that may wait for approval under --manual; more get 503. */
  maxApprovalWaiting?: number;
  /** With --redis-url: how often waiting requests are renewed and their terminals checked (default 10 s). */
  approvalCheckMs?: number;
}

/**
 * Each waiting request holds a connection and its body in memory. A person approves a few at a
 * time; a rate-limited queue longer than this waits minutes to hours (one per interval).
 */
export const MAX_RATE_LIMIT_WAITING = 256;
export const MAX_APPROVAL_WAITING = 32;

/** The per-runtime queues; absent when the matching flag is off. */
export interface FlowControls {
  /** Shared across instances through Redis with --redis-url, else this instance's own. */
  limiter?: RateLimiter | SharedRateLimiter;
  /** Shared across instances through Redis with --redis-url, else this instance's own. */
  approvals?: ApprovalQueue | SharedApprovalQueue;
  wait: boolean;
  onQueued: NonNullable<FlowOptions["onQueued"]>;
  maxRateLimitWaiting: number;
  maxApprovalWaiting: number;
}

// app.ts installs flowControl(runtime) once per path; all of them must share one queue, so the
// queues hang off the runtime object (weakly: they go when the runtime goes), never off the module.
const controls = new WeakMap<Runtime, FlowControls>();

/**
 * Builds the runtime's queues from its config with the given clock/timer/approver. Call it before
 * the first request (tests inject a fake clock and a scripted approver this way); without a call,
 * the first request builds them with the real clock and the terminal.
 */
export function configureFlow(runtime: Runtime, options: FlowOptions = {}): FlowControls {
  const { rateLimitSeconds, manual, wait } = runtime.config;
  const local = rateLimitSeconds ? new RateLimiter(rateLimitSeconds * 1000, options.now, options.setTimer, options.clearTimer) : undefined;
  const built: FlowControls = {
    limiter: local && runtime.redis ? new SharedRateLimiter(local, runtime.redis) : local,
    approvals: manual ? approvalQueue(runtime, options.approver ?? new TerminalApprover(), options.approvalCheckMs) : undefined,
    wait,
    maxRateLimitWaiting: options.maxRateLimitWaiting ?? MAX_RATE_LIMIT_WAITING,
    maxApprovalWaiting: options.maxApprovalWaiting ?? MAX_APPROVAL_WAITING,
    onQueued:
      options.onQueued ??
      ((queue, waiting, path) => runtime.log.debug(`${printable(path)} waits for ${queue === "approval" ? "approval" : "its rate-limit slot"} (${waiting} waiting)`)),
  };
  controls.set(runtime, built);
  return built;
}

function approvalQueue(runtime: Runtime, approver: Approver, checkMs?: number): ApprovalQueue | SharedApprovalQueue {
  return runtime.redis ? new SharedApprovalQueue(approver, runtime.redis, runtime.log, { checkMs }) : new ApprovalQueue(approver);
}

function controlsFor(runtime: Runtime): FlowControls {
  return controls.get(runtime) ?? configureFlow(runtime);
}

/**
 * Manual approval, then the rate limit, for the upstream-bound POSTs (app.ts mounts it on chat
 * completions, messages, responses and embeddings; count_tokens and GETs never reach Copilot's
 * quota). Approval comes first so that the interval is measured where requests really leave:
 * limiting first would let two requests that a person approves together go out back to back.
 */
export function flowControl(runtime: Runtime): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    const flow = controlsFor(runtime);
    if (!flow.limiter && !flow.approvals) return next();
    const signal = c.req.raw.signal;

    if (flow.approvals) {
      const info = await approvalInfo(c);
      // A body that is not a JSON object never reaches Copilot (the route answers 400): nothing to approve.
      if (info) {
        let approved: boolean;
        try {
          approved = await flow.approvals.request(info, signal, {
            max: flow.maxApprovalWaiting,
            onQueued: (waiting) => flow.onQueued("approval", waiting, c.req.path),
          });
        } catch (error) {
          if (error instanceof ApprovalQueueFull) return renderError(c, queueFull("approval", flow.maxApprovalWaiting));
          throw cancelled("approval at the terminal");
        }
        if (!approved) {
          runtime.log.info(`Refused at the terminal: ${info.method} ${printable(info.path)}`);
          return renderError(
            c,
            new ApiError({
              kind: "permission",
              status: 403,
              code: "request_refused",
              message: "The request was refused at the copilot-api terminal (--manual).",
            }),
          );
        }
      }
    }

    if (flow.limiter) {
      if (flow.wait) {
        if (flow.limiter.waiting >= flow.maxRateLimitWaiting) {
          const result = await flow.limiter.tryAcquire();
          if (!result.ok) return renderError(c, queueFull("rate-limit", flow.maxRateLimitWaiting, flow.limiter, result.retryAfterMs));
          // It took the free slot (the shared limiter's sleepers may be about to wake): no second one.
          return next();
        }
        const turn = flow.limiter.acquire(signal);
        if (flow.limiter.waiting > 0) flow.onQueued("rate-limit", flow.limiter.waiting, c.req.path);
        await turn.catch(() => {
          throw cancelled("its turn under --rate-limit");
        });
      } else {
        const result = await flow.limiter.tryAcquire();
        if (!result.ok) return renderError(c, rateLimited(flow.limiter, result.retryAfterMs));
      }
    }
    return next();
  };
}

/** A full queue: refused at once, with when to come back, rather than held without bound. */
function queueFull(queue: "approval" | "rate-limit", max: number, limiter?: { intervalMs: number }, retryAfterMs = 0): ApiError {
  if (queue === "approval") {
    return new ApiError({
      kind: "overloaded",
      status: 503,
      code: "approval_queue_full",
      message: `${max} requests are already waiting for approval at the copilot-api terminal (--manual); try again once they are answered.`,
      retryAfter: "30",
    });
  }
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError({
    kind: "rate_limit",
    status: 429,
    code: "rate_limit_queue_full",
    message:
      `${max} requests are already queued under --rate-limit ${limiter!.intervalMs / 1000} s with --wait (the most that may wait). ` +
      `Try again in ${seconds} s, or raise the limit's rate.`,
    retryAfter: String(seconds),
  });
}

function cancelled(what: string): ApiError {
  return new ApiError({ kind: "cancelled", status: 499, message: `The client disconnected while waiting for ${what}` });
}

function rateLimited(limiter: { intervalMs: number; currentTime(): number }, retryAfterMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const at = new Date(limiter.currentTime() + retryAfterMs).toISOString();
  return new ApiError({
    kind: "rate_limit",
    status: 429,
    code: "rate_limited",
    message:
      `copilot-api is rate limited to one upstream request every ${limiter.intervalMs / 1000} s (--rate-limit). ` +
      `Try again in ${seconds} s (at ${at}), or start it with --wait to queue requests instead.`,
    retryAfter: String(seconds),
  });
}

/** Model, client API, size and initiator, read from the body that the route will read again (Hono caches it). */
async function approvalInfo(c: Context): Promise<ApprovalInfo | undefined> {
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    return undefined; // the route reports the unreadable body
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const api = apiOf(c.req.path);
  const initiator =
    api === "chat" ? chatInitiator(b.messages) : api === "messages" ? messagesInitiator(b.messages) : api === "responses" ? responsesInitiator(b.input) : undefined;
  return {
    method: c.req.method,
    path: c.req.path,
    api,
    // Gemini names the model in the path (/v1beta/models/{model}:generateContent), not the body.
    model: typeof b.model === "string" ? b.model : /\/models\/([^/:]+):/.exec(c.req.path)?.[1],
    bytes: Buffer.byteLength(text),
    initiator,
  };
}
