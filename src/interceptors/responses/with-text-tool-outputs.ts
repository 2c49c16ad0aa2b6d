import { inputItems, objectsOf, type ResponsesInterceptor } from "./types.js";
import { asText } from "../../text.js";

/**
 * Copilot takes text only in function_call_output (copilot-upstream.md 6: "text only; images go in
 * a following user message", as VS Code sends them). An output given as content parts (Codex's
 * view_image, any client returning input_image) becomes its text, and its images move into one
 * user message after the run of outputs, so parallel calls' outputs stay together.
 */
export const withTextToolOutputs: ResponsesInterceptor = (body) => {
  if (!Array.isArray(body.input)) return;
  if (!inputItems(body).some((it) => isOutput(it) && Array.isArray(it.output))) return;
  const out: unknown[] = [];
  let images: Record<string, unknown>[] = [];
  const flush = () => {
    if (images.length > 0) out.push({ type: "message", role: "user", content: images });
    images = [];
  };
  for (const item of body.input as unknown[]) {
    const it = item as Record<string, unknown> | null;
    if (!it || typeof it !== "object" || !isOutput(it)) {
      flush();
      out.push(item);
      continue;
    }
    if (Array.isArray(it.output)) {
      const parts = objectsOf(it.output);
      const text = parts
        .filter((p) => (p.type === "input_text" || p.type === "output_text") && typeof p.text === "string")
        .map((p) => p.text as string)
        .join("\n\n");
      const pictures = parts.filter((p) => p.type === "input_image");
      if (pictures.length > 0) {
        images.push({ type: "input_text", text: `Images returned by tool ${asText(it.call_id)}:` }, ...pictures);
      }
      it.output = text || (pictures.length > 0 ? "The images are in the next message." : "");
    }
    out.push(it);
  }
  flush();
  body.input = out;
};

function isOutput(item: Record<string, unknown>): boolean {
  return item.type === "function_call_output";
}
