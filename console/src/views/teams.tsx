// Teams with their hours and SLA targets.
import { useEffect, useState } from "preact/hooks";
import { app } from "../state";
import { errText, type Team } from "../api/client";
import { isSupervisor, session } from "../auth";
import { t, type Key } from "../i18n";
import { ErrorLine } from "../ui";

const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;

export function Teams() {
  const [teams, setTeams] = useState<Team[]>(app.teams);
  const [err, setErr] = useState("");
  const [editing, setEditing] = useState("");
  const load = () => app.api.GET("/teams").then((r) => (r.data ? setTeams(r.data.items) : setErr(errText(r.error, r.response))));
  useEffect(() => {
    document.title = t("teams") + " · Concierge";
    void load();
  }, []);
  const sup = isSupervisor(session());
  return (
    <section aria-labelledby="teams-h">
      <h1 id="teams-h">{t("teams")}</h1>
      <ErrorLine msg={err} />
      {teams.map((team) => {
        const cal = team.sla.calendar;
        return (
          <article class="team" aria-labelledby={"team-" + team.id}>
            <h2 id={"team-" + team.id}>
              {team.name} <span class="muted">({team.id})</span>
            </h2>
            <p>
              {t("languages")}: {(team.languages || []).join(", ") || "—"}
            </p>
            {sup && editing !== team.id && (
              <button type="button" onClick={() => setEditing(team.id)} aria-label={`${t("edit")} ${team.name}`}>
                {t("edit")}
              </button>
            )}
            {editing === team.id && (
              <TeamForm
                team={team}
                onDone={() => {
                  setEditing("");
                  void load();
                }}
                onCancel={() => setEditing("")}
              />
            )}
            <h3>{t("hours")}</h3>
            {!cal?.weekly ? (
              <p>
                {t("always")}
                {cal?.timeZone ? ` · ${cal.timeZone}` : ""}
              </p>
            ) : (
              <table class="grid small">
                <caption>{cal.timeZone || ""}</caption>
                <tbody>
                  {days.map((d) => (
                    <tr>
                      <th scope="row">{d}</th>
                      <td>{cal.weekly?.[d]?.map((s) => `${s.start}–${s.end}`).join(", ") || t("closedDay")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h3>{t("slaTargets")}</h3>
            <table class="grid small">
              <thead>
                <tr>
                  <th scope="col">{t("priority")}</th>
                  <th scope="col">{t("firstResponse")}</th>
                  <th scope="col">{t("nextResponse")}</th>
                  <th scope="col">{t("resolution")}</th>
                </tr>
              </thead>
              <tbody>
                {(["urgent", "high", "normal", "low"] as const).map((p) => (
                  <tr>
                    <th scope="row">{t(p as Key)}</th>
                    <td>{team.sla.targets[p].firstResponse}</td>
                    <td>{team.sla.targets[p].nextResponse}</td>
                    <td>{team.sla.targets[p].resolution}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </article>
        );
      })}
    </section>
  );
}

const prios = ["urgent", "high", "normal", "low"] as const;
type Targets = Team["sla"]["targets"];

// "08:00-12:00, 13:00-17:30" <-> the day's spans.
function spansText(sp?: { start: string; end: string }[]): string {
  return (sp || []).map((x) => `${x.start}-${x.end}`).join(", ");
}
function parseSpans(s: string): { start: string; end: string }[] {
  return s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => {
      const [start = "", end = ""] = x.split(/[-–]/).map((y) => y.trim());
      return { start, end };
    });
}

/** Edits a team (supervisor): PUT with If-Match, or without it for the derived default team (created). */
function TeamForm({ team, onDone, onCancel }: { team: Team; onDone: () => void; onCancel: () => void }) {
  const [name, setName] = useState(team.name);
  const [langs, setLangs] = useState((team.languages || []).join(", "));
  const [zone, setZone] = useState(team.sla.calendar?.timeZone || "");
  const [targets, setTargets] = useState<Targets>(JSON.parse(JSON.stringify(team.sla.targets)));
  const [hours, setHours] = useState<Record<string, string>>(Object.fromEntries(days.map((d) => [d, spansText(team.sla.calendar?.weekly?.[d])])));
  const [err, setErr] = useState("");
  const save = async () => {
    const weekly = Object.fromEntries(days.filter((d) => hours[d]?.trim()).map((d) => [d, parseSpans(hours[d]!)]));
    const hasHours = Object.keys(weekly).length > 0;
    const sla: Team["sla"] = { targets, ...(team.sla.warnAt ? { warnAt: team.sla.warnAt } : {}) };
    // The API reads a calendar without opening hours as a mistake (omit it for 24×7), so a zone needs hours.
    if (zone && !hasHours) return setErr(t("zoneNeedsHours"));
    if (hasHours) sla.calendar = { ...(zone ? { timeZone: zone } : {}), ...(hasHours ? { weekly } : {}), ...(team.sla.calendar?.holidays ? { holidays: team.sla.calendar.holidays } : {}) };
    const body = { name, languages: langs.split(",").map((x) => x.trim()).filter(Boolean), sla };
    const r = await app.api.PUT("/teams/{id}", {
      params: { path: { id: team.id }, header: team.derived ? {} : { "If-Match": `"${team.version}"` } },
      body,
    });
    if (!r.data) return setErr(r.response.status === 412 ? t("staleEdit") : errText(r.error, r.response));
    onDone();
  };
  const field = (p: (typeof prios)[number], k: keyof Targets["urgent"]) => (
    <input
      aria-label={`${t(p as Key)} ${t(k as Key)}`}
      size={5}
      value={targets[p][k]}
      onInput={(e) => setTargets({ ...targets, [p]: { ...targets[p], [k]: (e.target as HTMLInputElement).value } })}
    />
  );
  return (
    <form class="team-form" onSubmit={(e) => (e.preventDefault(), void save())}>
      <ErrorLine msg={err} />
      <label>
        {t("name")} <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>{" "}
      <label>
        {t("languages")} <input value={langs} onInput={(e) => setLangs((e.target as HTMLInputElement).value)} />
      </label>{" "}
      <label>
        {t("timeZone")} <input value={zone} placeholder="Asia/Ho_Chi_Minh" onInput={(e) => setZone((e.target as HTMLInputElement).value)} />
      </label>
      <table class="grid small">
        <caption>{t("hours")} (08:00-12:00, 13:00-17:30)</caption>
        <tbody>
          {days.map((d) => (
            <tr>
              <th scope="row">{d}</th>
              <td>
                <input aria-label={`${t("hours")} ${d}`} value={hours[d]} onInput={(e) => setHours({ ...hours, [d]: (e.target as HTMLInputElement).value })} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="grid small">
        <caption>{t("slaTargets")} (15m, 4h)</caption>
        <thead>
          <tr>
            <th scope="col">{t("priority")}</th>
            <th scope="col">{t("firstResponse")}</th>
            <th scope="col">{t("nextResponse")}</th>
            <th scope="col">{t("resolution")}</th>
          </tr>
        </thead>
        <tbody>
          {prios.map((p) => (
            <tr>
              <th scope="row">{t(p as Key)}</th>
              <td>{field(p, "firstResponse")}</td>
              <td>{field(p, "nextResponse")}</td>
              <td>{field(p, "resolution")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="submit" class="primary">
        {t("save")}
      </button>{" "}
      <button type="button" onClick={onCancel}>
        {t("cancel")}
      </button>
    </form>
  );
}
