import { defineCommand } from "citty";
import { log } from "../log.js";
import { configFrom, login, sharedArgs } from "./common.js";

export default defineCommand({
  meta: { name: "auth", description: "Log in to GitHub with the device flow and store the token" },
  args: sharedArgs,
  async run({ args }) {
    const config = configFrom(args);
    try {
      await login(config);
    } catch (error) {
      log.error((error as Error).message);
      process.exitCode = 1;
    }
  },
});
