#!/usr/bin/env node
import { defineCommand, runMain } from "citty";
import { version } from "./cli/common.js";

const main = defineCommand({
  meta: {
    name: "copilot-api",
    version: version(),
    description: "Use your GitHub Copilot subscription through the OpenAI and Anthropic APIs",
  },
  subCommands: {
    start: () => import("./cli/start.js").then((m) => m.default),
    auth: () => import("./cli/auth.js").then((m) => m.default),
    "check-usage": () => import("./cli/check-usage.js").then((m) => m.default),
    debug: () => import("./cli/debug.js").then((m) => m.default),
  },
});

void runMain(main);
