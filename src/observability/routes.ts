import type { Hono } from "hono";
import type { Runtime } from "../runtime.js";

/** /usage, /metrics, /health and the dashboard. (Filled in by the observability work.) */
// biome-ignore lint: Hono's generic env differs per app
export function mountObservability(app: Hono<any>, _runtime: Runtime): void {
  app.get("/", (c) => c.text("copilot-api is running"));
}
