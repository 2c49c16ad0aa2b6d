import { ApiError } from "../errors.js";
import type { Runtime } from "../runtime.js";
import { keyNameOf } from "./api-keys.js";

/** Per key name, the models it may use; built once per runtime. */
const built = new WeakMap<Runtime, Map<string, string[]>>();

function allowedByName(runtime: Runtime): Map<string, string[]> {
  let map = built.get(runtime);
  if (!map) {
    const { keyModels, keyNames } = runtime.config;
    map = new Map(Object.entries(keyModels).map(([key, models]) => [keyNameOf(key, keyNames), models]));
    built.set(runtime, map);
  }
  return map;
}

const matches = (pattern: string, name: string) => (pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name);

/**
 * Refuses a model the caller's API key may not use (the config file's `models` for that key), with a
 * 403 naming the model and what the key allows, in the client's dialect. The name asked for and
 * the Copilot model it resolved to are both accepted, so an alias in the list works.
 */
export function requireAllowedModel(runtime: Runtime, keyName: string | undefined, requested: string, resolved: string): void {
  if (keyName === undefined) return;
  const allowed = allowedByName(runtime).get(keyName);
  if (!allowed || allowed.some((p) => matches(p, requested) || matches(p, resolved))) return;
  throw new ApiError({
    kind: "permission",
    status: 403,
    code: "model_not_allowed",
    param: "model",
    message: `API key "${keyName}" may not use the model "${requested.slice(0, 100)}"; it may use: ${allowed.join(", ")} (set in the config file's apiKeys).`,
  });
}
