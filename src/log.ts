import type { ConsolaInstance } from "consola";
import { withoutControls } from "./text.js";

// consola's full build (fancy reporter, string widths, prompts) takes ~35 ms more to load than its
// basic one, and only a terminal shows the difference: a service, a container or a pipe gets the
// basic reporter either way, so that is all that is loaded there (cold start, bench: Performance).
const { createConsola } = process.stdout.isTTY ? await import("consola") : await import("consola/basic");

/**
 * Every log line goes through `redact`: GitHub tokens (ghu_/gho_/ghp_/ghs_/ghr_/github_pat_), Copilot
 * session tokens (`tid=…;exp=…`), and Authorization values never reach the terminal or a file,
 * whatever the verbosity. `--show-token` is the only switch that prints a token, and it does so
 * through `log.secret`, on purpose.
 */
const secrets = new Set<string>();
/**
 * Secrets that are replaced while the server runs (Copilot session tokens every ~25 min, GitHub App
 * installation tokens every hour), by kind, newest last: only the last few of each kind are kept, so
 * the list checked against every log line does not grow with uptime. An older one can still be in
 * flight in a line logged just after its renewal, hence more than one; one that old no longer works.
 */
const rotating = new Map<string, string[]>();
const ROTATING_KEPT = 4;
const PATTERNS: RegExp[] = [
  /\b(gh[uopsr]_|github_pat_)[A-Za-z0-9_]{8,}/g,
  /\btid=[^\s"',]+/g,
  /\bBearer\s+[A-Za-z0-9._~+/=:;-]{8,}/gi,
  // "token <value>": the value must hold a digit, so that prose ("token renewed; valid until")
  // stays readable; real token values (and Copilot's tid=…;exp=…) always carry digits.
  /\btoken\s+(?=[A-Za-z0-9._~+/=:;-]*\d)[A-Za-z0-9._~+/=:;-]{8,}/gi,
];

/**
 * `rotates`: the kind of a secret that is replaced over time (see `rotating`); without it the secret
 * is kept for the life of the process (the GitHub token, a database password).
 */
export function registerSecret(value: string | undefined, rotates?: string): void {
  if (!value || value.length < 8) return;
  if (rotates === undefined) {
    secrets.add(value);
    return;
  }
  const kept = rotating.get(rotates) ?? [];
  if (kept.includes(value)) return;
  kept.push(value);
  if (kept.length > ROTATING_KEPT) kept.shift();
  rotating.set(rotates, kept);
}

/** How many secrets `redact` checks each line against (for the bound's test). */
export function registeredSecretCount(): number {
  let n = secrets.size;
  for (const kept of rotating.values()) n += kept.length;
  return n;
}

// Control characters are escaped in every line, whatever it quotes (a model name, a path, an
// upstream message): a client must not be able to send escape sequences to the terminal.
function clean1(text: string): string {
  return withoutControls(redact(text));
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
  for (const kept of rotating.values()) for (const secret of kept) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
  for (const pattern of PATTERNS) out = out.replace(pattern, (m) => {
    const scheme = /^(Bearer|token)\s/i.exec(m);
    return scheme ? `${scheme[1]} [redacted]` : "[redacted]";
  });
  return out;
}

function clean(args: unknown[]): unknown[] {
  return args.map((a) => {
    if (typeof a === "string") return clean1(a);
    if (a instanceof Error) return clean1(a.stack ?? a.message);
    if (a && typeof a === "object") {
      try {
        return clean1(JSON.stringify(a));
      } catch {
        return "[unserialisable]";
      }
    }
    return a;
  });
}

export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  success(...args: unknown[]): void;
  box(text: string): void;
  /** Prints a secret without redaction: only for --show-token. */
  secret(label: string, value: string): void;
  setVerbose(verbose: boolean): void;
  /** Asks the user to pick one of `options` (TTY only). */
  prompt(message: string, options: string[], initial?: string): Promise<string | undefined>;
}

export function createLogger(consola: ConsolaInstance = createConsola({ level: 3 })): Logger {
  return {
    debug: (...a) => (consola.debug as (...x: unknown[]) => void)(...clean(a)),
    info: (...a) => (consola.info as (...x: unknown[]) => void)(...clean(a)),
    warn: (...a) => (consola.warn as (...x: unknown[]) => void)(...clean(a)),
    error: (...a) => (consola.error as (...x: unknown[]) => void)(...clean(a)),
    success: (...a) => (consola.success as (...x: unknown[]) => void)(...clean(a)),
    box: (text) => consola.box(clean1(text)),
    secret: (label, value) => consola.info(`${label}: ${value}`),
    prompt: async (message, options, initial) => {
      const answer = await consola.prompt(message, { type: "select", options, initial, cancel: "undefined" });
      return typeof answer === "string" ? answer : undefined;
    },
    setVerbose: (verbose) => {
      consola.level = verbose ? 4 : 3;
    },
  };
}

export const log: Logger = createLogger();
