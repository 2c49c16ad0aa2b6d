// The copilot-api command: its subcommands, each loaded when it is the one run (src/main.ts runs this).
import { defineCommand, runMain } from "citty";
import { version } from "./common.js";
import { checkCommandLine } from "./strict-args.js";

const main = defineCommand({
  meta: {
    name: "copilot-api",
    version: version(),
    description: "Use your GitHub Copilot subscription through the OpenAI and Anthropic APIs",
  },
  subCommands: {
    start: () => import("./start.js").then((m) => m.default),
    auth: () => import("./auth.js").then((m) => m.default),
    "check-usage": () => import("./check-usage.js").then((m) => m.default),
    usage: () => import("./usage.js").then((m) => m.default),
    debug: () => import("./debug.js").then((m) => m.default),
  },
});

// A mistyped option or command is refused (exit status 2, as for any usage error) rather than
// ignored: `start --apikey x` must not start a server without the key that was meant.
const problem = await checkCommandLine(main, process.argv.slice(2));
if (problem) {
  process.stderr.write(`[error] ${problem}\n`);
  process.exit(2);
}
void runMain(main);
