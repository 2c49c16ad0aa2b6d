import { fileURLToPath } from "node:url";

/**
 * Real upstream streams recorded by public projects, in shared/reference beside the repository
 * (never copied into it). Tests that replay them skip, saying so, when the folder is absent.
 */
export const SAMPLES_DIR = fileURLToPath(new URL("../../../../shared/reference/upstream-samples/", import.meta.url));

export function sample(name: string): string {
  return `${SAMPLES_DIR}${name}`;
}
