import type { MiddlewareHandler } from "hono";
import type { Runtime } from "../runtime.js";

/** Rate limiting and manual approval. (Filled in by the flow-control work.) */
export function flowControl(_runtime: Runtime): MiddlewareHandler {
  return async (_c, next) => next();
}
