// The roster (supervisor): agents with status, load and capacity; create, edit (If-Match), deactivate.
import { useEffect, useState } from "preact/hooks";
import { app } from "../state";
import { errText, type Agent } from "../api/client";
import { t, type Key } from "../i18n";
import { ErrorLine } from "../ui";

const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

export function Roster() {
  const [agents, setAgents] = useState<Agent[]>([]);
  const [err, setErr] = useState("");
  const [info, setInfo] = useState("");
  const [editing, setEditing] = useState("");
  const [confirm, setConfirm] = useState("");
  const load = async () => {
    const r = await app.api.GET("/agents");
    if (r.data) setAgents(r.data.items);
    else setErr(errText(r.error, r.response));
  };
  useEffect(() => {
    document.title = t("roster") + " · Concierge";
    void load();
  }, []);

  const deactivate = async (a: Agent) => {
    if (confirm !== a.id) return setConfirm(a.id);
    setConfirm("");
    const r = await app.api.DELETE("/agents/{id}", { params: { path: { id: a.id } } });
    if (!r.data) return setErr(errText(r.error, r.response));
    void load();
  };
  const reactivate = async (a: Agent) => {
    const r = await app.api.PATCH("/agents/{id}", { params: { path: { id: a.id }, header: { "If-Match": `"${a.version}"` } }, body: { active: true } });
    if (!r.data) return setErr(errText(r.error, r.response));
    void load();
  };

  return (
    <section aria-labelledby="roster-h">
      <h1 id="roster-h">{t("roster")}</h1>
      <ErrorLine msg={err} />
      {info && (
        <p class="notice" role="status">
          {info}
        </p>
      )}
      <table class="grid">
        <caption class="sr-only">{t("agents")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("name")}</th>
            <th scope="col">{t("id")}</th>
            <th scope="col">{t("status")}</th>
            <th scope="col">
              {t("load")}/{t("capacity")}
            </th>
            <th scope="col">{t("teams")}</th>
            <th scope="col">{t("languages")}</th>
            <th scope="col">{t("supervisor")}</th>
            <th scope="col">
              <span class="sr-only">actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {agents.map((a) =>
            editing === a.id ? (
              <tr>
                <td colSpan={8}>
                  <AgentForm
                    agent={a}
                    onDone={() => {
                      setEditing("");
                      void load();
                    }}
                    onCancel={() => setEditing("")}
                  />
                </td>
              </tr>
            ) : (
              <tr data-agent={a.id}>
                <td>{a.name}</td>
                <td>{a.id}</td>
                <td>
                  <span class={"st st-" + a.status}>{t(a.status as Key)}</span>
                </td>
                <td>
                  {a.load}/{a.capacity}
                </td>
                <td>{a.teams.join(", ")}</td>
                <td>{a.languages.join(", ")}</td>
                <td>{a.supervisor ? "✓" : ""}</td>
                <td class="btns">
                  <button type="button" onClick={() => setEditing(a.id)} aria-label={`${t("edit")} ${a.name}`}>
                    {t("edit")}
                  </button>
                  {a.status === "inactive" ? (
                    <button type="button" onClick={() => void reactivate(a)}>
                      {t("reactivate")}
                    </button>
                  ) : (
                    <button type="button" class={confirm === a.id ? "danger" : ""} onClick={() => void deactivate(a)} aria-label={`${confirm === a.id ? t("confirmDeactivate") : t("deactivate")} ${a.name}`}>
                      {confirm === a.id ? t("confirmDeactivate") : t("deactivate")}
                    </button>
                  )}
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      <h2>{t("createAgent")}</h2>
      <AgentForm
        onDone={(a) => {
          setInfo(t("created", { id: a.id }));
          void load();
        }}
      />
    </section>
  );
}

function AgentForm({ agent, onDone, onCancel }: { agent?: Agent; onDone: (a: Agent) => void; onCancel?: () => void }) {
  const [id, setId] = useState(agent?.id || "");
  const [name, setName] = useState(agent?.name || "");
  const [email, setEmail] = useState(agent?.email || "");
  const [teams, setTeams] = useState((agent?.teams || [app.defaultTeam]).join(", "));
  const [langs, setLangs] = useState((agent?.languages || ["vi"]).join(", "));
  const [cap, setCap] = useState(String(agent?.capacity || 5));
  const [sup, setSup] = useState(!!agent?.supervisor);
  const [err, setErr] = useState("");
  const p = agent ? "edit-" : "new-";
  const submit = async () => {
    const fields = { name, email: email || undefined, teams: list(teams), languages: list(langs), capacity: Number(cap), supervisor: sup };
    const r = agent
      ? await app.api.PATCH("/agents/{id}", { params: { path: { id: agent.id }, header: { "If-Match": `"${agent.version}"` } }, body: fields })
      : await app.api.POST("/agents", { body: { id, ...fields } });
    if (!r.data) return setErr(r.response.status === 412 ? t("staleEdit") : errText(r.error, r.response));
    setErr("");
    if (!agent) {
      setId("");
      setName("");
      setEmail("");
    }
    onDone(r.data);
  };
  return (
    <form class="agent-form" onSubmit={(e) => (e.preventDefault(), void submit())}>
      <ErrorLine msg={err} />
      {!agent && (
        <label>
          {t("id")} <input id={p + "id"} required value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} />
        </label>
      )}
      <label>
        {t("name")} <input id={p + "name"} required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t("email")} <input id={p + "email"} type="email" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t("teams")} <input id={p + "teams"} value={teams} onInput={(e) => setTeams((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t("languages")} <input id={p + "languages"} value={langs} onInput={(e) => setLangs((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t("capacity")} <input id={p + "capacity"} type="number" min={1} max={100} value={cap} onInput={(e) => setCap((e.target as HTMLInputElement).value)} />
      </label>
      <label class="check">
        <input id={p + "supervisor"} type="checkbox" checked={sup} onChange={(e) => setSup((e.target as HTMLInputElement).checked)} /> {t("supervisor")}
      </label>
      <div>
        <button type="submit" class="primary" id={p + "submit"}>
          {agent ? t("save") : t("create")}
        </button>{" "}
        {onCancel && (
          <button type="button" onClick={onCancel}>
            {t("cancel")}
          </button>
        )}
      </div>
    </form>
  );
}
