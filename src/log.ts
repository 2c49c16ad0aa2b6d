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
const PATTERNS: RegExp[] = [
  /\b(gh[uopsr]_|github_pat_)[A-Za-z0-9_]{8,}/g,
  /\btid=[^\s"',]+/g,
  /\bBearer\s+[A-Za-z0-9._~+/=:;-]{8,}/gi,
  // "token <value>": the value must hold a digit, so that prose ("token renewed; valid until")
  // stays readable; real token values (and Copilot's tid=…;exp=…) always carry digits.
  /\btoken\s+(?=[A-Za-z0-9._~+/=:;-]*\d)[A-Za-z0-9._~+/=:;-]{8,}/gi,
];

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) secrets.add(value);
}

// Control characters are escaped in every line, whatever it quotes (a model name, a path, an
// upstream message): a client must not be able to send escape sequences to the terminal.
function clean1(text: string): string {
  return withoutControls(redact(text));
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
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
