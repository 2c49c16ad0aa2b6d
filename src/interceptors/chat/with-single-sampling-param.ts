import type { ChatInterceptor } from "./types.js";

/**
 * Claude 4.1+ rejects `temperature` together with `top_p` ("cannot both be specified for this
 * model", known-failures T21): temperature wins, as it is what clients usually mean.
 */
export const withSingleSamplingParam: ChatInterceptor = (body, model) => {
  if (!/anthropic/i.test(model.vendor ?? "")) return;
  if (body.temperature != null && body.top_p != null) delete body.top_p;
};
