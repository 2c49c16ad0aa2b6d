import type { Context } from "hono";
import { ApiError, badRequest } from "../errors.js";
import { describeLimits, type WireObject } from "../responses-state/response-store.js";
import type { Runtime } from "../runtime.js";

function unknownResponse(runtime: Runtime, id: string): ApiError {
  return new ApiError({
    kind: "not_found",
    status: 404,
    code: "response_not_found",
    param: "response_id",
    message: `No response found with id ${JSON.stringify(id.slice(0, 200))}: it is unknown, was not stored (store: false), or has expired (${describeLimits(runtime.responseStore.limits)})`,
  });
}

/** GET /v1/responses/{id}: a stored response, as its client received it. */
export function retrieveResponse(runtime: Runtime) {
  return async (c: Context) => {
    const id = c.req.param("id") ?? "";
    const record = await runtime.responseStore.get(id);
    if (!record) throw unknownResponse(runtime, id);
    return c.json(record.response);
  };
}

/** DELETE /v1/responses/{id}. */
export function deleteResponse(runtime: Runtime) {
  return async (c: Context) => {
    const id = c.req.param("id") ?? "";
    if (!(await runtime.responseStore.delete(id))) throw unknownResponse(runtime, id);
    return c.json({ id, object: "response", deleted: true });
  };
}

/** GET /v1/responses/{id}/input_items: the request's own input items, paged as OpenAI pages them (newest first by default). */
export function responseInputItems(runtime: Runtime) {
  return async (c: Context) => {
    const id = c.req.param("id") ?? "";
    const record = await runtime.responseStore.get(id);
    if (!record) throw unknownResponse(runtime, id);
    const order = c.req.query("order") ?? "desc";
    if (order !== "asc" && order !== "desc") throw badRequest("`order` must be asc or desc", "order");
    const limitText = c.req.query("limit") ?? "20";
    const limit = /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badRequest("`limit` must be a whole number from 1 to 100", "limit");
    let items: WireObject[] = order === "asc" ? record.input : [...record.input].reverse();
    const after = c.req.query("after");
    if (after !== undefined) {
      const at = items.findIndex((it) => it.id === after);
      if (at < 0) throw badRequest(`\`after\`: no input item ${JSON.stringify(after.slice(0, 200))} in this response`, "after");
      items = items.slice(at + 1);
    }
    const page = items.slice(0, limit);
    return c.json({
      object: "list",
      data: page,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: items.length > page.length,
    });
  };
}
