import type { FetchLike } from "../upstream/http.js";

/**
 * Downloads one image for a request that gave it by URL: Copilot refuses external image URLs
 * (`external image URLs are not supported`, known-failures F6, case 8), so they are sent as base64.
 *
 * Everything about it is bounded: a total time limit that covers connecting, the headers and the
 * body; a byte limit checked against Content-Length and again while reading (reading stops as soon
 * as it is passed); at most MAX_REDIRECTS redirects, each to http(s) only. What comes back must be
 * an image: the Content-Type when it is image/*, the bytes themselves when they are PNG, JPEG, GIF
 * or WebP (the bytes win when both are known and disagree: Copilot checks them against the type).
 *
 * It goes through the image client (image-client.ts): `--proxy-env` applies, and only public
 * addresses are reached unless private ones are allowed; `check` refuses a host before each hop,
 * redirects included.
 *
 * Failures are ImageFetchFailure. What the client is told never says why a download failed (refused
 * address, no such host, connection refused, an HTTP status, a timeout): those would tell whoever may
 * use the server which hosts and ports answer on its network. Only what is about the URL itself or
 * the image (not valid, credentials, too large, not an image) is said; the reason goes to the debug
 * log, never the URL.
 */

export const MAX_REDIRECTS = 5;

export interface FetchedImage {
  mediaType: string;
  /** The image's bytes, base64. */
  data: string;
  /** Size in bytes before base64. */
  bytes: number;
}

export interface ImageFetchLimits {
  /** The whole download, from connecting to the last byte. */
  timeoutMs: number;
  /** Largest image accepted, in bytes. */
  maxBytes: number;
}

/**
 * Why an image could not be used. `message` is for the client (no URL, no bytes); empty: the
 * download failed, and the client is told no more than that. `detail` is for the debug log.
 */
export class ImageFetchFailure extends Error {
  override readonly name = "ImageFetchFailure";
  constructor(
    message: string,
    readonly detail = message,
  ) {
    super(message);
  }
}

/** A download that failed: the client hears only that (see above). */
const failed = (detail: string) => new ImageFetchFailure("", detail);

/** Shared by every download of one request: the bytes still allowed in total. */
export interface ByteBudget {
  remaining: number;
  readonly total: number;
}

export function isExternalImageUrl(url: unknown): url is string {
  return typeof url === "string" && /^\s*https?:/i.test(url);
}

/**
 * `signal` aborts the download (the client left, or another image of the same request failed);
 * the rejection is then the signal's reason, not an ImageFetchFailure.
 */
