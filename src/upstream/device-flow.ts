import { ApiError } from "../errors.js";
import { explainingFetch } from "./explain-network-error.js";
import type { FetchLike } from "./http.js";
import { GITHUB_CLIENT_ID, GITHUB_SCOPE } from "./github.js";

export interface DeviceCode {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval?: number;
}

export interface DeviceFlowOptions {
  fetch: FetchLike;
  githubUrl: string;
  clientId?: string;
  scope?: string;
  /** Told the code and where to enter it. */
  onCode: (code: DeviceCode) => void;
  /** Told each time the poll interval changes (slow_down). */
  onSlowDown?: (intervalSec: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  signal?: AbortSignal;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * GitHub's OAuth device flow, to RFC 8628 (copilot-upstream.md 1.1): honour `interval`, add 5 s
 * for every `slow_down` (or take the interval GitHub returns, if larger), stop on `expired_token`,
 * `access_denied`, or when `expires_in` has passed. Pending and error states come as a 200 with an
 * `error` field, so the field is read, not the status.
 */
export async function runDeviceFlow(options: DeviceFlowOptions): Promise<string> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const clientId = options.clientId ?? GITHUB_CLIENT_ID;
  const headers = { accept: "application/json", "content-type": "application/json" };
  const fetch = explainingFetch(options.fetch, "GitHub");

  const codeRes = await fetch(`${options.githubUrl}/login/device/code`, {
    method: "POST",
    headers,
    body: JSON.stringify({ client_id: clientId, scope: options.scope ?? GITHUB_SCOPE }),
    signal: options.signal,
  });
  const codeText = await codeRes.text();
  if (!codeRes.ok) throw authError(`GitHub refused to start the device flow (HTTP ${codeRes.status}): ${codeText.slice(0, 200)}`);
  let code: DeviceCode & { error?: string; error_description?: string };
  try {
    code = JSON.parse(codeText) as typeof code;
  } catch {
    throw authError(`GitHub answered the device flow start with something other than JSON: ${codeText.slice(0, 200)}`);
  }
  if (typeof code?.device_code !== "string") {
    throw authError(`GitHub refused to start the device flow: ${code?.error_description ?? code?.error ?? codeText.slice(0, 200)}`);
  }
  options.onCode(code);

  let intervalSec = code.interval && code.interval > 0 ? code.interval : 5;
  const deadline = now() + (code.expires_in > 0 ? code.expires_in : 900) * 1000;

  for (;;) {
    await sleep(intervalSec * 1000);
    if (now() >= deadline) throw authError("The device code expired before it was entered. Run `copilot-api auth` again.");
    const res = await fetch(`${options.githubUrl}/login/oauth/access_token`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        client_id: clientId,
        device_code: code.device_code,
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      }),
      signal: options.signal,
    });
    const text = await res.text();
    let body: { access_token?: string; error?: string; error_description?: string; interval?: number } = {};
    try {
      body = JSON.parse(text);
    } catch {
      if (!res.ok) throw authError(`GitHub answered HTTP ${res.status} while polling for the token`);
    }
    if (body.access_token) return body.access_token;
    switch (body.error) {
      case "authorization_pending":
        continue;
      case "slow_down":
        intervalSec = Math.max(intervalSec + 5, body.interval ?? 0);
        options.onSlowDown?.(intervalSec);
        continue;
      case "expired_token":
        throw authError("The device code expired before it was entered. Run `copilot-api auth` again.");
      case "access_denied":
        throw authError("The authorization request was denied on GitHub.");
      default:
        throw authError(`GitHub device flow failed: ${body.error_description ?? body.error ?? `HTTP ${res.status}`}`);
    }
  }
}

function authError(message: string) {
  return new ApiError({ kind: "authentication", status: 401, message });
}
