import type { Context } from "hono";
import { encodeAnthropicError } from "../dialects/anthropic/encode-error.js";
import { encodeOpenAIError } from "../dialects/openai/encode-error.js";
import { encodeGeminiError, geminiStatus } from "../dialects/gemini/encode-error.js";
import { encodeOllamaError } from "../dialects/ollama/encode-error.js";
import { isGeminiPath } from "../dialects/gemini/paths.js";
import type { ApiError } from "../errors.js";
import type { ClientDialect } from "./request.js";

/** Which dialect a path speaks, so that every error on it comes back in that dialect's shape. */
export function dialectOf(path: string): ClientDialect {
  if (isGeminiPath(path)) return "gemini";
  if (path.startsWith("/api/")) return "ollama";
  return /\/messages(\/|$)/.test(path) ? "anthropic" : "openai";
}

/** An ApiError as a response in the client's own dialect, with retry-after kept. */
export function renderError(c: Context, error: ApiError): Response {
  const dialect = dialectOf(c.req.path);
  const body =
    dialect === "anthropic"
      ? encodeAnthropicError(error)
      : dialect === "gemini"
        ? encodeGeminiError(error)
        : dialect === "ollama"
          ? encodeOllamaError(error)
          : encodeOpenAIError(error);
  const headers: Record<string, string> = {};
  if (error.retryAfter) headers["retry-after"] = error.retryAfter;
  // 466 is not a standard status: clients get 400 for a version problem.
  const status = dialect === "gemini" ? geminiStatus(error) : error.status === 466 ? 400 : error.status;
  return c.json(body, status as 400, headers);
}
