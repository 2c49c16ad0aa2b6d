import { ApiError, badRequest } from "../errors.js";
import { clip } from "../text.js";
import type { Request } from "../ir/request.js";
import type { Logger } from "../log.js";
import type { Runtime } from "../runtime.js";
import type { FetchLike } from "../upstream/http.js";
import type { CopilotModel } from "../upstream/model-catalog.js";
import { type ByteBudget, fetchImage, ImageFetchFailure } from "./fetch-image.js";
import { chatImageSlots, type ImageSlot, messagesImageSlots, requestImageSlots, responsesImageSlots } from "./image-slots.js";

/**
 * Images given by http(s) URL are downloaded and sent to Copilot inline, as base64: Copilot
 * answers `external image URLs are not supported` (known-failures F6, case 8). One pass per body
 * shape, before anything else touches the body: the three client dialects on their passthrough
 * routes, and the IR of every translated request (bridge/run-translated.ts).
 *
 * Per request: each distinct URL is downloaded once, at most MAX_CONCURRENT_DOWNLOADS at a time,
 * each bounded in time and size (fetch-image.ts), all of them together bounded by the body limit
 * (a body could not carry more inline) and by twice the time one may take. A request gives at most
 * the model's max_prompt_images URLs (DEFAULT_MAX_IMAGE_URLS when the catalog says nothing). Only
 * public addresses are reached unless config.imageUrlsAllowPrivate (image-client.ts); with
 * config.imageUrls off, a URL is a 400. The first failure aborts the others and is a 400 in the
 * client's dialect naming the field; a client that leaves aborts them all. The image bytes are
 * never logged; URLs only at debug level, and never put in an error.
 */

export const MAX_CONCURRENT_DOWNLOADS = 4;
/** One image's limit when the model's catalog entry gives none (limits.vision.max_prompt_image_size). */
export const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024;
/** Distinct image URLs one request may give when the model's catalog entry gives no max_prompt_images. */
export const DEFAULT_MAX_IMAGE_URLS = 20;

export interface ImageInlining {
  fetch: FetchLike;
  /** Refuses a host before each hop (image-client.ts); none: every host. */
  check?: (url: URL) => Promise<void>;
  /** config.imageUrls: false refuses every URL. */
  enabled?: boolean;
  /** Distinct URLs allowed in one request. */
  maxUrls?: number;
  log: Logger;
  /** One download. All of a request's downloads together get twice this. */
  timeoutMs: number;
  /** One image's limit. */
  maxBytes: number;
  /** All of one request's images together. */
  totalBytes: number;
  /** The client's request: aborting it aborts the downloads. */
  signal: AbortSignal;
}

/** The limits for a request to `model`, from the runtime's config and the model's catalog entry. */
export function imageInlining(runtime: Runtime, model: CopilotModel, signal: AbortSignal): ImageInlining {
  const maxBytes = maxImageBytes(model);
  return {
    fetch: runtime.images.fetch,
    check: (url) => runtime.images.check(url),
    enabled: runtime.config.imageUrls,
    maxUrls: maxImageUrls(model),
    log: runtime.log,
    timeoutMs: runtime.config.imageFetchTimeoutMs,
    maxBytes,
    totalBytes: Math.max(runtime.config.bodyLimit, maxBytes),
    signal,
  };
}

export function maxImageBytes(model: CopilotModel): number {
  const limit = model.capabilities?.limits?.vision?.max_prompt_image_size;
  return typeof limit === "number" && Number.isSafeInteger(limit) && limit > 0 ? limit : DEFAULT_MAX_IMAGE_BYTES;
}

export function maxImageUrls(model: CopilotModel): number {
  const limit = model.capabilities?.limits?.vision?.max_prompt_images;
  return typeof limit === "number" && Number.isSafeInteger(limit) && limit > 0 ? limit : DEFAULT_MAX_IMAGE_URLS;
}

