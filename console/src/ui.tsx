// Small pieces every screen uses. Customer text is always rendered as text nodes (JSX escapes it); no
// view uses innerHTML.
import { useEffect, useState } from "preact/hooks";
import type { Channel, Conversation, Priority } from "./api/client";
import { clock, fmtTime, rel, t, type Key } from "./i18n";

export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

const channelNames: Record<Channel, string> = {
  sms: "SMS",
  whatsapp: "WhatsApp",
  messenger: "Messenger",
  telegram: "Telegram",
  zalo: "Zalo",
  viber: "Viber",
  voice: "Voice",
  email: "Email",
  webchat: "Web chat",
  agent: "Internal",
};
const channelIcons: Record<Channel, string> = {
  sms: "✉",
  whatsapp: "◉",
  messenger: "◍",
  telegram: "➤",
  zalo: "Z",
  viber: "◎",
  voice: "☎",
  email: "@",
  webchat: "◧",
  agent: "✎",
};

export function channelName(c?: string): string {
  return (c && channelNames[c as Channel]) || c || "";
}

export function ChannelBadge({ channel }: { channel?: string }) {
  if (!channel) return null;
  return (
    <span class={"badge ch-" + channel}>
      <span aria-hidden="true">{channelIcons[channel as Channel] || "•"} </span>
      {channelName(channel)}
    </span>
  );
}

export function PriorityBadge({ priority, reasons }: { priority: Priority; reasons?: string[] }) {
  const why = reasons && reasons.length ? `${t("reasons")}: ${reasons.join("; ")}` : undefined;
  return (
    <span class={"prio prio-" + priority} title={why}>
      {t(priority as Key)}
      {why && <span class="sr-only"> ({why})</span>}
    </span>
  );
}

export function Time({ iso }: { iso?: string }) {
  if (!iso) return null;
  return (
    <time dateTime={iso} title={fmtTime(iso)}>
      {rel(iso)}
    </time>
  );
}

export function AbsTime({ iso }: { iso?: string }) {
  if (!iso) return null;
  return (
    <time dateTime={iso} title={rel(iso)}>
      {fmtTime(iso)}
    </time>
  );
}

/** The SLA countdown: green, amber from 80% of the target, red once breached. */
export function SlaCountdown({ c, now, fetchedAt }: { c: Conversation; now: number; fetchedAt: number }) {
  const st = c.slaState;
  if (!st) return null;
  if (st.met) return <span class="sla sla-met">{t("met")}</span>;
  if (st.paused) return <span class="sla sla-paused">{t("paused")}</span>;
  const remaining = st.remainingSeconds - (now - fetchedAt) / 1000;
  const start = c.sla.startedAt ? Date.parse(c.sla.startedAt) : NaN;
  const due = c.sla.dueAt ? Date.parse(c.sla.dueAt) : NaN;
  const total = (due - start) / 1000;
  const used = total > 0 ? 1 - remaining / total : 0;
  const level = remaining < 0 || st.breached ? "red" : used >= 0.8 ? "amber" : "green";
  const dueAt = now + remaining * 1000;
  const label = remaining < 0 ? t("breached", { rel: rel(dueAt, now) }) : t("dueIn", { rel: rel(dueAt, now) });
  return (
    <span class={"sla sla-" + level} title={label} data-level={level} role="timer" aria-label={label}>
      {clock(remaining)}
    </span>
  );
}

export function ErrorLine({ msg }: { msg?: string }) {
  if (!msg) return null;
  return (
    <p class="error" role="alert">
      {t("error", { msg })}
    </p>
  );
}

export function firstLine(s?: string, max = 90): string {
  const line = (s || "").split(/\r?\n/).find((x) => x.trim()) || "";
  return line.length > max ? line.slice(0, max - 1) + "…" : line;
}
