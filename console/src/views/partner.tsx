// The partner view: the read-only, masked customer card a partner may see, and nothing else.
import { useEffect, useState } from "preact/hooks";
import { app } from "../state";
import { errText, type PartnerCustomer } from "../api/client";
import { t } from "../i18n";
import { AbsTime, ChannelBadge, ErrorLine } from "../ui";

export function PartnerView({ id }: { id?: string }) {
  const [input, setInput] = useState(id || "");
  const [card, setCard] = useState<PartnerCustomer | null>(null);
  const [err, setErr] = useState("");
  const load = async (cid: string) => {
    setCard(null);
    const r = await app.api.GET("/customers/{id}", { params: { path: { id: cid } } });
    if (!r.data) return setErr(r.response.status === 404 ? t("notFound") : errText(r.error, r.response));
    setErr("");
    setCard(r.data as PartnerCustomer);
  };
  useEffect(() => {
    document.title = t("partnerCard") + " · Concierge";
    if (id) void load(id);
  }, [id]);
  return (
    <section aria-labelledby="partner-h">
      <h1 id="partner-h">{t("partnerCard")}</h1>
      <form class="inline" onSubmit={(e) => (e.preventDefault(), input.trim() && (location.hash = "#/partner/" + encodeURIComponent(input.trim())))}>
        <label>
          {t("customerId")} <input id="partner-id" value={input} onInput={(e) => setInput((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">{t("show")}</button>
      </form>
      <p class="hint">{t("partnerHint")}</p>
      <ErrorLine msg={err} />
      {card && (
        <article class="card partner-card" aria-label={t("partnerCard")}>
          <h2>{card.displayName || card.id}</h2>
          <dl class="facts">
            <dt>{t("language")}</dt>
            <dd>{card.language || "—"}</dd>
            <dt>{t("tier")}</dt>
            <dd>{card.tier || "—"}</dd>
            <dt>{t("tags")}</dt>
            <dd>{card.tags?.length ? card.tags.map((x) => <span class="tag">{x}</span>) : "—"}</dd>
            <dt>{t("identities")}</dt>
            <dd>
              {(card.identities || []).map((i) => (
                <div class="identity">
                  {i.kind}: {i.value}
                </div>
              ))}
            </dd>
            <dt>{t("lastContact")}</dt>
            <dd>
              <AbsTime iso={card.lastContactAt} /> <ChannelBadge channel={card.lastChannel} />
            </dd>
          </dl>
        </article>
      )}
    </section>
  );
}
