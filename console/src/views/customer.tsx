// The customer 360 panel: profile, satisfaction, identities with their proof, possible duplicates (merge
// for supervisors), and an edit form sent with If-Match.
import { useEffect, useState } from "preact/hooks";
import { app } from "../state";
import { isSupervisor, session } from "../auth";
import { errText, type CustomerContext } from "../api/client";
import { t, type Key } from "../i18n";
import { AbsTime, ChannelBadge, ErrorLine, channelName } from "../ui";
import { DataRights } from "./rights";

export function CustomerPage({ id }: { id: string }) {
  const [cust, setCust] = useState<CustomerContext | null>(null);
  const [err, setErr] = useState("");
  const load = async () => {
    const r = await app.api.GET("/customers/{id}", { params: { path: { id } } });
    if (r.data && "version" in r.data) setCust(r.data as CustomerContext);
    else setErr(r.response.status === 404 ? t("notFound") : errText(r.error, r.response));
  };
  useEffect(() => {
    void load();
  }, [id]);
  useEffect(() => {
    if (cust) document.title = (cust.displayName || cust.id) + " · Concierge";
  }, [cust?.displayName]);
  if (!cust) return err ? <ErrorLine msg={err} /> : <p>{t("loading")}</p>;
  return (
    <div class="customer-page">
      <h1>{cust.displayName || cust.id}</h1>
      {cust.openConversationId && (
        <p>
          <a href={"#/c/" + cust.openConversationId}>{t("open")} →</a>
        </p>
      )}
      <CustomerPanel cust={cust} onChange={() => void load()} />
      {isSupervisor(session()) && <DataRights id={cust.id} />}
    </div>
  );
}

function money(minor?: number): string {
  if (minor === undefined) return "";
  return new Intl.NumberFormat("vi-VN").format(minor);
}

