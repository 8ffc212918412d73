// A conversation: the customer's unified timeline across every channel, the reply box, notes and actions,
// and the customer 360 panel. Two round trips: the conversation, then its customer and timeline together.
import { useEffect, useRef, useState } from "preact/hooks";
import { app, drafts } from "../state";
import { isSupervisor, session } from "../auth";
import { errText, type Agent, type Conversation, type CustomerContext, type Identity, type Touchpoint } from "../api/client";
import { t, type Key } from "../i18n";
import { AbsTime, ChannelBadge, ErrorLine, PriorityBadge, SlaCountdown, channelName, useNow } from "../ui";
import { markSeen } from "./inbox";
import { CustomerPanel } from "./customer";

const PAGE = 30;

export function ConversationView({ id }: { id: string }) {
  const [conv, setConv] = useState<Conversation | null>(null);
  const [fetchedAt, setFetchedAt] = useState(Date.now());
  const [cust, setCust] = useState<CustomerContext | null>(null);
  const [items, setItems] = useState<Touchpoint[]>([]);
  const [next, setNext] = useState("");
  const [err, setErr] = useState("");
  const [info, setInfo] = useState("");
  const now = useNow(1000);
  const tl = useRef<HTMLOListElement>(null);
  // The newest touchpoint in view whenever a new one arrives (not when older ones are loaded).
  useEffect(() => {
    if (tl.current) tl.current.scrollTop = tl.current.scrollHeight;
  }, [items[0]?.id]);

  const loadCustomer = async (customerId: string) => {
    const [c, tl] = await Promise.all([
      app.api.GET("/customers/{id}", { params: { path: { id: customerId } } }),
      app.api.GET("/customers/{id}/timeline", { params: { path: { id: customerId }, query: { limit: PAGE } } }),
    ]);
    if (c.data && "version" in c.data) setCust(c.data as CustomerContext);
    else return setErr(errText(c.error, c.response));
    if (tl.data) {
      setItems(tl.data.items);
      setNext(tl.data.next);
    } else setErr(errText(tl.error, tl.response));
  };
  const load = async () => {
    const r = await app.api.GET("/conversations/{id}", { params: { path: { id } } });
    if (!r.data) return setErr(errText(r.error, r.response));
    setConv(r.data);
    setFetchedAt(Date.now());
    markSeen(r.data);
    await loadCustomer(r.data.customerId);
  };
  useEffect(() => {
    void load();
  }, [id]);
  // New messages and changes by others show without a reload: the conversation is polled, and the
  // customer and timeline are read again only when it moved.
  const stamp = (c: Conversation) => [c.version, c.updatedAt, c.lastMessageAt, c.lastInboundAt].join("|");
  const seenStamp = useRef("");
  useEffect(() => {
    seenStamp.current = conv ? stamp(conv) : "";
  }, [conv && stamp(conv)]);
  useEffect(() => {
    const tick = setInterval(async () => {
      const r = await app.api.GET("/conversations/{id}", { params: { path: { id } } });
      if (!r.data || stamp(r.data) === seenStamp.current) return;
      setConv(r.data);
      setFetchedAt(Date.now());
      markSeen(r.data);
      await loadCustomer(r.data.customerId);
    }, 3000);
    return () => clearInterval(tick);
  }, [id]);
  useEffect(() => {
    if (cust) document.title = (cust.displayName || cust.id) + " · Concierge";
  }, [cust?.displayName]);

  const older = async () => {
    if (!conv || !next) return;
    const r = await app.api.GET("/customers/{id}/timeline", { params: { path: { id: conv.customerId }, query: { limit: PAGE, cursor: next } } });
    if (!r.data) return setErr(errText(r.error, r.response));
    setItems((cur) => [...cur, ...r.data!.items]);
    setNext(r.data.next);
  };

  const act = async (what: () => Promise<{ data?: unknown; error?: unknown; response: Response }>, done?: (d: any) => void) => {
    setErr("");
    setInfo("");
    const r = await what();
    if (!r.data) return setErr(errText(r.error, r.response));
    done?.(r.data);
    await load();
  };

  if (!conv) return err ? <ErrorLine msg={err} /> : <p>{t("loading")}</p>;
  const sup = isSupervisor(session());
  const mine = conv.assigneeId === session()?.sub;
  return (
    <div class="conv-layout">
      <section class="conv" aria-labelledby="conv-h">
        <header class="conv-head">
          <h1 id="conv-h">{cust?.displayName || conv.customerId}</h1>
          <PriorityBadge priority={conv.priority} reasons={conv.urgency?.reasons} />
          <SlaCountdown c={conv} now={now} fetchedAt={fetchedAt} />
          <span class={"cstatus cs-" + conv.status}>{conv.status}</span>
          <span class="muted">
            {conv.assigneeId ? t("assignedTo", { who: conv.assigneeId === session()?.sub ? t("me") : conv.assigneeId }) : t("unassigned")}
            {conv.team ? ` · ${conv.team}` : ""}
          </span>
        </header>
        {conv.urgency?.reasons?.length ? (
          <p class="reasons">
            {t("reasons")}: {conv.urgency.reasons.join("; ")}
          </p>
        ) : null}
        <ErrorLine msg={err} />
        {info && (
          <p class="notice" role="status">
            {info}
          </p>
        )}
        <div class="actions">
          {conv.status !== "resolved" && !conv.assigneeId && (
            <button type="button" id="claim" onClick={() => void act(() => app.api.POST("/conversations/{id}/claim", { params: { path: { id } } }))}>
              {t("claim")}
            </button>
          )}
          {conv.status !== "resolved" && (sup || mine || !conv.assigneeId) && (
            <button
              type="button"
              id="resolve"
              onClick={() =>
                void act(
                  () => app.api.POST("/conversations/{id}/resolve", { params: { path: { id } } }),
                  (d) => setInfo(t("resolved") + " " + (d.survey.sent ? t("surveySent", { channel: channelName(d.survey.channel) }) : t("surveyNotSent"))),
                )
              }
            >
              {t("resolve")}
            </button>
          )}
          {sup && conv.status !== "resolved" && <Transfer conv={conv} act={act} />}
          {sup && conv.status !== "resolved" && <Assign conv={conv} act={act} />}
        </div>
        <ol class="timeline" aria-label="Timeline" tabIndex={0} ref={tl}>
          {next && (
            <li class="older">
              <button type="button" onClick={() => void older()}>
                {t("loadOlder")}
              </button>
            </li>
          )}
          {items
            .slice()
            .reverse()
            .map((tp) => (
              <TimelineItem tp={tp} here={tp.conversationId === conv.id} />
            ))}
        </ol>
        {conv.status !== "resolved" && cust && (
          <Composer conv={conv} cust={cust} lastIn={items.find((tp) => tp.direction === "in" && tp.channel !== "agent" && tp.conversationId === conv.id)} onSent={() => void load()} setErr={setErr} />
        )}
      </section>
      {cust && <CustomerPanel cust={cust} onChange={() => void loadCustomer(conv.customerId)} />}
    </div>
  );
}

