// The win-back list (supervisor): valued customers who went quiet or were unhappy since their last purchase,
// most value at risk first. Reach out (the API opens her conversation, assigned to the caller, and sends through
// the send policy: a template where the channel's window is closed) or take her off until she buys again.
import { useEffect, useState } from "preact/hooks";
import { app } from "../state";
import { errText, type Schemas } from "../api/client";
import { t } from "../i18n";
import { AbsTime, ChannelBadge, ErrorLine } from "../ui";

type Entry = Schemas["WinbackCustomer"];

function money(minor: number): string {
  return new Intl.NumberFormat("vi-VN").format(minor);
}

export function Winback() {
  const [list, setList] = useState<{ day: string | null; customers: Entry[] } | null>(null);
  const [err, setErr] = useState("");
  const [busy, setBusy] = useState(false);
  const load = async () => {
    const r = await app.api.GET("/winback");
    if (!r.data) return setErr(errText(r.error, r.response));
    setErr("");
    setList(r.data);
  };
  useEffect(() => {
    document.title = t("winback") + " · Concierge";
    void load();
  }, []);
  const run = async () => {
    setBusy(true);
    const r = await app.api.POST("/winback/run");
    setBusy(false);
    if (!r.data) return setErr(errText(r.error, r.response));
    void load();
  };

  return (
    <section aria-labelledby="winback-h">
      <h1 id="winback-h">{t("winback")}</h1>
      <p class="muted">{t("winbackHint")}</p>
      <p>
        {list?.day ? t("winbackDay", { day: list.day }) : list ? t("winbackNoList") : ""}{" "}
        <button type="button" id="winback-run" disabled={busy} onClick={() => void run()}>
          {t("winbackRun")}
        </button>
      </p>
      <ErrorLine msg={err} />
      {list && list.day && list.customers.length === 0 && <p>{t("nothingHere")}</p>}
      <ul class="rows winback-rows">
        {(list?.customers || []).map((c) => (
          <WinbackRow key={c.customerId} c={c} onDone={() => void load()} onError={setErr} />
        ))}
      </ul>
    </section>
  );
}

function WinbackRow({ c, onDone, onError }: { c: Entry; onDone: () => void; onError: (m: string) => void }) {
  const [form, setForm] = useState<"" | "outreach" | "dismiss">("");
  const [text, setText] = useState("");
  // An outreach refused as already begun (409) may be sent again once the supervisor has checked her timeline.
  const [unsure, setUnsure] = useState(false);
  const [resend, setResend] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const path = { params: { path: { id: c.customerId } } };
    const r =
      form === "outreach"
        ? await app.api.POST("/winback/{id}/outreach", { ...path, body: resend ? { text, confirmResend: true } : { text } })
        : await app.api.POST("/winback/{id}/dismiss", { ...path, body: { reason: text } });
    if (!r.data) {
      setUnsure(form === "outreach" && r.response.status === 409);
      return onError(errText(r.error, r.response));
    }
    onError("");
    setForm("");
    setText("");
    setUnsure(false);
    setResend(false);
    onDone();
  };
  const label = form === "outreach" ? t("outreachText") : t("dismissReason");
  return (
    <li class="row winback" data-customer={c.customerId}>
      <div class="row-main">
        <div>
          <a href={"#/customer/" + c.customerId}>{c.displayName || c.customerId}</a> {c.tier && <span class="badge">{c.tier}</span>}{" "}
          <span class="badge">{t(c.reason === "unhappy" ? "reason_unhappy" : "reason_lapsed")}</span> {c.channel && <ChannelBadge channel={c.channel} />}
        </div>
        <div class="muted">
          {t("valueAtRisk")}: <strong class="value-at-risk">{money(c.valueAtRisk)}</strong>
          {c.daysSinceLastPurchase !== undefined && <> · {t("daysSincePurchase", { n: c.daysSinceLastPurchase })}</>}
          {c.lastSatisfaction && <> · {t("lastScore", { n: c.lastSatisfaction.score })}</>}
          {c.lastConversation && (
            <>
              {" "}
              · <a href={"#/c/" + c.lastConversation.id}>{t("open")}</a>
            </>
          )}
          {c.outreachAt && (
            <>
              {" "}
              · <span class="outreach-sent">{t("outreachSent")}</span> <AbsTime iso={c.outreachAt} />
            </>
          )}
        </div>
        {form && (
          <form class="inline winback-form" onSubmit={(e) => void submit(e)}>
            <label>
              {label}{" "}
              <input aria-label={label} value={text} required onInput={(e) => setText((e.target as HTMLInputElement).value)} />
            </label>{" "}
            {unsure && (
              <>
                <label>
                  <input type="checkbox" id="confirm-resend" checked={resend} onChange={(e) => setResend((e.target as HTMLInputElement).checked)} />{" "}
                  {t("confirmResend")}
                </label>{" "}
              </>
            )}
            <button type="submit" class="primary">
              {form === "outreach" ? t("send") : t("dismiss")}
            </button>{" "}
            <button type="button" onClick={() => setForm("")}>
              {t("cancel")}
            </button>
          </form>
        )}
      </div>
      {!form && (
        <>
          <button type="button" class="primary reach-out" disabled={!!c.outreachAt} onClick={() => setForm("outreach")}>
            {t("reachOut")}
          </button>
          <button type="button" class="dismiss" onClick={() => setForm("dismiss")}>
            {t("dismiss")}
          </button>
        </>
      )}
    </li>
  );
}
