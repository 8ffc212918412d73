// Sign-in. Locally, the dev stack's signer mints a token for a seeded agent (one click); in AWS, Cognito's
// hosted UI with the authorization-code flow and PKCE, and the refresh_token grant for silent refresh.
// The session is kept in localStorage; a 401 drops it and shows sign-in again, on the same route.
import type { AuthConfig, Config } from "./config";
import { apiBase } from "./config";

export interface Session {
  token: string; // the id token: it carries cognito:groups and custom:partner_id, which the API reads
  refreshToken?: string;
  expiresAt: number; // ms
  sub: string;
  name: string;
  groups: string[];
  partnerId?: string;
}

const KEY = "concierge.session";
const PKCE_KEY = "concierge.pkce";
const RETURN_KEY = "concierge.return";

type Listener = (s: Session | null) => void;
let current: Session | null = null;
const listeners = new Set<Listener>();

export function session(): Session | null {
  return current;
}
export function onSession(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
function set(s: Session | null) {
  current = s;
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  listeners.forEach((l) => l(s));
}

export function claims(token: string): Record<string, unknown> {
  const part = token.split(".")[1] || "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

export function fromToken(token: string, refreshToken?: string): Session {
  const c = claims(token);
  let groups = c["cognito:groups"];
  if (typeof groups === "string") groups = groups.replace(/^\[|\]$/g, "").split(/[ ,]+/);
  return {
    token,
    refreshToken,
    expiresAt: Number(c.exp || 0) * 1000,
    sub: String(c.sub || ""),
    name: String(c.name || c.email || c["cognito:username"] || c.sub || ""),
    groups: Array.isArray(groups) ? groups.map(String) : [],
    partnerId: c["custom:partner_id"] ? String(c["custom:partner_id"]) : undefined,
  };
}

export function isSupervisor(s: Session | null) {
  return !!s && s.groups.includes("supervisor");
}
export function isStaff(s: Session | null) {
  return !!s && (s.groups.includes("agent") || s.groups.includes("supervisor"));
}
export function isPartner(s: Session | null) {
  return !!s && !isStaff(s) && s.groups.includes("partner") && !!s.partnerId;
}

/** Restores the stored session, or completes a hosted-UI redirect (?code=&state=). */
export async function restore(cfg: Config): Promise<void> {
  const params = new URLSearchParams(location.search);
  if (cfg.auth.mode === "cognito" && params.get("code")) {
    await completeCognito(cfg.auth, params.get("code")!, params.get("state") || "");
    return;
  }
  const raw = localStorage.getItem(KEY);
  if (!raw) return;
  try {
    const s = JSON.parse(raw) as Session;
    if (s.expiresAt > Date.now() + 5000) set(s);
    else if (s.refreshToken && cfg.auth.mode === "cognito") await refresh(cfg.auth, s.refreshToken);
    else set(null);
  } catch {
    set(null);
  }
}

let expiredFlag = false;
/** Whether the last session ended on a 401 rather than by signing out. */
export function expired(): boolean {
  return expiredFlag;
}

/** Drops the session on a 401; what the agent typed stays in its draft. */
export function expire() {
  if (!current) return;
  expiredFlag = true;
  set(null);
}

export async function signOut(cfg: Config) {
  expiredFlag = false;
  set(null);
  if (cfg.auth.mode === "cognito") {
    const u = new URL(cfg.auth.domain.replace(/\/+$/, "") + "/logout");
    u.searchParams.set("client_id", cfg.auth.clientId);
    u.searchParams.set("logout_uri", cfg.auth.logoutUri);
    location.assign(u.toString());
  }
}

// ---- local ----

export interface DevIdentity {
  sub: string;
  name: string;
  groups: string[];
  partnerId?: string;
}

export async function devIdentities(cfg: Config): Promise<DevIdentity[]> {
  const res = await fetch(apiBase(cfg) + "/_dev/identities");
  if (!res.ok) throw new Error(`/_dev/identities: HTTP ${res.status}`);
  return ((await res.json()) as { items: DevIdentity[] }).items;
}

export async function signInLocal(cfg: Config, sub: string): Promise<void> {
  const res = await fetch(apiBase(cfg) + "/_dev/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sub }),
  });
  if (!res.ok) throw new Error(`/_dev/token: HTTP ${res.status}`);
  expiredFlag = false;
  set(fromToken(((await res.json()) as { token: string }).token));
}

// ---- Cognito hosted UI: authorization code + PKCE ----

function b64url(bytes: Uint8Array): string {
  let s = "";
  bytes.forEach((b) => (s += String.fromCharCode(b)));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(48)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: b64url(new Uint8Array(digest)) };
}

export async function signInCognito(auth: Extract<AuthConfig, { mode: "cognito" }>): Promise<void> {
  const { verifier, challenge } = await pkcePair();
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  sessionStorage.setItem(RETURN_KEY, location.hash);
  const u = new URL(auth.domain.replace(/\/+$/, "") + "/oauth2/authorize");
  u.search = new URLSearchParams({
    response_type: "code",
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri,
    scope: "openid email profile",
    code_challenge_method: "S256",
    code_challenge: challenge,
    state,
  }).toString();
  location.assign(u.toString());
}

async function tokenRequest(auth: Extract<AuthConfig, { mode: "cognito" }>, body: Record<string, string>) {
  const res = await fetch(auth.domain.replace(/\/+$/, "") + "/oauth2/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: auth.clientId, ...body }).toString(),
  });
  if (!res.ok) throw new Error(`token endpoint: HTTP ${res.status}`);
  return (await res.json()) as { id_token: string; refresh_token?: string };
}

async function completeCognito(auth: Extract<AuthConfig, { mode: "cognito" }>, code: string, state: string) {
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "{}") as { verifier?: string; state?: string };
  sessionStorage.removeItem(PKCE_KEY);
  const back = sessionStorage.getItem(RETURN_KEY) || "";
  sessionStorage.removeItem(RETURN_KEY);
  history.replaceState(null, "", location.pathname + back);
  if (!saved.verifier || saved.state !== state) throw new Error("sign-in: the state does not match; try again");
  const t = await tokenRequest(auth, {
    grant_type: "authorization_code",
    code,
    redirect_uri: auth.redirectUri,
    code_verifier: saved.verifier,
  });
  set(fromToken(t.id_token, t.refresh_token));
}

async function refresh(auth: Extract<AuthConfig, { mode: "cognito" }>, refreshToken: string) {
  try {
    const t = await tokenRequest(auth, { grant_type: "refresh_token", refresh_token: refreshToken });
    set(fromToken(t.id_token, t.refresh_token || refreshToken));
  } catch {
    set(null);
  }
}

/** Refreshes the Cognito session a minute before it expires, for as long as the page is open. */
export function keepFresh(cfg: Config) {
  if (cfg.auth.mode !== "cognito") return;
  const auth = cfg.auth;
  setInterval(() => {
    const s = current;
    if (s?.refreshToken && s.expiresAt - Date.now() < 60_000) void refresh(auth, s.refreshToken);
  }, 15_000);
}
