import { Hono, type MiddlewareHandler } from "hono";
import { ApiError, toApiError } from "./errors.js";
import { printable } from "./text.js";
import type { ClientDialect } from "./http/request.js";
import { renderError } from "./http/render-error.js";
import { bodyLimit } from "./http/body-limit.js";
import { accessControl } from "./access/index.js";
import { flowControl } from "./flow/index.js";
import { mountObservability } from "./observability/routes.js";
import { chatCompletions } from "./routes/chat-completions.js";
import { embeddings } from "./routes/embeddings.js";
import { countTokens } from "./routes/count-tokens.js";
import { messages } from "./routes/messages.js";
import { models } from "./routes/models.js";
import { responses, responsesWebSocket } from "./routes/responses.js";
import { deleteResponse, responseInputItems, retrieveResponse } from "./routes/stored-responses.js";
import { geminiAction, geminiModelInfo, geminiModels } from "./routes/gemini.js";
import {
  ollamaChat,
  ollamaEmbed,
  ollamaEmbeddings,
  ollamaGenerate,
  ollamaPs,
  ollamaPull,
  ollamaShow,
  ollamaTags,
  ollamaUnsupported,
  ollamaVersion,
} from "./routes/ollama.js";
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
  // A spent budget refuses first, as on the routes above.
  const billed: MiddlewareHandler = (c, next) => {
    if (c.req.method === "POST" && runtime.budgets.size > 0) runtime.budgets.check(meta(c).keyName);
    return flow(c, next);
  };
  app.on("POST", ["/v1beta/models/*", "/v1/models/*"], (c, next) => (/:(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/.test(c.req.path) ? billed(c, next) : next()));
  for (const path of ["/api/chat", "/api/generate", "/api/embed", "/api/embeddings"]) app.use(path, billed);

  for (const prefix of ["", "/v1"]) {
    app.get(`${prefix}/models`, models(runtime));
    app.post(`${prefix}/chat/completions`, chatCompletions(runtime));
    app.post(`${prefix}/embeddings`, embeddings(runtime));
    app.post(`${prefix}/messages`, messages(runtime));
    app.post(`${prefix}/messages/count_tokens`, countTokens(runtime));
    app.post(`${prefix}/responses`, responses(runtime));
    app.get(`${prefix}/responses`, responsesWebSocket());
    app.get(`${prefix}/responses/:id`, retrieveResponse(runtime));
    app.delete(`${prefix}/responses/:id`, deleteResponse(runtime));
    app.get(`${prefix}/responses/:id/input_items`, responseInputItems(runtime));
  }
  // Google's Gemini API (Gemini CLI, @google/genai): /v1beta/models/{model}:{method}.
  app.get("/v1beta/models", geminiModels(runtime));
  app.get("/v1beta/models/:model", geminiModelInfo(runtime));
  app.post("/v1beta/models/:spec", geminiAction(runtime));
  // @google/genai 3 speaks v1 by default; GET /v1/models is OpenAI's unless a Google client asks.
  app.post("/v1/models/:spec", geminiAction(runtime));
  app.get("/v1/models/:model", geminiModelInfo(runtime));
  // Ollama's API, for tools that can only talk to Ollama.
  app.get("/api/version", ollamaVersion());
  app.get("/api/tags", ollamaTags(runtime));
  app.get("/api/ps", ollamaPs());
  app.post("/api/show", ollamaShow(runtime));
  app.post("/api/chat", ollamaChat(runtime));
  app.post("/api/generate", ollamaGenerate(runtime));
  app.post("/api/embed", ollamaEmbed(runtime));
  app.post("/api/embeddings", ollamaEmbeddings(runtime));
  app.post("/api/pull", ollamaPull(runtime));
  app.delete("/api/delete", ollamaUnsupported("deleted"));
  for (const path of ["/api/create", "/api/copy", "/api/push", "/api/blobs/:digest"]) app.post(path, ollamaUnsupported("created, copied or pushed"));
  return app;
}
