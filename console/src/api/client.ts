// The typed API client: paths and shapes are generated from docs/openapi.yaml at every build, so a
// console that no longer matches the contract fails the type check.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { expire, session } from "../auth";

export type Schemas = components["schemas"];
export type Conversation = Schemas["Conversation"];
export type Touchpoint = Schemas["Touchpoint"];
export type CustomerContext = Schemas["CustomerContext"];
export type Customer = Schemas["Customer"];
export type PartnerCustomer = Schemas["PartnerCustomer"];
export type Agent = Schemas["Agent"];
export type Team = Schemas["Team"];
export type Report = Schemas["Report"];
export type Suggestion = Schemas["Suggestion"];
export type Priority = Schemas["Priority"];
export type Channel = Schemas["Channel"];
export type Identity = Schemas["Identity"];

export type Api = ReturnType<typeof createClient<paths>>;

const auth: Middleware = {
  onRequest({ request }) {
    const s = session();
    if (s) request.headers.set("Authorization", "Bearer " + s.token);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) expire();
    return response;
  },
};

export function makeApi(baseUrl: string): Api {
  const c = createClient<paths>({ baseUrl });
  c.use(auth);
  return c;
}

/** The message of an API error body, or the HTTP status. */
export function errText(error: unknown, response?: Response): string {
  const e = error as { error?: { message?: string; code?: string }; message?: string } | undefined;
  return e?.error?.message || e?.message || (response ? `HTTP ${response.status}` : String(error));
}
