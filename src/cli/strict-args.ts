import type { ArgsDef, CommandDef } from "citty";
import { closestName } from "../closest-name.js";
import { printable } from "../text.js";

interface ArgDef {
  type?: string;
  alias?: string | string[];
}

/** The names an option answers to: its own, its camelCase form, and its aliases. */
function namesOf(defs: Record<string, ArgDef>): Map<string, { name: string; type: string }> {
  const out = new Map<string, { name: string; type: string }>();
  for (const [name, def] of Object.entries(defs)) {
    const entry = { name, type: def.type ?? "string" };
    out.set(name, entry);
    out.set(name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), entry);
    for (const alias of def.alias === undefined ? [] : Array.isArray(def.alias) ? def.alias : [def.alias]) out.set(alias, entry);
  }
  return out;
}

const shown = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`);

/** Options a command refuses on purpose, with what to do instead. */
const REFUSED_WITH_REASON: Record<string, string> = {
  "auth github-token":
    "auth always runs the device flow and stores its token. To use a token you already have, give it to start instead (start -g <token>, or GH_TOKEN): it is used, not stored.",
};
REFUSED_WITH_REASON["auth g"] = REFUSED_WITH_REASON["auth github-token"]!;

/**
 * What is wrong with a command's arguments, or undefined. citty takes unknown options silently, so
 * `start --apikey x` would start a server without the key that was meant: every option must be one
 * the command defines (names come from its args table, so a new option needs no change here),
 * strings need a value, and positional arguments are taken only as many as the command declares.
 */
export function checkArgs(rawArgs: readonly string[], argsDef: ArgsDef, command: string): string | undefined {
  const defs = argsDef as Record<string, ArgDef>;
  const names = namesOf({ ...defs, help: { type: "boolean", alias: "h" } });
  const known = Object.keys(defs).filter((n) => n.length > 1 && defs[n]!.type !== "positional");
  let positionals = Object.values(defs).filter((d) => d.type === "positional").length;
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") break;
    if (!arg.startsWith("-") || arg === "-") {
      if (positionals-- > 0) continue;
      return `copilot-api ${command} takes no argument "${arg}": options start with --. See copilot-api ${command} --help.`;
    }
    const long = arg.startsWith("--");
    const body = long ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    // -abc: several one-letter booleans at once; only the last may take a value.
    const letters = long ? [name] : eq < 0 && name.length > 1 ? [...name] : [name];
    for (const [k, letter] of letters.entries()) {
      const plain = long && letter.startsWith("no-") && names.get(letter.slice(3))?.type === "boolean" ? letter.slice(3) : letter;
      const entry = names.get(plain);
      if (!entry) {
        const reason = REFUSED_WITH_REASON[`${command} ${letter}`];
        if (reason) return `copilot-api ${command} takes no ${shown(letter)}: ${reason}`;
        const near = closestName(plain, known);
        return `Unknown option ${shown(letter)} for copilot-api ${command}${near ? `: did you mean --${near}?` : "."} See copilot-api ${command} --help.`;
      }
      // citty reads any value of a switch but "false" as on: --image-urls-allow-private=0 would turn
      // it on, --no-image-urls=1 would leave image URLs on.
      if (entry.type === "boolean" && eq >= 0) {
        const value = body.slice(eq + 1);
        const negated = plain !== letter;
        if (negated || (value !== "true" && value !== "false")) {
          const flag = negated ? `--no-${entry.name}` : `--${entry.name}`;
          return `${flag} takes no value${negated ? "" : " (or =true, =false)"}, got ${JSON.stringify(printable(value, 40))}.`;
        }
      }
      // -p4141: a one-letter string option takes the rest of the group as its value.
      if (!long && entry.type !== "boolean" && k < letters.length - 1) break;
      if (entry.type !== "boolean" && k === letters.length - 1 && eq < 0) {
        const next = rawArgs[i + 1];
        if (next === undefined || (next.startsWith("-") && next.length > 1)) {
          return `--${entry.name} needs a value, e.g. --${entry.name}=<value>${next ? ` (to give a value starting with "-", write --${entry.name}=${next})` : ""}.`;
        }
        i++;
      }
    }
  }
  return undefined;
}

// biome-ignore lint: citty's generic command type
type AnyCommand = CommandDef<any>;

const resolve = async <T>(v: T | (() => T | Promise<T>) | Promise<T>): Promise<T> => (typeof v === "function" ? await (v as () => T | Promise<T>)() : await v);

/**
 * Checks a whole command line before citty runs it: the command must exist (closest one named
 * otherwise) and its options must be its own. `--help` and `--version` go to citty untouched.
 */
export async function checkCommandLine(main: AnyCommand, argv: readonly string[]): Promise<string | undefined> {
  if (argv.some((a) => a === "--help" || a === "-h")) return undefined;
  const subCommands = (await resolve(main.subCommands)) as Record<string, unknown> | undefined;
  const names = Object.keys(subCommands ?? {});
  const first = argv[0];
  if (first === undefined || (argv.length === 1 && (first === "--version" || first === "-v"))) return undefined;
  if (first.startsWith("-")) return `Give a command first: copilot-api <${names.join("|")}> [options]. See copilot-api --help.`;
  if (!subCommands || !Object.hasOwn(subCommands, first)) {
    const near = closestName(first, names);
    return `Unknown command "${first}"${near ? `: did you mean "${near}"?` : "."} Commands: ${names.join(", ")}.`;
  }
  const command = (await resolve(subCommands[first] as AnyCommand)) as AnyCommand;
  const argsDef = ((await resolve(command.args)) ?? {}) as ArgsDef;
  return checkArgs(argv.slice(1), argsDef, first);
}
