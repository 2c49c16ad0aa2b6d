import { badRequest } from "../../errors.js";
import { blocksOf, type MessagesInterceptor } from "./types.js";
import { asText, clip, quote } from "../../text.js";

/**
 * Tools as Copilot accepts them: name, description, input_schema, cache_control. Claude Code's
 * `eager_input_streaming`, other clients' `defer_loading` and the JSON-schema `$schema` key are
 * removed. Server tools (web search) are refused by Copilot with "The use of the web search tool
 * is not supported"; we say so up front, naming the tool, rather than drop it silently
 * (known-failures F2, case 37).
 */
const TOOL_FIELDS = new Set(["name", "description", "input_schema", "cache_control"]);

export const withToolsCleaned: MessagesInterceptor = (body) => {
  if (body.tools === undefined) return;
  if (!Array.isArray(body.tools)) throw badRequest("`tools` must be an array", "tools");
  body.tools = blocksOf(body.tools).map((tool, i) => {
    const type = typeof tool.type === "string" ? tool.type : undefined;
    if (type && type !== "custom") {
      throw badRequest(
        `tools.${i}: the server tool ${quote(type)}${tool.name ? ` (${clip(asText(tool.name))})` : ""} is not supported by GitHub Copilot. ` +
          "Remove it (in Claude Code: deny the WebSearch tool) or use a client-side tool instead.",
        `tools.${i}.type`,
      );
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(tool)) if (TOOL_FIELDS.has(k)) out[k] = v;
    const schema = out.input_schema;
    if (schema && typeof schema === "object" && "$schema" in schema) {
      const { $schema: _drop, ...rest } = schema as Record<string, unknown>;
      out.input_schema = rest;
    }
    return out;
  });
};
