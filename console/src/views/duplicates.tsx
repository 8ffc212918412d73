// The duplicate-suggestion queue (supervisor): both customers with the evidence; merge the newer into the
// older, or dismiss.
import { useEffect, useState } from "preact/hooks";
import { app } from "../state";
import { errText, type CustomerContext, type Suggestion } from "../api/client";
import { t } from "../i18n";
import { AbsTime, ErrorLine } from "../ui";

interface Row {
  s: Suggestion;
  people: (CustomerContext | null)[];
}

export function Duplicates() {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [err, setErr] = useState("");
  const load = async () => {
    const r = await app.api.GET("/duplicates", { params: { query: { limit: 50 } } });
    if (!r.data) return setErr(errText(r.error, r.response));
    const ids = [...new Set(r.data.items.flatMap((s) => s.customerIds))];
    const got = new Map<string, CustomerContext>();
    await Promise.all(
      ids.map(async (id) => {
        const c = await app.api.GET("/customers/{id}", { params: { path: { id } } });
        if (c.data && "version" in c.data) got.set(id, c.data as CustomerContext);
      }),
    );
    setRows(r.data.items.map((s) => ({ s, people: s.customerIds.map((id) => got.get(id) || null) })));
  };
  useEffect(() => {
    document.title = t("duplicates") + " · Concierge";
    void load();
  }, []);

  const merge = async (row: Row) => {
    // The older customer keeps the history; the newer one is merged into it.
    const [a, b] = row.s.customerIds;
    const ca = row.people[0],
      cb = row.people[1];
    const aOlder = !ca || !cb || Date.parse(ca.createdAt) <= Date.parse(cb.createdAt);
    const target = aOlder ? a! : b!;
    const source = aOlder ? b! : a!;
    const r = await app.api.POST("/customers/{id}/merge", { params: { path: { id: target } }, body: { sourceId: source } });
    if (!r.data) return setErr(errText(r.error, r.response));
    setErr("");
    void load();
  };
  const dismiss = async (row: Row) => {
    const r = await app.api.POST("/duplicates/{id}/dismiss", { params: { path: { id: row.s.id } } });
    if (!r.data) return setErr(errText(r.error, r.response));
    void load();
  };

  return (
    <section aria-labelledby="dups-h">
      <h1 id="dups-h">{t("duplicates")}</h1>
      <ErrorLine msg={err} />
      {rows && rows.length === 0 && <p>{t("nothingHere")}</p>}
      <ul class="rows dup-rows">
        {(rows || []).map((row) => (
          <li class="row dup" data-suggestion={row.s.id}>
            <div class="row-main">
              {row.people.map((c, i) => (
                <div>
                  <a href={"#/customer/" + row.s.customerIds[i]}>{c?.displayName || row.s.customerIds[i]}</a>{" "}
                  <span class="muted">{(c?.identities || []).map((x) => x.value).join(" · ")}</span>
                </div>
              ))}
              <div class="muted">
                {t("reasons")}: {row.s.reasons.join("; ")} · <AbsTime iso={row.s.lastSeen} />
              </div>
            </div>
            <button type="button" class="primary merge" onClick={() => void merge(row)}>
              {t("mergeShort")}
            </button>
            <button type="button" onClick={() => void dismiss(row)}>
              {t("dismiss")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
