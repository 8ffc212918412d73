// Teams with their hours and SLA targets.
import { useEffect, useState } from "preact/hooks";
import { app } from "../state";
import { errText, type Team } from "../api/client";
import { t, type Key } from "../i18n";
import { ErrorLine } from "../ui";

const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;

export function Teams() {
  const [teams, setTeams] = useState<Team[]>(app.teams);
  const [err, setErr] = useState("");
  useEffect(() => {
    document.title = t("teams") + " · Concierge";
    void app.api.GET("/teams").then((r) => (r.data ? setTeams(r.data.items) : setErr(errText(r.error, r.response))));
  }, []);
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