export async function fetchImage(
  fetch: FetchLike,
  url: string,
  limits: ImageFetchLimits,
  signal: AbortSignal,
  budget?: ByteBudget,
  check: (url: URL) => Promise<void> = async () => undefined,
): Promise<FetchedImage> {
  let target: URL;
  try {
    target = new URL(url.trim());
  } catch {
    throw new ImageFetchFailure("the URL is not valid");
  }
  if (target.username || target.password) throw new ImageFetchFailure("URLs with credentials are not fetched");
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const combined = AbortSignal.any([signal, timeout]);
  try {
    const res = await follow(fetch, target, combined, check);
    return await readImage(res, limits.maxBytes, budget);
  } catch (error) {
    if (signal.aborted) throw signal.reason ?? error;
    if (timeout.aborted) throw failed(`it did not arrive within ${formatMs(limits.timeoutMs)}`);
    if (error instanceof ImageFetchFailure) throw error;
    throw failed(networkReason(error));
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function follow(fetch: FetchLike, first: URL, signal: AbortSignal, check: (url: URL) => Promise<void>): Promise<Response> {
  let target = first;
  for (let hop = 0; ; hop++) {
    await check(target);
    const res = await fetch(target.href, {
      method: "GET",
      redirect: "manual",
      signal,
      headers: { accept: "image/*,*/*;q=0.5", "user-agent": "copilot-api (image download)" },
    });
    if (!REDIRECTS.has(res.status)) return res;
    await res.body?.cancel().catch(() => undefined);
    const location = res.headers.get("location");
    if (!location) throw failed(`the server answered HTTP ${res.status} without a Location`);
    if (hop >= MAX_REDIRECTS) throw failed(`more than ${MAX_REDIRECTS} redirects`);
    try {
      target = new URL(location, target);
    } catch {
      throw failed("it redirects to an invalid URL");
    }
    if (target.protocol !== "http:" && target.protocol !== "https:") throw failed("it redirects to a URL that is not http(s)");
    if (target.username || target.password) throw failed("it redirects to a URL with credentials");
  }
}

async function readImage(res: Response, maxBytes: number, budget: ByteBudget | undefined): Promise<FetchedImage> {
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel().catch(() => undefined);
    throw failed(`the server answered HTTP ${res.status}`);
  }
  const tooLarge = () => new ImageFetchFailure(`it is larger than the ${maxBytes}-byte limit for one image`);
  const overBudget = () => new ImageFetchFailure(`the request's images add up to more than ${budget!.total} bytes`);
  // Content-Length is the encoded size; only trusted up front when the body is not compressed.
  const length = Number(res.headers.get("content-length"));
  const encoded = (res.headers.get("content-encoding") ?? "identity").toLowerCase() !== "identity";
  if (!encoded && Number.isFinite(length) && length > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      const over = size > maxBytes ? tooLarge() : budget && budget.remaining < value.byteLength ? overBudget() : undefined;
      if (over) {
        // Stop reading: cancelling closes the connection instead of draining the rest.
        await reader.cancel().catch(() => undefined);
        throw over;
      }
      if (budget) budget.remaining -= value.byteLength;
      chunks.push(value);
    }
  }
  const bytes = Buffer.concat(chunks, size);
  const mediaType = imageMediaType(res.headers.get("content-type"), bytes);
  if (!mediaType) {
    const declared = res.headers.get("content-type")?.split(";")[0]?.trim();
    throw new ImageFetchFailure(
      "it is not an image (its bytes are not PNG, JPEG, GIF or WebP, and it is not labelled image/*)",
      `it is not an image (Content-Type ${declared ? declared.slice(0, 80) : "absent"})`,
    );
  }
  return { mediaType, data: bytes.toString("base64"), bytes: size };
}

/** The bytes' own format when recognised, else the declared image/* type, else undefined. */
export function imageMediaType(contentType: string | null, bytes: Uint8Array): string | undefined {
  const sniffed = sniffImageType(bytes);
  if (sniffed) return sniffed;
  if (bytes.length === 0) return undefined;
  const declared = contentType?.split(";")[0]?.trim().toLowerCase();
  if (!declared || !/^image\/[a-z0-9.+-]+$/.test(declared)) return undefined;
  return declared === "image/jpg" ? "image/jpeg" : declared;
}

/** PNG, JPEG, GIF or WebP from their magic bytes. */
export function sniffImageType(b: Uint8Array): string | undefined {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) {
    return "image/png";
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 6 && ascii(b, 0, 6) === "GIF87a") return "image/gif";
  if (b.length >= 6 && ascii(b, 0, 6) === "GIF89a") return "image/gif";
  if (b.length >= 12 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return "image/webp";
  return undefined;
}

function ascii(b: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...b.subarray(start, end));
}

/** fetch's "fetch failed" with its cause's code, worded as a reason. */
function networkReason(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code;
  switch (code) {
    case "EADDRESSREFUSED":
      return `its address is refused (${(e?.cause?.message ?? e?.message ?? "").replace(/[a-z][a-z0-9+.-]*:\/\/\S*/gi, "<url>").slice(0, 200)})`;
    case "ECONNREFUSED":
      return "the host refused the connection (ECONNREFUSED)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `the host name could not be resolved (${code})`;
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return `the connection was closed before the image arrived (${code})`;
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return `connecting to the host timed out (${code})`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `the host is unreachable (${code})`;
  }
  if (code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code)) return `its TLS certificate was refused (${code})`;
  if (code) return `the host could not be reached (${code})`;
  // Never the URL itself (it can carry a signature in its query): anything URL-shaped is elided.
  const message = (e?.cause?.message ?? e?.message ?? "").replace(/[a-z][a-z0-9+.-]*:\/\/\S*/gi, "<url>").slice(0, 200);
  return message ? `the download failed (${message})` : "the download failed";
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