export function CustomerPanel({ cust, onChange }: { cust: CustomerContext; onChange: () => void }) {
  const [editing, setEditing] = useState(false);
  const [err, setErr] = useState("");
  const [info, setInfo] = useState("");
  const sup = isSupervisor(session());
  const scores = cust.recentTouchpoints.filter((tp) => tp.kind === "feedback" && tp.metadata?.score).map((tp) => tp.metadata!.score);

  const merge = async (sourceId: string) => {
    setErr("");
    const r = await app.api.POST("/customers/{id}/merge", { params: { path: { id: cust.id } }, body: { sourceId } });
    if (!r.data) return setErr(errText(r.error, r.response));
    onChange();
  };

  return (
    <aside class="panel" aria-labelledby={"cust-h-" + cust.id}>
      <h2 id={"cust-h-" + cust.id}>
        {t("customer")}: {cust.displayName || cust.id}
      </h2>
      <ErrorLine msg={err} />
      {info && (
        <p class="notice" role="status">
          {info}
        </p>
      )}
      {editing ? (
        <EditForm
          cust={cust}
          sup={sup}
          onDone={(msg) => {
            setEditing(false);
            setInfo(msg);
            onChange();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <>
          <dl class="facts">
            <dt>{t("language")}</dt>
            <dd>{cust.language || "—"}</dd>
            <dt>{t("tier")}</dt>
            <dd>{cust.tier || "—"}</dd>
            <dt>{t("value")}</dt>
            <dd>{money(cust.lifetimeValue) || "—"}</dd>
            <dt>{t("satisfaction")}</dt>
            <dd>{cust.satisfactionCount ? `${(cust.satisfactionAverage || 0).toFixed(1)}/5 (${cust.satisfactionCount})` : "—"}</dd>
            {scores.length > 0 && (
              <>
                <dt>{t("lastScores")}</dt>
                <dd>{scores.join(", ")}</dd>
              </>
            )}
            <dt>{t("tags")}</dt>
            <dd>{cust.tags?.length ? cust.tags.map((x) => <span class="tag">{x}</span>) : "—"}</dd>
            <dt>{t("preferences")}</dt>
            <dd>
              {cust.preferences && Object.keys(cust.preferences).length
                ? Object.entries(cust.preferences).map(([k, v]) => (
                    <div>
                      {k}: {v}
                    </div>
                  ))
                : "—"}
            </dd>
            {cust.notes && (
              <>
                <dt>{t("notes")}</dt>
                <dd class="text">{cust.notes}</dd>
              </>
            )}
            <dt>{t("firstContact")}</dt>
            <dd>
              <AbsTime iso={cust.firstContactAt} />
            </dd>
            <dt>{t("lastContact")}</dt>
            <dd>
              <AbsTime iso={cust.lastContactAt} /> <ChannelBadge channel={cust.lastChannel} />
            </dd>
            <dt>{t("mostUsed")}</dt>
            <dd>
              {channelName(cust.mostUsedChannel) || "—"}
              {cust.channelCounts && (
                <span class="muted">
                  {" "}
                  (
                  {Object.entries(cust.channelCounts)
                    .map(([k, v]) => `${channelName(k)} ${v}`)
                    .join(", ")}
                  )
                </span>
              )}
            </dd>
          </dl>
          <button type="button" id="edit-customer" onClick={() => setEditing(true)}>
            {t("edit")}
          </button>
        </>
      )}
      <h3>{t("identities")}</h3>
      <ul class="identities">
        {(cust.identities || []).map((i) => {
          const proof = cust.identityProof?.[`${i.kind}#${i.value}`] || "claimed";
          return (
            <li>
              <span class="kind">{i.kind}</span> {i.value} <span class={"proof pr-" + proof}>{t(("proof_" + proof) as Key)}</span>
            </li>
          );
        })}
      </ul>
      {cust.possibleDuplicates.length > 0 && (
        <>
          <h3>{t("possibleDuplicates")}</h3>
          <ul class="dups">
            {cust.possibleDuplicates.map((d) => (
              <li>
                <a href={"#/customer/" + d.id}>{d.displayName || d.id}</a>
                <div class="muted">{d.reasons.join("; ")}</div>
                {sup && (
                  <button type="button" onClick={() => void merge(d.id)}>
                    {t("merge")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}

function EditForm({ cust, sup, onDone, onCancel }: { cust: CustomerContext; sup: boolean; onDone: (msg: string) => void; onCancel: () => void }) {
  const [name, setName] = useState(cust.displayName || "");
  const [lang, setLang] = useState(cust.language || "");
  const [tier, setTier] = useState(cust.tier || "");
  const [tags, setTags] = useState((cust.tags || []).join(", "));
  const [prefs, setPrefs] = useState(
    Object.entries(cust.preferences || {})
      .map(([k, v]) => `${k}=${v}`)
      .join("\n"),
  );
  const [err, setErr] = useState("");
  const save = async () => {
    const body: Record<string, unknown> = {};
    if (name !== (cust.displayName || "")) body.displayName = name;
    if (lang !== (cust.language || "")) body.language = lang;
    if (sup && tier !== (cust.tier || "")) body.tier = tier;
    const tagList = tags
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
    if (tagList.join(",") !== (cust.tags || []).join(",")) body.tags = tagList;
    const p: Record<string, string> = {};
    for (const line of prefs.split("\n")) {
      const i = line.indexOf("=");
      if (i > 0) p[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    if (JSON.stringify(p) !== JSON.stringify(cust.preferences || {})) body.preferences = p;
    const r = await app.api.PATCH("/customers/{id}", {
      params: { path: { id: cust.id }, header: { "If-Match": `"${cust.version}"` } },
      body,
    });
    if (r.data) return onDone(t("saved"));
    if (r.response.status === 412) return onDone(t("staleEdit"));
    setErr(errText(r.error, r.response));
  };
  return (
    <form class="edit" onSubmit={(e) => (e.preventDefault(), void save())}>
      <ErrorLine msg={err} />
      <label>
        {t("name")} <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} maxLength={200} />
      </label>
      <label>
        {t("language")} <input value={lang} onInput={(e) => setLang((e.target as HTMLInputElement).value)} />
      </label>
      {sup && (
        <label>
          {t("tier")} <input value={tier} onInput={(e) => setTier((e.target as HTMLInputElement).value)} />
        </label>
      )}
      <label>
        {t("tags")} <input id="edit-tags" value={tags} onInput={(e) => setTags((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t("preferences")} <textarea rows={3} value={prefs} onInput={(e) => setPrefs((e.target as HTMLTextAreaElement).value)} />
      </label>
      <div>
        <button type="submit" class="primary" id="save-customer">
          {t("save")}
        </button>{" "}
        <button type="button" onClick={onCancel}>
          {t("cancel")}
        </button>
      </div>
    </form>
  );
}
