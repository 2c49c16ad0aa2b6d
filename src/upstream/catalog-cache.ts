import { readFileSync } from "node:fs";
import { writeSecretFile } from "../paths.js";
import type { CopilotModel } from "./model-catalog.js";

/**
 * The model list of the last run, kept in the data directory's cache so that a start can listen and
 * answer GET /v1/models (and resolve model names) before Copilot's own list has arrived; the fresh
 * list replaces it as soon as it does (src/runtime.ts). It holds what GET /models answered and the
 * Copilot host it came from: no token, nothing about the account beyond its models. Mode 0600 all
 * the same, like the rest of the data directory.
 *
 * [U] A list cached for the same Copilot host is taken to be what the next run gets too, for the
 * moment until the fresh one arrives: GitHub changes it when models ship or policies change, not
 * between two starts minutes apart (another account on the same host, with other policies, sees
 * the previous account's list for that moment). A list older than MAX_AGE_MS is not used.
 */
export const CATALOG_CACHE_FILE = "models.json";

/** Bigger than any real list (Copilot's is ~60 KB); a larger file is not read. */
const MAX_BYTES = 2 * 1024 * 1024;
const MAX_AGE_MS = 7 * 24 * 3600_000;

interface CachedCatalog {
  apiBase: string;
  savedAt: number;
  models: CopilotModel[];
}

export interface SavedCatalog {
  models: CopilotModel[];
  savedAt: number;
}

/** A saved list this much younger than MAX_AGE_MS is not written again when Copilot's list is the same. */
export const REWRITE_AFTER_MS = 24 * 3600_000;

/** The cached list for `apiBase`, or undefined when there is none, it is for another host, too old or unreadable. */
export function readCatalogCache(file: string, apiBase: string, now: number): SavedCatalog | undefined {
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_BYTES) return undefined;
    text = bytes.toString("utf8");
  } catch {
    return undefined;
  }
  try {
    const cached = JSON.parse(text) as Partial<CachedCatalog>;
    if (cached.apiBase !== apiBase || typeof cached.savedAt !== "number" || !Array.isArray(cached.models)) return undefined;
    if (now - cached.savedAt > MAX_AGE_MS || cached.savedAt > now) return undefined;
    const models = cached.models.filter((m): m is CopilotModel => typeof m === "object" && m !== null && typeof (m as CopilotModel).id === "string");
    return models.length > 0 ? { models, savedAt: cached.savedAt } : undefined;
  } catch {
    return undefined;
  }
}

/** Saves the list (0600, written aside and renamed into place). Never awaited by a request. */
export async function writeCatalogCache(file: string, apiBase: string, models: CopilotModel[], now: number): Promise<void> {
  const text = JSON.stringify({ apiBase, savedAt: now, models } satisfies CachedCatalog);
  if (text.length > MAX_BYTES) return;
  await writeSecretFile(file, text);
}
