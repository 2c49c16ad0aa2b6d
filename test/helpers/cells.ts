// The client stream paths that reliability tests run through: each client dialect, passthrough and
// translated, with the Copilot endpoint each must reach. A model served only on /v1/messages is
// added to the fake so that the chat → /v1/messages cell exists.
import { defaultModels, type FakeModel } from "../fake-upstream/server.js";
import type { ClientDialect } from "./stream-check.js";

export interface Cell {
  name: string;
  dialect: ClientDialect;
  model: string;
  /** The Copilot endpoint this cell must reach. */
  upstream: string;
}

export const messagesOnlyModel: FakeModel = {
  ...(defaultModels().find((m) => m.id === "claude-sonnet-4.5") as FakeModel),
  id: "claude-messages-only",
  supported_endpoints: ["/v1/messages"],
};

/** The fake's default models plus the /v1/messages-only one. */
export const cellModels = (): FakeModel[] => [...defaultModels(), messagesOnlyModel];

export const CELLS: Cell[] = [
  { name: "chat passthrough", dialect: "chat", model: "gpt-4.1", upstream: "/chat/completions" },
  { name: "chat passthrough, Claude (choices merged)", dialect: "chat", model: "claude-sonnet-4.5", upstream: "/chat/completions" },
  { name: "chat translated", dialect: "chat", model: "claude-messages-only", upstream: "/v1/messages" },
  { name: "messages native", dialect: "messages", model: "claude-sonnet-4.5", upstream: "/v1/messages" },
  { name: "messages translated", dialect: "messages", model: "gpt-4.1", upstream: "/chat/completions" },
  { name: "responses native", dialect: "responses", model: "gpt-5.4", upstream: "/responses" },
  { name: "responses translated", dialect: "responses", model: "gpt-4.1", upstream: "/chat/completions" },
];