export const inlineChatImages = (body: Record<string, unknown>, ctx: () => ImageInlining) => inlineImages(chatImageSlots(body), ctx);
export const inlineResponsesImages = (body: Record<string, unknown>, ctx: () => ImageInlining) => inlineImages(responsesImageSlots(body), ctx);
export const inlineMessagesImages = (body: Record<string, unknown>, ctx: () => ImageInlining) => inlineImages(messagesImageSlots(body), ctx);
export const inlineRequestImages = (req: Request, ctx: () => ImageInlining) => inlineImages(requestImageSlots(req), ctx);

/** Every failure to download says the same (fetch-image.ts). */
const UNTOLD = " (it must be a public http(s) URL that serves a PNG, JPEG, GIF or WebP image; or send the image inline)";

const cancelled = () => new ApiError({ kind: "cancelled", status: 499, message: "Request cancelled" });

/**
 * Downloads every slot's URL and puts the image in its place. `ctx` is only built when there is
 * something to download, so a request without image URLs costs one walk of its content arrays.
 */
export async function inlineImages(slots: ImageSlot[], ctx: () => ImageInlining): Promise<void> {
  if (slots.length === 0) return;
  const { fetch, check, log, timeoutMs, maxBytes, totalBytes, signal, enabled = true, maxUrls = DEFAULT_MAX_IMAGE_URLS } = ctx();
  if (signal.aborted) throw cancelled();
  if (!enabled) {
    const { field } = slots[0]!;
    throw badRequest(`${field}: this server does not download images given by URL; send the image inline (base64 or a data: URI)`, field, "invalid_image_url");
  }
  const byUrl = new Map<string, ImageSlot[]>();
  for (const slot of slots) {
    const same = byUrl.get(slot.url);
    if (same) same.push(slot);
    else byUrl.set(slot.url, [slot]);
  }
  const jobs = [...byUrl.values()];
  if (jobs.length > maxUrls) {
    const { field } = jobs[maxUrls]![0]!;
    throw badRequest(`${field}: the request gives ${jobs.length} image URLs; at most ${maxUrls} are downloaded for one request to this model`, field, "invalid_image_url");
  }
  const batch = new AbortController();
  const onClientAbort = () => batch.abort(signal.reason);
  signal.addEventListener("abort", onClientAbort, { once: true });
  // All of them together: a request cannot keep the server downloading for longer than this.
  const deadline = AbortSignal.timeout(2 * timeoutMs);
  const downloads = AbortSignal.any([batch.signal, deadline]);
  const budget: ByteBudget = { remaining: totalBytes, total: totalBytes };
  let failure: ApiError | undefined;
  let next = 0;

  const worker = async () => {
    while (!failure && next < jobs.length) {
      const targets = jobs[next++]!;
      const { url, field } = targets[0]!;
      const shown = clip(url); // a URL can be megabytes long
      log.debug(`image: downloading ${shown} for ${field}`);
      try {
        const image = await fetchImage(fetch, url, { timeoutMs, maxBytes }, downloads, budget, check);
        log.debug(`image: ${shown} is ${image.mediaType}, ${image.bytes} bytes`);
        for (const target of targets) target.apply(image);
      } catch (error) {
        if (failure) return; // another image failed first and aborted this one
        if (signal.aborted) failure = cancelled();
        else {
          const told = error instanceof ImageFetchFailure ? error.message : "";
          const detail = error instanceof ImageFetchFailure ? error.detail : deadline.aborted ? "the request's downloads took too long" : "the download failed";
          log.debug(`image: ${shown} for ${field} failed: ${detail}`);
          failure = badRequest(`${field}: the image could not be downloaded${told ? `: ${told}` : UNTOLD}`, field, "invalid_image_url");
        }
        batch.abort(failure);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_DOWNLOADS, jobs.length) }, worker));
  } finally {
    signal.removeEventListener("abort", onClientAbort);
  }
  if (failure) throw failure;
}
