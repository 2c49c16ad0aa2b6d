import type { MiddlewareHandler } from "hono";
import type { Runtime } from "../runtime.js";

/** API keys, CORS and Host checks. (Filled in by the access-control work.) */
export function accessControl(_runtime: Runtime): MiddlewareHandler {
  return async (_c, next) => next();
}
