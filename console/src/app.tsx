// The shell: sign-in, the header (navigation by role, status, language, the team's zone) and the routes.
import { useEffect, useState } from "preact/hooks";
import { app, teamZone } from "./state";
import { devIdentities, expired, isPartner, isStaff, isSupervisor, onSession, session, signInCognito, signInLocal, signOut, type DevIdentity, type Session } from "./auth";
import { getLang, setLang, setZone, t, zoneLabel, type Lang } from "./i18n";
import { errText } from "./api/client";
import { ErrorLine } from "./ui";
import { Inbox } from "./views/inbox";
import { ConversationView } from "./views/conversation";
import { CustomerPage } from "./views/customer";
import { Search } from "./views/search";
import { Roster } from "./views/roster";
import { Teams } from "./views/teams";
import { Duplicates } from "./views/duplicates";
import { Dashboard } from "./views/dashboard";
import { Winback } from "./views/winback";
import { PartnerView } from "./views/partner";

function useHash(): string {
  const [h, setH] = useState(location.hash || "#/");
  useEffect(() => {
    const f = () => setH(location.hash || "#/");
    addEventListener("hashchange", f);
    return () => removeEventListener("hashchange", f);
  }, []);
  return h;
}

export function App() {
  const [s, setS] = useState<Session | null>(session());
  const [, setLangState] = useState<Lang>(getLang());
  const [ready, setReady] = useState(false);
  const [err, setErr] = useState("");
  useEffect(() => onSession(setS), []);
  // Who am I, my teams and their zone: once per sign-in.
  useEffect(() => {
    setReady(false);
    if (!s) return;
    if (!isStaff(s)) {
      setReady(true);
      return;
    }
    void (async () => {
      const [me, teams] = await Promise.all([app.api.GET("/agents/me"), app.api.GET("/teams")]);
      if (!me.data || !teams.data) {
        setErr(errText(me.error || teams.error, me.response));
        return;
      }
      app.me = me.data;
      app.teams = teams.data.items;
      app.defaultTeam = teams.data.defaultTeam;
      setZone(teamZone());
      setErr("");
      setReady(true);
    })();
  }, [s?.sub, s?.token]);

  const hash = useHash();
  const pickLang = (l: Lang) => {
    setLang(l);
    setLangState(l);
  };
  if (!s) return <SignIn expired={expired()} onLang={pickLang} />;
  if (err) return <ErrorLine msg={err} />;
  if (!ready) return <p class="loading">{t("loading")}</p>;
  return (
    <div class="shell">
      <Header s={s} hash={hash} onLang={pickLang} />
      <main id="main">{route(hash, s)}</main>
    </div>
  );
}

function route(hash: string, s: Session) {
  const parts = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (isPartner(s)) return <PartnerView id={parts[0] === "partner" || parts[0] === "customer" ? parts[1] : undefined} />;
  const sup = isSupervisor(s);
  switch (parts[0]) {
    case "c":
      return <ConversationView key={parts[1]} id={parts[1]!} />;
    case "customer":
      return <CustomerPage key={parts[1]} id={parts[1]!} />;
    case "search":
      return <Search />;
    case "roster":
      return sup ? <Roster /> : <Inbox />;
    case "teams":
      return <Teams />;
    case "duplicates":
      return sup ? <Duplicates /> : <Inbox />;
    case "dashboard":
      return sup ? <Dashboard /> : <Inbox />;
    case "winback":
      return sup ? <Winback /> : <Inbox />;
    default:
      return <Inbox />;
  }
}

