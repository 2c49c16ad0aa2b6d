import { redact } from "../log.js";
import { printable } from "../text.js";
import type { Recorder, RequestRecord } from "./recorder.js";

/**
 * Fields the request ledger adds to a record (client, call kind, cost); optional here so that the
 * line prints whatever the record carries.
 */
type LineRecord = RequestRecord & {
  client?: string;
  kind?: string;
  cacheWriteTokens?: number;
  nanoAiu?: number;
  costEstimated?: boolean;
};

const NANO_AIU_PER_CREDIT = 1e9;

export interface LineStyle {
  color: boolean;
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM is dumb. */
export function colorFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
}

const paint = (on: boolean, code: string, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function tokens(r: LineRecord): string | undefined {
  if (r.inputTokens === undefined && r.outputTokens === undefined) return undefined;
  const cache = [r.cacheReadTokens ? `${r.cacheReadTokens} cached` : "", r.cacheWriteTokens ? `${r.cacheWriteTokens} cache-written` : ""].filter(Boolean);
  return `in ${r.inputTokens ?? 0}${cache.length ? ` (${cache.join(", ")})` : ""} out ${r.outputTokens ?? 0}`;
}

function cost(r: LineRecord): string | undefined {
  if (typeof r.nanoAiu !== "number" || !Number.isFinite(r.nanoAiu)) return undefined;
  const credits = r.nanoAiu / NANO_AIU_PER_CREDIT;
  return `${r.costEstimated ? "~" : ""}${Number(credits.toPrecision(3))} credits`;
}

/**
 * One line for a finished request, e.g.
 * `14:02:07 messages claude-code claude-sonnet-4.6 → /v1/messages user 200 1.84 s in 1520 (1024 cached) out 48 0.33 credits`.
 * Everything a client chose (model, path, the error text it provoked) is printed with its control
 * characters escaped and token-shaped strings redacted.
 */
export function formatRequestLine(record: RequestRecord, style: LineStyle): string {
  const r = record as LineRecord;
  const failed = r.status >= 400 || r.error !== undefined;
  const parts: string[] = [paint(style.color, "2", clock(r.time))];
  if (r.api === "other") {
    parts.push(`${printable(r.method, 16)} ${printable(r.path)}`);
  } else {
    parts.push(r.api);
    // "other" (an unrecognised User-Agent) says nothing worth a column.
    if (r.client && r.client !== "other") parts.push(printable(r.client, 40));
    // No model: the request failed before one was chosen; its path says more (a doubled /v1, say).
    parts.push(r.model ? `${printable(r.model, 100)}${r.endpoint ? ` → ${printable(r.endpoint, 60)}` : ""}` : `${printable(r.method, 16)} ${printable(r.path)}`);
    if (r.initiator) parts.push(r.kind && r.kind !== "user" ? `${r.initiator} (${printable(r.kind, 40)})` : r.initiator);
  }
  parts.push(paint(style.color && failed, r.status === 499 ? "33" : "31", String(r.status)), duration(r.durationMs));
  const t = tokens(r);
  if (t) parts.push(t);
  const c = cost(r);
  if (c) parts.push(c);
  if (r.aborted) parts.push("(client left)");
  if (r.error) parts.push(paint(style.color, r.status === 499 ? "33" : "31", `- ${printable(redact(r.error), 300)}`));
  return parts.join("  ");
}

/**
 * Prints a line per finished API request to `out` (the terminal, by default), fed by the recorder
 * as the dashboard and the request log are. The dashboard's own calls and /health are not API
 * requests and are not recorded, so a health check every 30 s adds nothing here. Returns the way to stop.
 */
export function printRequestLines(recorder: Recorder, out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): () => void {
  const style = { color: colorFor(out) };
  // The lines of the requests that end in one turn of the event loop go out in one write: a write to
  // a terminal or pipe is a system call (synchronous for stdout), and under load many requests end
  // together. Still in order, and out before the process exits.
  let pending: string[] | undefined;
  const flush = () => {
    if (!pending) return;
    const text = pending.join("");
    pending = undefined;
    out.write(text);
  };
  process.once("exit", flush);
  const unsubscribe = recorder.subscribe((record) => {
    // Requests to no route (a wrong base URL, say) are worth a line only when they fail; any other
    // path that is not an API call answered fine and says nothing the user needs.
    if (record.api === "other" && record.status < 400) return;
    if (!pending) {
      pending = [];
      setImmediate(flush);
    }
    pending.push(`${formatRequestLine(record, style)}\n`);
  });
  return () => {
    unsubscribe();
    flush();
    process.off("exit", flush);
  };
}
