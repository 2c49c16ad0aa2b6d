import { customToolAsFunction, wrapCustomInput } from "../../dialects/openai-responses/wire.js";
import { inputItems, type ResponsesInterceptor } from "./types.js";

/**
 * Copilot rejects free-form `custom` tools (Codex's `apply_patch` with its lark grammar,
 * copilot-upstream.md 6, cao#242). They go upstream as function tools taking `{"input": string}`
 * (the grammar in the parameter's description), and everything that refers to them follows:
 * - a `{type:"custom", name}` tool_choice becomes `{type:"function", name}`;
 * - history `custom_tool_call` items become function_call items with the input wrapped, and
 *   `custom_tool_call_output` items become function_call_output items.
 * Their names are recorded so the route turns the answer's calls back into custom_tool_call items
 * with the raw patch text (CustomToolCallRewriter); otherwise Codex says "apply_patch invoked with
 * incompatible payload" (known-failures case 34).
 */
export const withCustomToolsAsFunctions: ResponsesInterceptor = (body, _model, state) => {
  if (Array.isArray(body.tools)) {
    body.tools = (body.tools as unknown[]).map((tool) => {
      const t = tool as { type?: unknown; name?: unknown; description?: unknown; format?: unknown } | null;
      if (!t || typeof t !== "object" || t.type !== "custom" || typeof t.name !== "string") return tool;
      state.customTools.add(t.name);
      return customToolAsFunction({ name: t.name, description: typeof t.description === "string" ? t.description : undefined, format: t.format });
    });
  }
  const choice = body.tool_choice as { type?: unknown; name?: unknown } | undefined;
  if (choice && typeof choice === "object" && choice.type === "custom") body.tool_choice = { type: "function", name: choice.name };

  for (const item of inputItems(body)) {
    if (item.type === "custom_tool_call") {
      const input = typeof item.input === "string" ? item.input : "";
      item.type = "function_call";
      item.arguments = wrapCustomInput(input);
      delete item.input;
    } else if (item.type === "custom_tool_call_output") {
      item.type = "function_call_output";
    }
  }
};
