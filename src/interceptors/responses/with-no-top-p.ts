import type { ResponsesInterceptor } from "./types.js";

/**
 * VS Code sends no `top_p` to /responses (copilot-upstream.md 6), and GPT-5 reasoning models refuse
 * sampling parameters other than the defaults; it is dropped.
 */
export const withNoTopP: ResponsesInterceptor = (body) => {
  delete body.top_p;
};
