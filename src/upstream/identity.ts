import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * The client identity copilot-api presents to Copilot: one coherent VS Code + Copilot Chat release
 * (a stale plugin next to a current editor is fingerprintable, copilot-upstream.md 3).
 *
 * [U] The exact current release pair is not known offline. The last published data point in the
 * reference is copilot-chat 0.50.1 (mid-2026, caozhiyuan/copilot-api); VS Code ships monthly, so
 * the editor version is the one that extension line paired with. Both are overridable with
 * COPILOT_API_EDITOR_VERSION / COPILOT_API_PLUGIN_VERSION if Copilot starts answering
 * "not supported in this VS Code version".
 */
export const DEFAULT_EDITOR_VERSION = "1.112.0";
export const DEFAULT_PLUGIN_VERSION = "0.50.1";

export interface Identity {
  editorVersion: string;
  editorPluginVersion: string;
  userAgent: string;
  integrationId: string;
  deviceId: string;
  machineId: string;
  sessionId: string;
}

export function buildIdentity(
  ids: { deviceId: string; machineId: string },
  env: NodeJS.ProcessEnv = process.env,
): Identity {
  const editor = env.COPILOT_API_EDITOR_VERSION || DEFAULT_EDITOR_VERSION;
  const plugin = env.COPILOT_API_PLUGIN_VERSION || DEFAULT_PLUGIN_VERSION;
  return {
    editorVersion: `vscode/${editor}`,
    editorPluginVersion: `copilot-chat/${plugin}`,
    userAgent: `GitHubCopilotChat/${plugin}`,
    integrationId: "vscode-chat",
    ...ids,
    sessionId: `${randomUUID()}${Date.now()}`,
  };
}

/** Device and machine ids persist per install, as VS Code's do; the session id is per process. */
export async function loadDeviceIds(file: string): Promise<{ deviceId: string; machineId: string }> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as { deviceId?: string; machineId?: string };
    if (parsed.deviceId && parsed.machineId) return { deviceId: parsed.deviceId, machineId: parsed.machineId };
  } catch {
    // first run, or unreadable: make new ones
  }
  const ids = { deviceId: randomUUID(), machineId: randomUUID().replace(/-/g, "") + randomUUID().replace(/-/g, "") };
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, JSON.stringify(ids), { mode: 0o600 });
  } catch {
    // a read-only data dir only costs us stable ids
  }
  return ids;
}
