import { objectArguments } from "../chat/with-object-tool-arguments.js";
import { inputItems, type ResponsesInterceptor } from "./types.js";

/**
 * A history function call whose `arguments` is not a JSON-object string (empty, "[]", truncated)
 * makes Copilot refuse every later turn ("Invalid JSON format in tool call arguments",
 * known-failures T5); normalised to "{}" as on chat. Custom tool calls were wrapped into a JSON
 * object already (with-custom-tools-as-functions).
 */
export const withObjectToolArguments: ResponsesInterceptor = (body) => {
  for (const item of inputItems(body)) {
    if (item.type === "function_call") item.arguments = objectArguments(item.arguments);
  }
};
