// Image token formulas per vendor, from pixel size (never from base64 length).
// Sources and the reasoning behind each constant: docs/count-tokens.md, "Images".

export type ImageRule = "anthropic" | "anthropic-hires" | "openai" | "gemini";

/** OpenAI's `detail`; Anthropic has none. */
export type ImageDetail = "low" | "high" | "auto" | undefined;

/**
 * What we charge when the pixel size is unknown (URL source, file id, unreadable header): the cost of a
 * 1920x1080 screenshot under the same rule, the typical image Claude Code and browser tools attach.
 */
const FALLBACK_SIZE = { width: 1920, height: 1080 };

/**
 * Anthropic, Claude 3 through 4.6: tokens = width * height / 750, after downscaling (aspect kept) so the
 * long edge is at most 1568 px and the image at most ~1,600 tokens (the docs' largest unresized sizes:
 * 1092x1092 at 1:1, 784x1568 at 1:2). Anthropic vision docs, "Evaluate image size" / "Calculate image costs".
 */
const ANTHROPIC = { maxEdge: 1568, maxPixels: 1092 * 1092 };
/**
 * Anthropic, Opus 4.7 and later: same formula, images up to 2576 px on the long edge (~3.75 megapixels),
 * per the Opus 4.7 release notes ("high-resolution images").
 */
const ANTHROPIC_HIRES = { maxEdge: 2576, maxPixels: 3_750_000 };
const ANTHROPIC_PIXELS_PER_TOKEN = 750;

export function imageTokens(rule: ImageRule, width: number | undefined, height: number | undefined, detail?: ImageDetail): number {
  const known = isDim(width) && isDim(height);
  const w = known ? width : FALLBACK_SIZE.width;
  const h = known ? height : FALLBACK_SIZE.height;
  switch (rule) {
    case "anthropic":
      return anthropicTokens(w, h, ANTHROPIC);
    case "anthropic-hires":
      return anthropicTokens(w, h, ANTHROPIC_HIRES);
    case "openai":
      return openAiTokens(w, h, detail);
    case "gemini":
      return geminiTokens(w, h);
  }
}

function isDim(n: number | undefined): n is number {
  return typeof n === "number" && Number.isFinite(n) && n > 0;
}

function anthropicTokens(width: number, height: number, limits: { maxEdge: number; maxPixels: number }): number {
  let scale = Math.min(1, limits.maxEdge / Math.max(width, height));
  const pixels = width * height * scale * scale;
  if (pixels > limits.maxPixels) scale *= Math.sqrt(limits.maxPixels / pixels);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  return Math.max(1, Math.ceil((w * h) / ANTHROPIC_PIXELS_PER_TOKEN));
}

/**
 * OpenAI vision ("Calculating costs", GPT-4o / GPT-4.1 family): `detail: low` is a flat 85 tokens.
 * Otherwise the image is fitted into 2048x2048, then scaled down so its short side is at most 768 px,
 * and costs 170 tokens per 512-px tile plus 85. Images are only ever scaled down here (a 300x300 icon
 * is one tile, 255 tokens); VS Code's copy of the formula also scales small images up, which would
 * charge every thumbnail 765 tokens.
 */
function openAiTokens(width: number, height: number, detail: ImageDetail): number {
  if (detail === "low") return 85;
  let w = width;
  let h = height;
  if (w > 2048 || h > 2048) {
    const s = 2048 / Math.max(w, h);
    w *= s;
    h *= s;
  }
  if (Math.min(w, h) > 768) {
    const s = 768 / Math.min(w, h);
    w *= s;
    h *= s;
  }
  const tiles = Math.ceil(Math.round(w) / 512) * Math.ceil(Math.round(h) / 512);
  return 85 + 170 * Math.max(1, tiles);
}

/**
 * Gemini 2.x (Gemini API "Understand and count tokens"): an image with both sides <= 384 px is 258
 * tokens; larger images are cut into 768x768 tiles of 258 tokens each.
 */
function geminiTokens(width: number, height: number): number {
  if (width <= 384 && height <= 384) return 258;
  return 258 * Math.ceil(width / 768) * Math.ceil(height / 768);
}