type Act = (what: () => Promise<{ data?: unknown; error?: unknown; response: Response }>, done?: (d: any) => void) => Promise<void>;

function Transfer({ conv, act }: { conv: Conversation; act: Act }) {
  const [team, setTeam] = useState("");
  const others = app.teams.filter((x) => x.id !== conv.team);
  if (!others.length) return null;
  return (
    <form class="inline" onSubmit={(e) => (e.preventDefault(), team && void act(() => app.api.POST("/conversations/{id}/transfer", { params: { path: { id: conv.id } }, body: { team } })))}>
      <label>
        {t("transfer")}{" "}
        <select value={team} onChange={(e) => setTeam((e.target as HTMLSelectElement).value)}>
          <option value="">—</option>
          {others.map((x) => (
            <option value={x.id}>{x.name}</option>
          ))}
        </select>
      </label>
      <button type="submit">{t("transfer")}</button>
    </form>
  );
}

function Assign({ conv, act }: { conv: Conversation; act: Act }) {
  const [agents, setAgents] = useState<Agent[]>([]);
  const [who, setWho] = useState("");
  useEffect(() => {
    void app.api.GET("/agents").then((r) => r.data && setAgents(r.data.items.filter((a) => a.status !== "inactive")));
  }, []);
  return (
    <form class="inline" onSubmit={(e) => (e.preventDefault(), who && void act(() => app.api.POST("/conversations/{id}/assign", { params: { path: { id: conv.id } }, body: { agentId: who } })))}>
      <label>
        {t("assign")}{" "}
        <select value={who} onChange={(e) => setWho((e.target as HTMLSelectElement).value)}>
          <option value="">—</option>
          {agents.map((a) => (
            <option value={a.id}>
              {a.name} ({t(a.status as Key)}, {a.load}/{a.capacity})
            </option>
          ))}
        </select>
      </label>
      <button type="submit">{t("assign")}</button>
    </form>
  );
}

