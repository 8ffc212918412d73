// What every view shares: the config and the API client, set once at start.
import type { Config } from "./config";
import type { Agent, Api, Team } from "./api/client";

export const app = {
  cfg: null as unknown as Config,
  api: null as unknown as Api,
  me: null as Agent | null,
  teams: [] as Team[],
  defaultTeam: "",
};

// The SLA calendar's zone when a team has none (shared/sla: a calendar without a location is in Vietnam).
const defaultZone = "Asia/Ho_Chi_Minh";

/** The zone the team's hours and SLA clocks are kept in: every time is shown in it. */
export function teamZone(teamId?: string): string {
  const team = app.teams.find((x) => x.id === (teamId || app.me?.teams[0] || app.defaultTeam)) || app.teams.find((x) => x.id === app.defaultTeam);
  return team?.sla.calendar?.timeZone || defaultZone;
}

/** Drafts per conversation, in localStorage: a reload or a 401 never loses a typed reply. */
export const drafts = {
  get: (id: string) => localStorage.getItem("concierge.draft." + id) || "",
  set: (id: string, text: string) =>
    text ? localStorage.setItem("concierge.draft." + id, text) : localStorage.removeItem("concierge.draft." + id),
};
