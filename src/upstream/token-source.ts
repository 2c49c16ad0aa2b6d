/**
 * Which GitHub token is used, where it came from, and how Copilot takes it (copilot-upstream.md
 * 1.1 and 13.1). The Copilot SDK looks for a token in COPILOT_GITHUB_TOKEN, then GH_TOKEN, then
 * GITHUB_TOKEN; `--github-token` comes before all three and the stored login after them.
 */

/** Environment variables that may hold a GitHub token, in the order they are read. */
export const TOKEN_ENV_VARS = ["COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"] as const;

export type TokenOrigin = "flag" | (typeof TOKEN_ENV_VARS)[number] | "file" | "github-app";

export type TokenKind =
  | "oauth-app" // gho_: device flow of an OAuth app (gh, Copilot CLI, VS Code)
  | "app-user" // ghu_: a GitHub App's user-to-server token (our own device flow)
  | "fine-grained-pat" // github_pat_: with the "Copilot Requests" account permission
  | "classic-pat" // ghp_: not accepted by Copilot
  | "installation" // ghs_: a GitHub App installation token (server-to-server)
  | "unknown";

/** How the token reaches Copilot: exchanged for a Copilot token first (mode A), or sent as is (mode B). */
export type TokenUse = "exchange" | "direct";

/**
 * The Copilot-Integration-Id under which Copilot accepts a fine-grained PAT directly. [U] Only the
 * Copilot CLI's id is reported to accept it; under VS Code's `vscode-chat` Copilot answers 400
 * "Personal Access Tokens are not supported for this endpoint" (copilot-upstream.md 1.1).
 */
export const PAT_INTEGRATION_ID = "copilot-developer-cli";

export function tokenKind(token: string): TokenKind {
  if (token.startsWith("github_pat_")) return "fine-grained-pat";
  if (token.startsWith("ghp_")) return "classic-pat";
  if (token.startsWith("gho_")) return "oauth-app";
  if (token.startsWith("ghu_")) return "app-user";
  if (token.startsWith("ghs_")) return "installation";
  return "unknown";
}

/**
 * Fine-grained PATs go straight to Copilot: GitHub's v2/token answers them 403 "Resource not
 * accessible by personal access token". Every other kind tries the exchange first; a 404 there
 * switches to direct use (token-manager.ts), which is what gho_ tokens of gh and the Copilot CLI
 * need. [U] Installation tokens (ghs_) are exchanged like user tokens by one open-source gateway.
 */
export function tokenUse(kind: TokenKind): TokenUse {
  return kind === "fine-grained-pat" ? "direct" : "exchange";
}

/** The first token set in the environment, in the Copilot SDK's order. */
export function tokenFromEnv(env: NodeJS.ProcessEnv): { token: string; origin: TokenOrigin } | undefined {
  for (const name of TOKEN_ENV_VARS) {
    const token = env[name]?.trim();
    if (token) return { token, origin: name };
  }
  return undefined;
}

const KIND_NAMES: Record<TokenKind, string> = {
  "oauth-app": "OAuth app token (gho_)",
  "app-user": "GitHub App user token (ghu_)",
  "fine-grained-pat": "fine-grained personal access token (github_pat_)",
  "classic-pat": "classic personal access token (ghp_)",
  installation: "GitHub App installation token (ghs_)",
  unknown: "token of an unrecognised kind",
};

const ORIGIN_NAMES: Record<TokenOrigin, string> = {
  flag: "--github-token",
  COPILOT_GITHUB_TOKEN: "COPILOT_GITHUB_TOKEN",
  GH_TOKEN: "GH_TOKEN",
  GITHUB_TOKEN: "GITHUB_TOKEN",
  file: "the stored login",
  "github-app": "the GitHub App's key (--github-app-id)",
};

/** One line for `debug` and the start-up log: which token, from where, and how it is used. Never the token. */
export function describeToken(kind: TokenKind, origin: TokenOrigin): string {
  const how =
    kind === "classic-pat"
      ? "cannot be used with Copilot"
      : tokenUse(kind) === "direct"
        ? `used directly as the Bearer for Copilot (Copilot-Integration-Id ${PAT_INTEGRATION_ID})`
        : "exchanged for a Copilot token (used directly when GitHub offers no exchange for it)";
  return `${KIND_NAMES[kind]} from ${ORIGIN_NAMES[origin]}: ${how}`;
}

/**
 * Classic PATs can't reach Copilot at all: the token exchange refuses them and Copilot takes no
 * classic PAT directly (copilot-upstream.md 1.1, 13.1). Saying so beats GitHub's bare refusal.
 */
export function classicPatMessage(origin: TokenOrigin): string {
  return (
    `The GitHub token from ${ORIGIN_NAMES[origin]} is a classic personal access token (ghp_…), which GitHub Copilot does not accept: ` +
    "its token exchange refuses classic PATs and its API takes none directly. Use `copilot-api auth` (GitHub's device flow), " +
    'or a fine-grained personal access token (github_pat_…) with the account permission "Copilot Requests".'
  );
}
