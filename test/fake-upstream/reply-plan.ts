// Deterministic reply logic shared by /chat/completions, /responses and /v1/messages.
// Each endpoint reduces its conversation to a Turn (last user text, or trailing tool results),
// the offered tool names and whether reasoning was requested; planReply decides the answer:
//   - tool result last                → text "Tool result: <result text, trimmed; several joined by "\n">"
//   - /\brun (.+)$/ on the user text   → one call to Bash|bash|exec_command|shell|run_command|run_shell_command (else the first tool):
//                                        {"command": cmd}, or {"cmd": cmd} for exec_command
//   - /\bpatch (\S+)/ with apply_patch offered → one apply_patch call adding that file, arguments
//                                        {"input": "*** Begin Patch\n*** Add File: <file>\n+patched by fake Copilot\n*** End Patch\n"}
//                                        (Copilot sees Codex's free-form tool as a function taking `input`)
//   - "search the web for Q" (WebSearch offered) → one WebSearch call {"query": Q}
//   - "parallel tools" (tools offered) → two calls (tools[0] and tools[1] ?? tools[0]), commands "echo parallel-1"/"-2"
//   - "[[chunks:N]]"                   → exactly N text deltas "w1 ", "w2 ", …
//   - "[[pace:N]]" (anywhere in the body) → the stream's events go out N ms apart (reply-writer.ts)
//   - otherwise                        → "Hello from fake Copilot (<model>): <first 40 chars of the user text>"
//                                        plus " héllo 🌍 世界" when the text contains "[[emoji]]"
//   - "[[think]]" or reasoning requested → reasoning deltas first
// Anthropic models say "I'll run `cmd`." (or "I'll call two tools in parallel.") before their tool calls,
// which exercises Copilot's text-in-choices[0] / tool_calls-in-choices[1] split on /chat/completions.
import type { FakeModel } from "./models.js";

export type Turn = { kind: "user"; text: string } | { kind: "tool-result"; text: string };

export interface ReplyInput {
  model: FakeModel;
  turn: Turn;
  tools: string[];
  thinking: boolean;
}

export interface PlannedToolCall {
  name: string;
  /** JSON object string. */
  arguments: string;
}

export interface ReplyPlan {
  reasoningDeltas: string[];
  textDeltas: string[];
  toolCalls: PlannedToolCall[];
}

export const EMOJI_TEXT = " héllo 🌍 世界";
const SHELL_TOOLS = ["Bash", "bash", "exec_command", "shell", "run_command", "run_shell_command"];

export function joined(parts: string[]): string {
  return parts.join("");
}

/** Word-sized deltas ("Hello ", "from ", …), deterministic. */
export function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function argsFor(tool: string, command: string): string {
  return JSON.stringify(tool === "exec_command" ? { cmd: command } : { command });
}

function firstChars(text: string, n: number): string {
  return Array.from(text).slice(0, n).join("");
}

export function planReply(input: ReplyInput): ReplyPlan {
  const { model, turn, tools } = input;
  const text = turn.text.trim();
  const plan: ReplyPlan = { reasoningDeltas: [], textDeltas: [], toolCalls: [] };
  const anthropic = model.vendor === "Anthropic";

  if (input.thinking || (turn.kind === "user" && text.includes("[[think]]"))) {
    plan.reasoningDeltas = words(`Let me think about this step by step. The user wrote: ${firstChars(text, 40)}`);
  }
  if (turn.kind === "tool-result") {
    plan.textDeltas = words(`Tool result: ${text}`);
    return plan;
  }

  // "search the web for Q" with Claude Code's WebSearch tool offered → one WebSearch call {query: Q}.
  const search = /\bsearch the web for (.+)$/.exec(text);
  if (search && tools.includes("WebSearch")) {
    plan.toolCalls = [{ name: "WebSearch", arguments: JSON.stringify({ query: search[1]!.trim() }) }];
    return plan;
  }
  const patch = /\bpatch (\S+)/.exec(text);
  if (patch && tools.includes("apply_patch")) {
    plan.toolCalls = [{ name: "apply_patch", arguments: JSON.stringify({ input: patchAdding(patch[1]!) }) }];
    if (anthropic) plan.textDeltas = words(`I'll create ${patch[1]}.`);
    return plan;
  }
  const run = /\brun (.+)$/.exec(text);
  if (run && tools.length > 0) {
    const command = run[1]!.trim();
    const tool = tools.find((t) => SHELL_TOOLS.includes(t)) ?? tools[0]!;
    plan.toolCalls = [{ name: tool, arguments: argsFor(tool, command) }];
    if (anthropic) plan.textDeltas = words(`I'll run \`${command}\`.`);
    return plan;
  }
  if (text.includes("parallel tools") && tools.length > 0) {
    const a = tools[0]!;
    const b = tools[1] ?? a;
    plan.toolCalls = [
      { name: a, arguments: argsFor(a, "echo parallel-1") },
      { name: b, arguments: argsFor(b, "echo parallel-2") },
    ];
    if (anthropic) plan.textDeltas = words("I'll call two tools in parallel.");
    return plan;
  }
  const chunks = /\[\[chunks:(\d+)\]\]/.exec(text);
  if (chunks) {
    const n = Number(chunks[1]);
    plan.textDeltas = Array.from({ length: n }, (_, i) => `w${i + 1} `);
    return plan;
  }
  let reply = `Hello from fake Copilot (${model.id}): ${firstChars(text, 40)}`;
  if (text.includes("[[emoji]]")) reply += EMOJI_TEXT;
  plan.textDeltas = words(reply);
  return plan;
}

/** The patch the fake writes for "patch <file>", in Codex's apply_patch format. */
export function patchAdding(file: string): string {
  return `*** Begin Patch\n*** Add File: ${file}\n+patched by fake Copilot\n*** End Patch\n`;
}

/** Splits a tool-call argument string into ≥2 non-empty fragments (3 when long enough). */
export function argumentFragments(args: string): string[] {
  if (args.length < 2) return [args, ""].filter((s, i) => i === 0 || s !== "");
  if (args.length < 6) {
    const mid = Math.ceil(args.length / 2);
    return [args.slice(0, mid), args.slice(mid)];
  }
  const a = Math.ceil(args.length / 3);
  const b = Math.ceil((2 * args.length) / 3);
  return [args.slice(0, a), args.slice(a, b), args.slice(b)];
}
