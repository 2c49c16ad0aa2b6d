import { ApiError } from "../errors.js";
import { type CopilotModel, isUsable, modelType } from "../upstream/model-catalog.js";

export interface ModelAliases {
  [alias: string]: string;
}

/**
 * Finds the Copilot model a client means. Clients send ids in their vendor's spelling: Claude Code
 * sends `claude-sonnet-4-5-20250929`, `claude-opus-4-6[1m]`, or a family (`sonnet`); Copilot lists
 * `claude-sonnet-4.5`, `claude-opus-4.6-1m`. In order: a user alias, the exact id, then the
 * normalised id (dates dropped, version dashes to dots, `[1m]` to `-1m` when that variant exists),
 * then a family name to its newest listed model. Never a silent downgrade to another version
 * (known-failures T17): when nothing matches, the caller gets a not-found error listing the ids.
 */
export function resolveModel(
  requested: string,
  models: CopilotModel[],
  aliases: ModelAliases = {},
  kind: "chat" | "embeddings" = "chat",
): CopilotModel {
  const ofKind = (k: "chat" | "embeddings") => models.filter((m) => isUsable(m) && modelType(m) === k);
  const candidates = ofKind(kind);
  // Own keys only: "__proto__" or "constructor" as a model name must not reach Object.prototype.
  const wanted = Object.hasOwn(aliases, requested) && typeof aliases[requested] === "string" ? aliases[requested]! : requested;
  const found = findModel(wanted, candidates);
  if (found) return found;
  // A model of the other kind: say so, rather than "not available on this account".
  const other = findModel(wanted, ofKind(kind === "chat" ? "embeddings" : "chat"));
  if (other) throw wrongKind(requested, other, kind, candidates);
  throw modelNotFound(requested, candidates);
}

function wrongKind(requested: string, model: CopilotModel, wanted: "chat" | "embeddings", candidates: CopilotModel[]): ApiError {
  const ids = candidates.map((m) => m.id).sort();
  const shown = requested.length > 200 ? `${requested.slice(0, 200)}…` : requested;
  const message =
    wanted === "embeddings"
      ? `The model "${shown}" (${model.id}) is a chat model, not an embeddings model. Embeddings models on this account: ${ids.join(", ")}`
      : `The model "${shown}" (${model.id}) is an embeddings model: send it to /v1/embeddings. Chat models on this account: ${ids.join(", ")}`;
  return new ApiError({ kind: "invalid_request", status: 400, code: "model_not_supported", param: "model", message });
}

/** The candidate a (de-aliased) name means, or undefined. */
function findModel(wanted: string, candidates: CopilotModel[]): CopilotModel | undefined {
  const byId = new Map(candidates.map((m) => [m.id, m]));
  const hit = byId.get(wanted) ?? byId.get(wanted.toLowerCase());
  if (hit) return hit;

  for (const id of normalisedIds(wanted)) {
    const m = byId.get(id);
    if (m) return m;
  }
  const family = familyOf(wanted);
  if (family) {
    const newest = newestOfFamily(candidates, family);
    // Claude Code's `opus[1m]` / `sonnet[1m]`: the newest member's -1m variant when listed.
    if (newest && /\[1m\]$/i.test(wanted.trim())) return byId.get(`${newest.id}-1m`) ?? newest;
    if (newest) return newest;
  }
  return undefined;
}

export function modelNotFound(requested: string, candidates: CopilotModel[]): ApiError {
  const ids = candidates.map((m) => m.id).sort();
  return new ApiError({
    kind: "not_found",
    status: 404,
    code: "model_not_found",
    param: "model",
    message: `The model "${requested.length > 200 ? `${requested.slice(0, 200)}…` : requested}" is not available on this Copilot account. Available models: ${ids.join(", ")}`,
  });
}

/** Spellings to try, most specific first. */
export function normalisedIds(requested: string): string[] {
  let id = requested.trim().toLowerCase();
  const oneM = /\[1m\]$/.test(id);
  id = id.replace(/\[1m\]$/, "");
  id = id.replace(/^(anthropic|openai|google)[/.]/, "");
  // Dated suffixes: -20250929, -2025-09-29, @20250929
  id = id.replace(/[-@](20\d{6}|20\d{2}-\d{2}-\d{2})$/, "");
  // Version dashes between digits become dots: claude-opus-4-6 -> claude-opus-4.6, gpt-5-4 stays unless listed.
  const dotted = id.replace(/(\d)-(?=\d(?:\D|$))/g, "$1.");
  const out: string[] = [];
  if (oneM) out.push(`${dotted}-1m`, `${id}-1m`);
  out.push(dotted, id);
  // claude-3-5-sonnet style: vendor order differs; also try moving the family after the version.
  const m = /^claude-(\d+(?:[.-]\d+)?)-(opus|sonnet|haiku)$/.exec(id);
  if (m && m[1] && m[2]) out.push(`claude-${m[2]}-${m[1].replace("-", ".")}`);
  return [...new Set(out)];
}

const FAMILIES = ["opus", "sonnet", "haiku"] as const;

function familyOf(requested: string): string | undefined {
  const id = requested.trim().toLowerCase().replace(/\[1m\]$/, "");
  if ((FAMILIES as readonly string[]).includes(id)) return id;
  const m = /^claude-(opus|sonnet|haiku)$/.exec(id);
  return m?.[1];
}

function newestOfFamily(models: CopilotModel[], family: string): CopilotModel | undefined {
  const members = models
    .filter((m) => new RegExp(`^claude-${family}-\\d+(\\.\\d+)?$`).test(m.id))
    .map((m) => ({ m, v: (/(\d+(?:\.\d+)?)$/.exec(m.id)?.[1] ?? "0").split(".").map(Number) }));
  members.sort((a, b) => (b.v[0] ?? 0) - (a.v[0] ?? 0) || (b.v[1] ?? 0) - (a.v[1] ?? 0));
  return members[0]?.m;
}
