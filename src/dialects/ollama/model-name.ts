/**
 * Ollama clients name models `name:tag` and default the tag to `latest` (`gpt-4.1:latest`).
 * Copilot's ids have no tags, so `:latest` is dropped; any other tag is kept, and then fails to
 * resolve with the list of ids.
 */
export function copilotModelName(ollamaName: string): string {
  return ollamaName.replace(/:latest$/i, "");
}

export function ollamaModelName(copilotId: string): string {
  return `${copilotId}:latest`;
}
