import { defineCommand } from "citty";
import { log } from "../log.js";
import { configOrExit, login, sharedArgs } from "./common.js";

// auth always runs the device flow and stores what it gives: a token given with -g is not stored
// (start takes that one directly), so auth does not offer the flag.
const { "github-token": _given, ...authArgs } = sharedArgs;

export default defineCommand({
  meta: { name: "auth", description: "Log in to GitHub with the device flow and store the token" },
  args: authArgs,
  async run({ args }) {
    const config = configOrExit(args);
    if (!config) return;
    try {
      await login(config);
    } catch (error) {
      log.error((error as Error).message);
      process.exitCode = 1;
    }
  },
});
