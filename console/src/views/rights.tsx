// Data rights on the customer page (supervisor): export everything kept about her as a JSON file, or erase her
// with a reason (two clicks; refused while a conversation of hers is open). Both are audited by the API.
import { useState } from "preact/hooks";
import { app } from "../state";
import { errText } from "../api/client";
import { t } from "../i18n";
import { ErrorLine } from "../ui";

export function DataRights({ id }: { id: string }) {
  const [reason, setReason] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [err, setErr] = useState("");
  const [done, setDone] = useState("");

  const exportData = async () => {
    const r = await app.api.GET("/customers/{id}/export", { params: { path: { id }, query: reason ? { reason } : {} } });
    if (!r.data) return setErr(errText(r.error, r.response));
    setErr("");
    // A file the supervisor can hand over: the API's document as it is.
    const url = URL.createObjectURL(new Blob([JSON.stringify(r.data, null, 2)], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `customer-${id}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const erase = async (e: Event) => {
    e.preventDefault();
    if (!confirming) return setConfirming(true);
    const r = await app.api.POST("/customers/{id}/erase", { params: { path: { id } }, body: { reason } });
    setConfirming(false);
    if (!r.data) return setErr(errText(r.error, r.response));
    setErr("");
    setDone(t("erasedSummary", { touchpoints: r.data.touchpoints, files: r.data.files }));
  };

  if (done) return <p class="erased" role="status">{done}</p>;
  return (
    <section class="data-rights" aria-labelledby="rights-h">
      <h2 id="rights-h">{t("dataRights")}</h2>
      <form class="inline" onSubmit={(e) => void erase(e)}>
        <label>
          {t("rightsReason")}{" "}
          <input id="rights-reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        </label>{" "}
        <button type="button" id="rights-export" onClick={() => void exportData()}>
          {t("exportData")}
        </button>{" "}
        <button type="submit" id="rights-erase" class={confirming ? "danger" : ""} disabled={!reason.trim()}>
          {confirming ? t("confirmErase") : t("eraseData")}
        </button>
      </form>
      <ErrorLine msg={err} />
    </section>
  );
}
