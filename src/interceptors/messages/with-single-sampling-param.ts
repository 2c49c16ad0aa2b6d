import type { MessagesInterceptor } from "./types.js";

/** Claude 4.1+ rejects temperature with top_p (known-failures T21): temperature wins. */
export const withSingleSamplingParam: MessagesInterceptor = (body) => {
  if (body.temperature != null && body.top_p != null) delete body.top_p;
};
