// The inbox: my conversations and my teams' queues, urgent first then by due time, polled every 2 s while the
// tab is visible: the normal lane batches for up to 2 s, so new work shows within about 4 s (the issue asks 5).
import { useEffect, useRef, useState } from "preact/hooks";
import { app } from "../state";
import { errText, type Conversation, type CustomerContext } from "../api/client";
import { t } from "../i18n";
import { ChannelBadge, ErrorLine, PriorityBadge, SlaCountdown, Time, firstLine, useNow } from "../ui";

const POLL_MS = 2000;
const rank: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

export function byUrgency(a: Conversation, b: Conversation): number {
  const p = (rank[a.priority] ?? 9) - (rank[b.priority] ?? 9);
  if (p) return p;
  const da = a.sla.dueAt ? Date.parse(a.sla.dueAt) : Infinity;
  const db = b.sla.dueAt ? Date.parse(b.sla.dueAt) : Infinity;
  return da - db;
}

interface Lists {
  mine: Conversation[];
  queues: { team: string; items: Conversation[] }[];
  at: number;
}

// Customers by id, refetched when their conversation moves: the row's name and last line.
const customers = new Map<string, { stamp: string; c: CustomerContext }>();

const seenKey = "concierge.seen";
function seen(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(seenKey) || "{}");
  } catch {
    return {};
  }
}
export function markSeen(c: Conversation) {
  const s = seen();
  s[c.id] = c.lastInboundAt || c.lastMessageAt || c.updatedAt;
  localStorage.setItem(seenKey, JSON.stringify(s));
}
function unread(c: Conversation): boolean {
  const last = c.lastInboundAt;
  const s = seen()[c.id];
  return !!last && (!s || Date.parse(s) < Date.parse(last));
}

let audio: AudioContext | null = null;
function beep() {
  try {
    audio ??= new AudioContext();
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = 880;
    g.gain.value = 0.08;
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.15);
  } catch {
    /* no audio: the title still says it */
  }
}

export function Inbox() {
  const [lists, setLists] = useState<Lists | null>(null);
  const [err, setErr] = useState("");
  const [, bump] = useState(0);
  const now = useNow(1000);
  const alive = useRef(true);

  const load = async () => {
    const teams = app.me?.teams.length ? app.me.teams : [app.defaultTeam];
    const [mine, ...queues] = await Promise.all([
      app.api.GET("/conversations", { params: { query: { view: "mine", limit: 100 } } }),
      ...teams.map((team) => app.api.GET("/conversations", { params: { query: { view: "unassigned", team, limit: 100 } } })),
    ]);
    if (!alive.current) return;
    const bad = [mine, ...queues].find((r) => !r.data);
    if (bad) {
      setErr(errText(bad.error, bad.response));
      return;
    }
    setErr("");
    const next: Lists = {
      mine: mine.data!.items.slice().sort(byUrgency),
      queues: queues.map((q, i) => ({ team: teams[i]!, items: q.data!.items.slice().sort(byUrgency) })),
      at: Date.now(),
    };
    setLists(next);
    // Names and last lines, in parallel, only for conversations that moved since last time.
    const all = [...next.mine, ...next.queues.flatMap((q) => q.items)];
    const stale = all.filter((c) => customers.get(c.customerId)?.stamp !== (c.lastMessageAt || c.updatedAt));
    const unique = [...new Map(stale.map((c) => [c.customerId, c])).values()];
    await Promise.all(
      unique.map(async (c) => {
        const r = await app.api.GET("/customers/{id}", { params: { path: { id: c.customerId } } });
        if (r.data && "version" in r.data) customers.set(c.customerId, { stamp: c.lastMessageAt || c.updatedAt, c: r.data as CustomerContext });
      }),
    );
    if (alive.current && unique.length) bump((n) => n + 1);
  };

  useEffect(() => {
    alive.current = true;
    void load().then(() => {
      // The inbox is interactive: the browser test reads this mark.
      performance.mark("inbox-interactive");
    });
    // A hidden tab does not poll; it catches up the moment it is shown again.
    const id = setInterval(() => {
      if (!document.hidden) void load();
    }, POLL_MS);
    const f = () => void load();
    const shown = () => {
      if (!document.hidden) void load();
    };
    addEventListener("concierge:refresh", f);
    document.addEventListener("visibilitychange", shown);
    return () => {
      alive.current = false;
      clearInterval(id);
      removeEventListener("concierge:refresh", f);
      document.removeEventListener("visibilitychange", shown);
    };
  }, []);

  // The tab's title shows urgent work not opened yet.
  const urgentNew = lists
    ? [...lists.mine, ...lists.queues.flatMap((q) => q.items)].filter((c) => c.priority === "urgent" && unread(c)).length
    : 0;
  const [sound, setSound] = useState(localStorage.getItem("concierge.sound") === "1");
  const prevUrgent = useRef(0);
  useEffect(() => {
    document.title = (urgentNew ? `(${t("newUrgent", { n: urgentNew })}) ` : "") + t("inbox") + " · Concierge";
    if (sound && urgentNew > prevUrgent.current) beep();
    prevUrgent.current = urgentNew;
  }, [urgentNew]);

  const claim = async (c: Conversation) => {
    const r = await app.api.POST("/conversations/{id}/claim", { params: { path: { id: c.id } } });
    if (!r.data) {
      setErr(errText(r.error, r.response));
      return;
    }
    location.hash = "#/c/" + c.id;
  };

  return (
    <section class="inbox" aria-labelledby="inbox-h">
      <h1 id="inbox-h">{t("inbox")}</h1>
      <label class="check sound">
        <input
          type="checkbox"
          checked={sound}
          onChange={(e) => {
            const on = (e.target as HTMLInputElement).checked;
            setSound(on);
            localStorage.setItem("concierge.sound", on ? "1" : "0");
            if (on) beep(); // also unlocks audio: browsers allow it after a user gesture
          }}
        />{" "}
        {t("sound")}
      </label>
      <ErrorLine msg={err} />
      {!lists ? (
        <p>{t("loading")}</p>
      ) : (
        <>
          <Table title={t("myConversations")} id="mine" items={lists.mine} now={now} at={lists.at} />
          {lists.queues.map((q) => (
            <Table title={t("queue", { team: q.team })} id={"queue-" + q.team} items={q.items} now={now} at={lists.at} onClaim={claim} />
          ))}
        </>
      )}
    </section>
  );
}

