// Deterministic token counts used by every endpoint of the fake (tests elsewhere compare against them).
//
//   promptTokens = Math.ceil(JSON.stringify(parts).length / 4)    (length in UTF-16 code units)
//   parts, per endpoint (missing fields become null):
//     /chat/completions:                     [body.messages, body.tools]
//     /responses:                            [body.instructions, body.input, body.tools]
//     /v1/messages, /v1/messages/count_tokens: [body.system, body.messages, body.tools]
//   embeddings: sum over inputs of Math.ceil(input.length / 4)
//   completionTokens = Math.max(1, Math.ceil(L / 4)), L = reasoning text length + visible text length
//                      + sum over tool calls of (name.length + arguments JSON string length)

export type PromptEndpoint = "chat" | "responses" | "messages";

export function promptParts(endpoint: PromptEndpoint, body: any): unknown[] {
  const b = body ?? {};
  switch (endpoint) {
    case "chat":
      return [b.messages ?? null, b.tools ?? null];
    case "responses":
      return [b.instructions ?? null, b.input ?? null, b.tools ?? null];
    case "messages":
      return [b.system ?? null, b.messages ?? null, b.tools ?? null];
  }
}

export function promptTokens(endpoint: PromptEndpoint, body: any): number {
  return Math.ceil(JSON.stringify(promptParts(endpoint, body)).length / 4);
}

export function embeddingTokens(inputs: string[]): number {
  return inputs.reduce((sum, s) => sum + Math.ceil(s.length / 4), 0);
}

export function completionTokens(reasoning: string, text: string, calls: { name: string; arguments: string }[]): number {
  const len = reasoning.length + text.length + calls.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  return Math.max(1, Math.ceil(len / 4));
}
