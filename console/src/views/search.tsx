// Search: by name prefix, phone (any spelling), email, or a provider id written kind:value.
import { useState } from "preact/hooks";
import { app } from "../state";
import { errText, type Customer } from "../api/client";
import { t } from "../i18n";
import { AbsTime, ChannelBadge, ErrorLine } from "../ui";

type Query = { phone?: string; email?: string; zalo?: string; telegram?: string; messenger?: string; webchat?: string; q?: string };

export function queryFor(input: string): Query {
  const s = input.trim();
  const m = /^(zalo|telegram|messenger|webchat|phone|email):\s*(.+)$/i.exec(s);
  if (m) return { [m[1]!.toLowerCase()]: m[2]!.trim() } as Query;
  if (s.includes("@")) return { email: s };
  if (/^\+?[\d\s().-]{6,}$/.test(s)) return { phone: s };
  return { q: s };
}

export function Search() {
  const [text, setText] = useState("");
  const [res, setRes] = useState<Customer[] | null>(null);
  const [err, setErr] = useState("");
  const go = async () => {
    if (text.trim().length < 2) return;
    const r = await app.api.GET("/customers", { params: { query: queryFor(text) } });
    if (!r.data) {
      setErr(errText(r.error, r.response));
      setRes(null);
      return;
    }
    setErr("");
    setRes(r.data.customers);
  };
  return (
    <section aria-labelledby="search-h">
      <h1 id="search-h">{t("search")}</h1>
      <form role="search" onSubmit={(e) => (e.preventDefault(), void go())}>
        <label for="search-input">{t("searchHint")}</label>
        <div class="inline">
          <input id="search-input" type="search" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
          <button type="submit">{t("search")}</button>
        </div>
      </form>
      <ErrorLine msg={err} />
      {res && res.length === 0 && <p>{t("noResults")}</p>}
      {res && res.length > 0 && (
        <ul class="rows results">
          {res.map((c) => (
            <li class="row">
              <a class="row-main" href={"#/customer/" + c.id}>
                <span class="row-name">{c.displayName || c.id}</span>
                <span class="row-text">{(c.identities || []).map((i) => i.value).join(" · ")}</span>
              </a>
              <ChannelBadge channel={c.lastChannel} />
              <AbsTime iso={c.lastContactAt} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