const ticks: Record<string, string> = { queued: "◷", sent: "✓", delivered: "✓✓", read: "✓✓", failed: "⚠" };

function TimelineItem({ tp, here }: { tp: Touchpoint; here: boolean }) {
  const cls = ["tp", "k-" + tp.kind, "d-" + tp.direction, here ? "here" : "elsewhere"].join(" ");
  const head = (
    <div class="tp-head">
      <ChannelBadge channel={tp.channel} />
      {kindLabel(tp) && <span class="kind">{kindLabel(tp)}</span>}
      <AbsTime iso={tp.occurredAt} />
      {tp.direction === "out" && tp.status && tp.status !== "received" && (
        <span class={"tick st-" + tp.status} title={t(tp.status as Key) + (tp.metadata?.error ? ": " + tp.metadata.error : "")}>
          <span aria-hidden="true">{ticks[tp.status]}</span> {t(tp.status as Key)}
          {tp.status === "failed" && tp.metadata?.error ? ` — ${tp.metadata.error}` : ""}
        </span>
      )}
      {tp.unverifiedSender && <span class="warn">{t("unverifiedSender")}</span>}
    </div>
  );
  return (
    <li class={cls} data-kind={tp.kind} data-channel={tp.channel}>
      {head}
      {tp.subject && (
        <div class="subject">
          {t("subject")}: {tp.subject}
        </div>
      )}
      {tp.text && <div class="text">{tp.text}</div>}
      {tp.kind === "feedback" && tp.metadata?.score && <div class="text">★ {tp.metadata.score}/5</div>}
      {tp.attachments?.length ? <Attachments tp={tp} /> : null}
    </li>
  );
}

// A file of our attachments bucket (s3://) downloads through a link the API signs for five minutes, which
// S3 answers with Content-Disposition: attachment: the console never renders a customer's file. A
// provider's https media link stays a plain link; any other URL is shown as a name only.
function Attachments({ tp }: { tp: Touchpoint }) {
  const [err, setErr] = useState("");
  const [busy, setBusy] = useState(-1);
  const download = async (index: number) => {
    setErr("");
    setBusy(index);
    const r = await app.api.GET("/customers/{id}/touchpoints/{touchpointId}/attachments/{index}", {
      params: { path: { id: tp.customerId, touchpointId: tp.id, index } },
    });
    setBusy(-1);
    if (!r.data) return setErr(errText(r.error, r.response));
    window.location.assign(r.data.url);
  };
  return (
    <>
      <ul class="attachments" aria-label={t("attachments")}>
        {(tp.attachments ?? []).map((a, i) => {
          const name = a.name || "attachment";
          return (
            <li>
              {a.url?.startsWith("s3://") ? (
                <>
                  <span>{name}</span>{" "}
                  <button type="button" class="download" disabled={busy === i} aria-label={t("downloadNamed", { name })} onClick={() => void download(i)}>
                    {t("download")}
                  </button>
                </>
              ) : a.url && /^https:\/\//.test(a.url) ? (
                <a href={a.url} download={a.name || true} rel="noopener noreferrer">
                  {a.name || a.url}
                </a>
              ) : (
                <span>{name}</span>
              )}{" "}
              <span class="muted">
                {a.contentType} {a.size ? `${Math.ceil(a.size / 1024)} KB` : ""}
              </span>
              {/* Why a customer's file was not downloaded (too large, a type not taken, a failed download). */}
              {a.note ? <span class="muted note"> {a.note}</span> : null}
            </li>
          );
        })}
      </ul>
      <ErrorLine msg={err} />
    </>
  );
}

