import { closestName } from "../closest-name.js";
import { type CopilotModel, isUsable } from "../upstream/model-catalog.js";
import { resolveModel } from "./resolve-model.js";

/**
 * Aliases whose target is no model on this account, said at start with the target named:
 * otherwise `--alias fast=gpt-9` is taken and every request for `fast` fails later as unknown.
 */
export function checkAliases(aliases: Readonly<Record<string, string>>, models: CopilotModel[]): string | undefined {
  for (const [name, target] of Object.entries(aliases)) {
    const resolves = (kind: "chat" | "embeddings") => {
      try {
        resolveModel(target, models, {}, kind);
        return true;
      } catch {
        return false;
      }
    };
    if (resolves("chat") || resolves("embeddings")) continue;
    const ids = models.filter(isUsable).map((m) => m.id).sort();
    const near = closestName(target, ids);
    return (
      `The alias ${name}=${target} (--alias or "modelAliases") names "${target}", which is not a model on this Copilot account` +
      `${near ? `: did you mean "${near}"?` : "."} Models: ${ids.join(", ")}`
    );
  }
  return undefined;
}