function Table(props: { title: string; id: string; items: Conversation[]; now: number; at: number; onClaim?: (c: Conversation) => void }) {
  return (
    <section aria-labelledby={props.id + "-h"} class="list" data-list={props.id}>
      <h2 id={props.id + "-h"}>
        {props.title} <span class="count">({props.items.length})</span>
      </h2>
      {props.items.length === 0 ? (
        <p class="muted">{t("nothingHere")}</p>
      ) : (
        <ul class="rows">
          {props.items.map((c) => {
            const cust = customers.get(c.customerId)?.c;
            const texts = cust?.recentTouchpoints.filter((tp) => tp.direction === "in" && (tp.text || tp.subject)) || [];
            const lastIn = texts.find((tp) => tp.conversationId === c.id) || texts[0];
            const isUnread = unread(c);
            return (
              <li class={"row" + (isUnread ? " unread" : "") + " p-" + c.priority} data-conversation={c.id} data-priority={c.priority}>
                <a class="row-main" href={"#/c/" + c.id}>
                  <span class="row-name">
                    {cust?.displayName || c.customerId}
                    {isUnread && <span class="dot" title={t("unread")}><span class="sr-only"> ({t("unread")})</span></span>}
                  </span>
                  <span class="row-text">{firstLine(lastIn?.text || lastIn?.subject)}</span>
                </a>
                <ChannelBadge channel={c.lastChannel} />
                <PriorityBadge priority={c.priority} reasons={c.urgency?.reasons} />
                {c.callback?.label && !c.callback.doneAt && (
                  <span class="badge callback" data-callback={c.callback.dueAt}>
                    {t("callBack")}
                  </span>
                )}
                <SlaCountdown c={c} now={props.now} fetchedAt={props.at} />
                <Time iso={c.lastMessageAt} />
                {props.onClaim && (
                  <button type="button" class="claim" onClick={() => props.onClaim!(c)} aria-label={`${t("claim")}: ${cust?.displayName || c.customerId}`}>
                    {t("claim")}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
