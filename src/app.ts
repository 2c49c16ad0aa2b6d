import { Hono, type MiddlewareHandler } from "hono";
import { ApiError, toApiError } from "./errors.js";
import { printable } from "./text.js";
import type { ClientDialect } from "./http/request.js";
import { renderError } from "./http/render-error.js";
import { bodyLimit } from "./http/body-limit.js";
import { accessControl } from "./access/index.js";
import { flowControl } from "./flow/index.js";
import { mountObservability } from "./observability/routes.js";
import { models } from "./routes/models.js";
import { lazyRoute } from "./http/lazy-route.js";
import type { Runtime } from "./runtime.js";
import { observe } from "./observability/observe.js";
import { meta } from "./observability/request-meta.js";
import { clip } from "./text.js";
import { estimateNanoAiu } from "./cost/estimate-cost.js";

type Env = { Variables: { dialect: ClientDialect } };

/** Refuses upstream-bound requests while a budget that applies to them is spent (429, in the client's dialect). */
function budgetGuard(runtime: Runtime): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "POST" && runtime.budgets.size > 0) {
      await runtime.budgets.sync();
      runtime.budgets.check(meta(c).keyName);
    }
    await next();
  };
}

/** The HTTP app. Built from a runtime so that tests can build one against a fake upstream. */
export function createApp(runtime: Runtime) {
  const app = new Hono<Env>();

  app.onError((error, c) => {
    const apiError = toApiError(error);
    meta(c).error = apiError.message;
    meta(c).errorKind = apiError.kind;
    // The path and the message can quote what the client sent: one escaped line each.
    if (apiError.status >= 500 && !apiError.upstream) runtime.log.error(`${c.req.method} ${printable(c.req.path)}:`, error);
    else runtime.log.debug(`${c.req.method} ${printable(c.req.path)} -> ${apiError.status} ${printable(apiError.message, 2000)}`);
    return renderError(c, apiError);
  });
  app.notFound((c) =>
    renderError(c, new ApiError({ kind: "not_found", status: 404, message: `No route for ${clip(c.req.method, 20)} ${clip(c.req.path)}` })),
  );

  // Access control first: a refused request (no or bad key, host guard, origin) is counted in
  // copilot_api_refused_requests_total and never becomes API traffic in the log, dashboard or usage.
  app.use("*", accessControl(runtime));
  const observing = observe(runtime.recorder, {
    logBodies: runtime.config.logBodies,
    estimate: (model, usage) => estimateNanoAiu(model === undefined ? undefined : runtime.catalog.get(model), usage),
  });
  app.use("/v1/*", observing);
  app.use("/v1beta/*", observing);
  app.use("/api/*", observing);
  for (const path of ["/chat/completions", "/embeddings", "/models", "/messages", "/messages/count_tokens", "/responses", "/responses/*"]) {
    app.use(path, observing);
  }
  app.use(
    "*",
    bodyLimit({
      maxSize: runtime.config.bodyLimit,
      onError: (c) =>
        renderError(
          c,
          new ApiError({
            kind: "payload_too_large",
            status: 413,
            message: `The request body is larger than the limit of ${runtime.config.bodyLimit} bytes`,
          }),
        ),
    }),
  );

  // /usage, /metrics, /health and the dashboard at / (Claude Code's HEAD / preconnect lands there too).
  mountObservability(app, runtime);
  for (const path of ["/chat/completions", "/messages", "/responses", "/embeddings"]) {
    // A spent budget refuses before the request takes a rate-limit slot or an approval.
    app.use(path, budgetGuard(runtime));
    app.use(`/v1${path}`, budgetGuard(runtime));
    app.use(path, flowControl(runtime));
    app.use(`/v1${path}`, flowControl(runtime));
  }
  // Gemini's calls that reach Copilot (not countTokens, counted locally), and Ollama's.
  const flow = flowControl(runtime);
  // A spent budget refuses first, as on the routes above (the shared totals read first, with --redis-url).
  const billed: MiddlewareHandler = async (c, next) => {
    if (c.req.method === "POST" && runtime.budgets.size > 0) {
      await runtime.budgets.sync();
      runtime.budgets.check(meta(c).keyName);
    }
    return flow(c, next);
  };
  app.on("POST", ["/v1beta/models/*", "/v1/models/*"], (c, next) => (/:(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/.test(c.req.path) ? billed(c, next) : next()));
  for (const path of ["/api/chat", "/api/generate", "/api/embed", "/api/embeddings"]) app.use(path, billed);

  // Every route but the model list is imported on its first request (src/http/lazy-route.ts): start-up
  // reads only what the server needs to listen, and a dialect nobody speaks is never loaded.
  const chat = () => import("./routes/chat-completions.js");
  const embed = () => import("./routes/embeddings.js");
  const anthropic = () => import("./routes/messages.js");
  const counting = () => import("./routes/count-tokens.js");
  const responsesApi = () => import("./routes/responses.js");
  const stored = () => import("./routes/stored-responses.js");
  const gemini = () => import("./routes/gemini.js");
  const ollama = () => import("./routes/ollama.js");
  for (const prefix of ["", "/v1"]) {
    app.get(`${prefix}/models`, models(runtime));
    app.post(`${prefix}/chat/completions`, lazyRoute(chat, (m) => m.chatCompletions(runtime)));
    app.post(`${prefix}/embeddings`, lazyRoute(embed, (m) => m.embeddings(runtime)));
    app.post(`${prefix}/messages`, lazyRoute(anthropic, (m) => m.messages(runtime)));
    app.post(`${prefix}/messages/count_tokens`, lazyRoute(counting, (m) => m.countTokens(runtime)));
    app.post(`${prefix}/responses`, lazyRoute(responsesApi, (m) => m.responses(runtime)));
    app.get(`${prefix}/responses`, lazyRoute(responsesApi, (m) => m.responsesWebSocket()));
    app.get(`${prefix}/responses/:id`, lazyRoute(stored, (m) => m.retrieveResponse(runtime)));
    app.delete(`${prefix}/responses/:id`, lazyRoute(stored, (m) => m.deleteResponse(runtime)));
    app.get(`${prefix}/responses/:id/input_items`, lazyRoute(stored, (m) => m.responseInputItems(runtime)));
  }
  // Google's Gemini API (Gemini CLI, @google/genai): /v1beta/models/{model}:{method}.
  app.get("/v1beta/models", lazyRoute(gemini, (m) => m.geminiModels(runtime)));
  app.get("/v1beta/models/:model", lazyRoute(gemini, (m) => m.geminiModelInfo(runtime)));
  app.post("/v1beta/models/:spec", lazyRoute(gemini, (m) => m.geminiAction(runtime)));
  // @google/genai 3 speaks v1 by default; GET /v1/models is OpenAI's unless a Google client asks.
  app.post("/v1/models/:spec", lazyRoute(gemini, (m) => m.geminiAction(runtime)));
  app.get("/v1/models/:model", lazyRoute(gemini, (m) => m.geminiModelInfo(runtime)));
  // Ollama's API, for tools that can only talk to Ollama.
  app.get("/api/version", lazyRoute(ollama, (m) => m.ollamaVersion()));
  app.get("/api/tags", lazyRoute(ollama, (m) => m.ollamaTags(runtime)));
  app.get("/api/ps", lazyRoute(ollama, (m) => m.ollamaPs()));
  app.post("/api/show", lazyRoute(ollama, (m) => m.ollamaShow(runtime)));
  app.post("/api/chat", lazyRoute(ollama, (m) => m.ollamaChat(runtime)));
  app.post("/api/generate", lazyRoute(ollama, (m) => m.ollamaGenerate(runtime)));
  app.post("/api/embed", lazyRoute(ollama, (m) => m.ollamaEmbed(runtime)));
  app.post("/api/embeddings", lazyRoute(ollama, (m) => m.ollamaEmbeddings(runtime)));
  app.post("/api/pull", lazyRoute(ollama, (m) => m.ollamaPull(runtime)));
  app.delete("/api/delete", lazyRoute(ollama, (m) => m.ollamaUnsupported("deleted")));
  for (const path of ["/api/create", "/api/copy", "/api/push", "/api/blobs/:digest"]) app.post(path, lazyRoute(ollama, (m) => m.ollamaUnsupported("created, copied or pushed")));
  return app;
}
