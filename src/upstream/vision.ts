/**
 * Copilot wants `Copilot-Vision-Request: true` exactly when a request carries an image, including
 * images nested in tool results; sending it without one costs a vision slot and can 429
 * (copilot-upstream.md 3.3). This walks any dialect's body looking for image parts. It stops at a
 * fixed depth so that adversarial nesting cannot stall it.
 */
const IMAGE_TYPES = new Set(["image_url", "image", "input_image"]);
/** Where images nest. A constant: a list built per object cost ~0.1 s (and its garbage) on 300,000 items. */
const NESTING_KEYS = ["content", "messages", "input", "output"] as const;

export function hasImage(value: unknown, depth = 0): boolean {
  if (depth > 32 || value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasImage(item, depth + 1)) return true;
    return false;
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.type === "string" && IMAGE_TYPES.has(obj.type)) return true;
  for (const key of NESTING_KEYS) {
    const child = obj[key];
    if (child !== null && typeof child === "object" && hasImage(child, depth + 1)) return true;
  }
  return false;
}
