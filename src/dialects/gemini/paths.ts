/**
 * Whether a path belongs to the Gemini API: everything under /v1beta/, and /v1/models/{model}:{method}
 * (@google/genai 3 defaults to v1). GET /v1/models is shared with OpenAI: the route tells the two
 * apart by Google's client headers.
 */
export function isGeminiPath(path: string): boolean {
  return path.startsWith("/v1beta/") || /^\/v1\/models\/[^/]+:[A-Za-z]+$/.test(path);
}

/** A request from a Google client (@google/genai sends x-goog-api-client; keys come as x-goog-api-key). */
export function isGoogleClient(headers: Headers): boolean {
  return headers.has("x-goog-api-client") || headers.has("x-goog-api-key");
}