function kindLabel(tp: Touchpoint): string {
  switch (tp.kind) {
    case "call":
      return t("call");
    case "missed_call":
      return t("missedCall");
    case "voicemail":
      return t("voicemail");
    case "transcript":
      return t("transcript");
    case "feedback":
      return t("feedback");
    case "purchase":
      return t("purchase");
    case "note":
      return t("noteLabel");
    case "email":
      return "";
    default:
      return "";
  }
}

// The kind of identity a channel replies to.
const replyKind: Record<string, Identity["kind"]> = {
  whatsapp: "phone",
  sms: "phone",
  voice: "phone",
  email: "email",
  zalo: "zalo",
  telegram: "telegram",
  messenger: "messenger",
  webchat: "webchat",
  viber: "vonage",
};

function Composer(props: { conv: Conversation; cust: CustomerContext; lastIn?: Touchpoint; onSent: () => void; setErr: (s: string) => void }) {
  const { conv, cust, lastIn, onSent, setErr } = props;
  const [mode, setMode] = useState<"reply" | "note">("reply");
  const [text, setText] = useState(drafts.get(conv.id));
  const [busy, setBusy] = useState(false);
  // Where the API sends a reply: the channel of the customer's latest message in the conversation (a call
  // is answered by SMS), to the trusted identity that wrote it, else the one the profile remembers.
  let channel = lastIn?.channel || conv.lastChannel || cust.lastChannel;
  if (channel === "voice") channel = "sms";
  const kind = channel ? replyKind[channel] : undefined;
  const trusted = (k: string) => cust.identityProof?.[k] === "verified" || cust.identityProof?.[k] === "staff";
  const fromKey = lastIn?.from && lastIn.from.kind === kind ? `${lastIn.from.kind}#${lastIn.from.value}` : "";
  const choices = (cust.identities || [])
    .filter((i) => i.kind === kind)
    .map((i) => `${i.kind}#${i.value}`)
    .filter(trusted);
  const remembered = channel ? cust.lastFrom?.[channel] || "" : "";
  const defaultAddr = fromKey && trusted(fromKey) ? fromKey : remembered && trusted(remembered) ? remembered : choices[0] || "";
  const [to, setTo] = useState(defaultAddr);
  useEffect(() => setTo(defaultAddr), [defaultAddr]);
  const ta = useRef<HTMLTextAreaElement>(null);
  // The send policy's answer per channel (GET /conversations/{id}); without it (an older API), WhatsApp's
  // 24 hours are checked here.
  const options = conv.replyOptions || [];
  const waClosed =
    options.length === 0 &&
    channel === "whatsapp" &&
    Date.now() - Date.parse(lastIn?.occurredAt || conv.lastInboundAt || "1970-01-01T00:00:00Z") > 24 * 3600 * 1000;

  const submit = async () => {
    const body = text.trim();
    if (!body || busy) return;
    setBusy(true);
    setErr("");
    const r =
      mode === "note"
        ? await app.api.POST("/conversations/{id}/notes", { params: { path: { id: conv.id } }, body: { text: body } })
        : await app.api.POST("/conversations/{id}/messages", {
            params: { path: { id: conv.id } },
            body: to && to !== defaultAddr ? { text: body, to: { kind: to.split("#")[0] as Identity["kind"], value: to.slice(to.indexOf("#") + 1) } } : { text: body },
          });
    setBusy(false);
    if (!r.data) {
      // A 401 shows sign-in; the draft stays in localStorage.
      setErr(errText(r.error, r.response));
      return;
    }
    drafts.set(conv.id, "");
    setText("");
    onSent();
    ta.current?.focus();
  };

  return (
    <form class={"composer m-" + mode} onSubmit={(e) => (e.preventDefault(), void submit())} aria-label={mode === "note" ? t("note") : t("reply")}>
      <div class="modes" role="radiogroup" aria-label={t("reply") + " / " + t("note")}>
        <label>
          <input type="radio" name="mode" checked={mode === "reply"} onChange={() => setMode("reply")} /> {t("reply")}
        </label>
        <label>
          <input type="radio" name="mode" checked={mode === "note"} onChange={() => setMode("note")} /> {t("note")}
        </label>
      </div>
      {mode === "reply" &&
        (channel ? (
          <label class="to">
            {t("replyTo", { channel: channelName(channel) })}{" "}
            <select id="reply-to" value={to} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
              {choices.map((k) => (
                <option value={k}>
                  {k.slice(k.indexOf("#") + 1)} ({t(("proof_" + (cust.identityProof?.[k] || "claimed")) as Key)})
                </option>
              ))}
            </select>
          </label>
        ) : (
          <p class="warn">{t("noReplyAddress")}</p>
        ))}
      {mode === "reply" && waClosed && (
        <p class="warn" role="note">
          {t("waWindowClosed")}
        </p>
      )}
      {mode === "reply" && options.length > 0 && <ReplyWindow options={options} />}
      <label class="sr-only" for="composer-text">
        {mode === "note" ? t("note") : t("reply")}
      </label>
      <textarea
        id="composer-text"
        ref={ta}
        rows={3}
        maxLength={4096}
        value={text}
        onInput={(e) => {
          const v = (e.target as HTMLTextAreaElement).value;
          setText(v);
          drafts.set(conv.id, v);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void submit();
          }
        }}
      />
      <div class="composer-foot">
        <span class="muted">{t("sendHint")}</span>
        <button type="submit" class="primary" id="send" disabled={busy}>
          {mode === "note" ? t("addNote") : t("send")}
        </button>
      </div>
    </form>
  );
}