function Header({ s, hash, onLang }: { s: Session; hash: string; onLang: (l: Lang) => void }) {
  const links: [string, string][] = isPartner(s)
    ? [["#/partner", t("partnerCard")]]
    : [
        ["#/inbox", t("inbox")],
        ["#/search", t("search")],
        ["#/teams", t("teams")],
        ...(isSupervisor(s)
          ? ([
              ["#/roster", t("roster")],
              ["#/duplicates", t("duplicates")],
              ["#/dashboard", t("dashboard")],
              ["#/winback", t("winback")],
            ] as [string, string][])
          : []),
      ];
  const cur = "#/" + (hash.replace(/^#\/?/, "").split("/")[0] || "inbox");
  return (
    <header class="top">
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <strong class="brand">{t("appName")}</strong>
      <nav aria-label="Main">
        {links.map(([href, label]) => (
          <a href={href} aria-current={cur === href ? "page" : undefined}>
            {label}
          </a>
        ))}
      </nav>
      <span class="spacer" />
      {isStaff(s) && <StatusPicker />}
      <span class="zone">{t("times", { zone: zoneLabel() })}</span>
      <label class="lang">
        <span class="sr-only">{t("language")}</span>
        <select value={getLang()} onChange={(e) => onLang((e.target as HTMLSelectElement).value as Lang)} aria-label={t("language")}>
          <option value="vi">Tiếng Việt</option>
          <option value="en">English</option>
        </select>
      </label>
      <span class="who">{s.name}</span>
      <button type="button" onClick={() => void signOut(app.cfg)}>
        {t("signOut")}
      </button>
    </header>
  );
}

function StatusPicker() {
  const [status, setStatus] = useState(app.me?.status || "offline");
  const [err, setErr] = useState("");
  const change = async (v: string) => {
    const r = await app.api.PUT("/agents/me/status", { body: { status: v as "available" | "away" | "offline" } });
    if (r.data) {
      app.me = r.data.agent;
      setStatus(r.data.agent.status);
      setErr("");
      dispatchEvent(new Event("concierge:refresh"));
    } else setErr(errText(r.error, r.response));
  };
  return (
    <label class="status">
      {t("status")}{" "}
      <select id="my-status" value={status} class={"st-" + status} onChange={(e) => void change((e.target as HTMLSelectElement).value)}>
        <option value="available">{t("available")}</option>
        <option value="away">{t("away")}</option>
        <option value="offline">{t("offline")}</option>
      </select>
      {err && <span class="error"> {err}</span>}
    </label>
  );
}

function SignIn({ expired, onLang }: { expired: boolean; onLang: (l: Lang) => void }) {
  const [ids, setIds] = useState<DevIdentity[] | null>(null);
  const [err, setErr] = useState("");
  const cfg = app.cfg;
  useEffect(() => {
    document.title = t("signIn") + " · Concierge";
    if (cfg.auth.mode === "local")
      devIdentities(cfg)
        .then(setIds)
        .catch((e) => setErr(String(e)));
  }, []);
  return (
    <main class="signin" id="main">
      <h1>Concierge</h1>
      <label class="lang">
        {t("language")}{" "}
        <select value={getLang()} onChange={(e) => onLang((e.target as HTMLSelectElement).value as Lang)}>
          <option value="vi">Tiếng Việt</option>
          <option value="en">English</option>
        </select>
      </label>
      {expired && (
        <p class="notice" role="status">
          {t("sessionExpired")}
        </p>
      )}
      <ErrorLine msg={err} />
      {cfg.auth.mode === "cognito" ? (
        <button type="button" class="primary" onClick={() => cfg.auth.mode === "cognito" && void signInCognito(cfg.auth)}>
          {t("signInCognito")}
        </button>
      ) : (
        <section aria-labelledby="signin-h">
          <h2 id="signin-h">{t("signInAs")}</h2>
          <p class="hint">{t("signInLocalHint")}</p>
          <ul class="people">
            {(ids || []).map((p) => (
              <li>
                <button
                  type="button"
                  class="person"
                  data-sub={p.sub}
                  onClick={() =>
                    signInLocal(cfg, p.sub).catch((e) => setErr(String(e)))
                  }
                >
                  <strong>{p.name}</strong> <span class="muted">{p.sub} · {p.groups.join(", ")}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
