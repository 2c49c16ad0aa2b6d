import { randomUUID } from "node:crypto";
import type { Identity } from "./identity.js";

/** The API version VS Code still sends to the GitHub token and user endpoints (copilot-upstream.md 1.2, 9). */
export const GITHUB_API_VERSION = "2025-04-01";

export type Initiator = "user" | "agent";

/**
 * What a Copilot call is for. OpenAI-Intent names the feature; X-Interaction-Type usually equals it
 * (copilot-upstream.md 3, 3.2). We present ourselves the way VS Code's own local proxies do for
 * Claude Code (messages-proxy) and Codex (responses-proxy), and as the agent panel for chat clients.
 */
export type Intent =
  | "conversation-agent"
  | "conversation-panel"
  | "messages-proxy"
  | "responses-proxy"
  | "model-access"
  | "conversation-background";

export interface CallContext {
  intent: Intent;
  interactionType?: string;
  initiator?: Initiator;
  /** Only true when the request carries an image: sending it otherwise costs a vision slot (429). */
  vision?: boolean;
  /** Stable across one client conversation and its tool loop. */
  interactionId?: string;
}

/**
 * Headers for one Copilot (CAPI) call. The static identity part is built once per process; only
 * the per-call values are added here.
 */
export function createCopilotHeaders(identity: Identity, apiVersion: string) {
  const base: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    "editor-version": identity.editorVersion,
    "editor-plugin-version": identity.editorPluginVersion,
    "user-agent": identity.userAgent,
    "copilot-integration-id": identity.integrationId,
    "x-github-api-version": apiVersion,
    "editor-device-id": identity.deviceId,
    "vscode-machineid": identity.machineId,
    "vscode-sessionid": identity.sessionId,
    "x-vscode-user-agent-library-version": "node-fetch",
  };
  return (token: string, call: CallContext, integrationId?: string): Record<string, string> => {
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      ...base,
      authorization: `Bearer ${token}`,
      "x-request-id": requestId,
      "x-agent-task-id": requestId,
      "openai-intent": call.intent,
      "x-interaction-type": call.interactionType ?? call.intent,
      // Missing means "user" upstream, so always say which it is (copilot-upstream.md 3.1).
      "x-initiator": call.initiator ?? "user",
    };
    // Own-app GitHub tokens used directly (mode B) work without an integration id, and the CLI
    // that uses that mode sends its own; editor tokens need vscode-chat. [U] We keep vscode-chat
    // in both modes, as VS Code's agent host does, except for fine-grained PATs, which only the
    // CLI's id is reported to accept (token-source.ts).
    if (integrationId) headers["copilot-integration-id"] = integrationId;
    if (call.interactionId) headers["x-interaction-id"] = call.interactionId;
    if (call.vision) headers["copilot-vision-request"] = "true";
    return headers;
  };
}

export type CopilotHeaders = ReturnType<typeof createCopilotHeaders>;

/** Headers for github.com REST calls (token exchange, user, quota). */
export function githubHeaders(identity: Identity, githubToken: string, scheme: "token" | "Bearer" = "token") {
  return {
    accept: "application/json",
    authorization: `${scheme} ${githubToken}`,
    "editor-version": identity.editorVersion,
    "editor-plugin-version": identity.editorPluginVersion,
    "user-agent": identity.userAgent,
    "x-github-api-version": GITHUB_API_VERSION,
    "x-vscode-user-agent-library-version": "node-fetch",
  };
}
