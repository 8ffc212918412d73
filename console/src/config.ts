// The runtime config: config.json next to index.html, written by the build for the local stack and by the
// deployment for AWS, so one bundle serves both.
export type AuthConfig =
  | { mode: "local" }
  | { mode: "cognito"; domain: string; clientId: string; redirectUri: string; logoutUri: string };

export interface Config {
  apiBase: string; // empty: the console's own origin
  auth: AuthConfig;
}

export async function loadConfig(): Promise<Config> {
  const res = await fetch("config.json", { cache: "no-cache" });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const c = (await res.json()) as Config;
  if (!c.auth || (c.auth.mode !== "local" && c.auth.mode !== "cognito")) throw new Error("config.json: auth.mode must be local or cognito");
  return { apiBase: (c.apiBase || "").replace(/\/+$/, ""), auth: c.auth };
}

export function apiBase(c: Config): string {
  return c.apiBase || location.origin;
}