type ReplyOption = NonNullable<Conversation["replyOptions"]>[number];

// What a reply may be on each of her channels, before the agent types: free until when (and under which tag
// or quota), or the template it goes as, or why not and where to write instead. The channel a reply goes to
// comes first.
function ReplyWindow({ options }: { options: ReplyOption[] }) {
  const sorted = options.slice().sort((a, b) => Number(b.current) - Number(a.current));
  return (
    <div class="reply-window" role="note" aria-label={t("rwTitle")}>
      <ul>
        {sorted.map((o) => (
          <li class={(o.current ? "current " : "") + (o.free ? "free" : "closed")} data-channel={o.channel} data-rule={o.rule}>
            <ReplyOptionLine o={o} />
          </li>
        ))}
      </ul>
    </div>
  );
}

function ReplyOptionLine({ o }: { o: ReplyOption }) {
  const ch = channelName(o.channel);
  const params = o.fallback?.params
    ? Object.entries(o.fallback.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")
    : "";
  if (o.free) {
    return (
      <span>
        {o.until ? (
          <>
            {t("rwFreeUntil", { channel: ch })} <AbsTime iso={o.until} />
          </>
        ) : (
          t("rwFree", { channel: ch })
        )}
        {o.tag === "HUMAN_AGENT" && " · " + t("rwHumanAgent")}
        {o.quota === "zalo_free_reply" && o.remaining !== undefined && " · " + t("rwRemaining", { n: o.remaining })}
        {o.quota === "zalo_consulting" && " · " + t("rwConsulting")}
      </span>
    );
  }
  const fb = o.fallback;
  if (fb && fb.ready && fb.kind === "zns_template") {
    return <span>{t("rwZns", { channel: ch, template: fb.template || "", params })}</span>;
  }
  if (fb && fb.ready && fb.kind === "whatsapp_template") {
    return <span>{t("rwTemplate", { channel: ch, template: fb.template || "", params: params || "-" })}</span>;
  }
  return (
    <span class="warn">
      {t("rwClosed", { channel: ch, reason: o.reason })}
      {fb && fb.ready && fb.channel ? " " + t("rwInstead", { channel: channelName(fb.channel) }) : fb?.note ? " (" + fb.note + ")" : ""}
    </span>
  );
}
