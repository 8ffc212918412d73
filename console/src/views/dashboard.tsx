// The supervisor dashboard from GET /metrics over a chosen range, with small SVG bar charts.
import { useEffect, useState } from "preact/hooks";
import { app } from "../state";
import { errText, type Report } from "../api/client";
import { t, type Key } from "../i18n";
import { ErrorLine, channelName } from "../ui";

const day = (d: Date) => d.toISOString().slice(0, 10);

function dur(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function Bars({ title, data, fmt, max }: { title: string; data: [string, number][]; fmt: (v: number) => string; max?: number }) {
  const top = max ?? Math.max(1, ...data.map((d) => d[1]));
  const row = 22;
  const h = data.length * row + 4;
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {data.length === 0 ? (
        <p class="muted">{t("noData")}</p>
      ) : (
        <svg viewBox={`0 0 320 ${h}`} width="320" height={h} role="img" aria-label={`${title}: ${data.map(([k, v]) => `${k} ${fmt(v)}`).join(", ")}`}>
          {data.map(([k, v], i) => (
            <g transform={`translate(0 ${i * row + 2})`}>
              <text x="0" y="14" class="lbl">
                {k}
              </text>
              <rect x="110" y="3" height="14" width={Math.max(1, (v / top) * 150)} class="bar" />
              <text x={116 + Math.max(1, (v / top) * 150)} y="14" class="val">
                {fmt(v)}
              </text>
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}

export function Dashboard() {
  const today = new Date();
  const [from, setFrom] = useState(day(new Date(today.getTime() - 6 * 86400_000)));
  const [to, setTo] = useState(day(today));
  const [rep, setRep] = useState<Report | null>(null);
  const [err, setErr] = useState("");
  const load = async () => {
    const r = await app.api.GET("/metrics", { params: { query: { from, to } } });
    if (!r.data) return setErr(errText(r.error, r.response));
    setErr("");
    setRep(r.data);
  };
  useEffect(() => {
    document.title = t("dashboard") + " · Concierge";
    void load();
  }, []);
  return (
    <section aria-labelledby="dash-h">
      <h1 id="dash-h">{t("dashboard")}</h1>
      <form class="inline" onSubmit={(e) => (e.preventDefault(), void load())}>
        <label>
          {t("from")} <input id="from" type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t("to")} <input id="to" type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">{t("show")}</button>
      </form>
      <ErrorLine msg={err} />
      {rep && (
        <>
          <dl class="kpis">
            <div>
              <dt>{t("resolvedCount")}</dt>
              <dd id="kpi-resolved">{rep.resolved}</dd>
            </div>
            <div>
              <dt>
                {t("firstResponse")} ({t("p50")})
              </dt>
              <dd id="kpi-frt">{rep.firstResponse.count ? dur(rep.firstResponse.p50Seconds) : "—"}</dd>
            </div>
            <div>
              <dt>
                {t("resolution")} ({t("p50")})
              </dt>
              <dd id="kpi-res">{rep.resolution.count ? dur(rep.resolution.p50Seconds) : "—"}</dd>
            </div>
            <div>
              <dt>{t("csat")}</dt>
              <dd id="kpi-csat">{rep.satisfaction.count ? `${rep.satisfaction.average.toFixed(2)}/5 (${rep.satisfaction.count})` : "—"}</dd>
            </div>
          </dl>
          <div class="charts">
            <Bars
              title={`${t("firstResponse")} / ${t("resolution")}`}
              fmt={dur}
              data={[
                ...(rep.firstResponse.count
                  ? ([
                      [`${t("firstResponse")} ${t("p50")}`, rep.firstResponse.p50Seconds],
                      [`${t("firstResponse")} ${t("p90")}`, rep.firstResponse.p90Seconds],
                    ] as [string, number][])
                  : []),
                ...(rep.resolution.count
                  ? ([
                      [`${t("resolution")} ${t("p50")}`, rep.resolution.p50Seconds],
                      [`${t("resolution")} ${t("p90")}`, rep.resolution.p90Seconds],
                    ] as [string, number][])
                  : []),
              ]}
            />
            <Bars
              title={t("slaAttainment")}
              fmt={(v) => `${Math.round(v * 100)}%`}
              max={1}
              data={Object.entries(rep.slaAttainment).map(([p, a]) => [t(p as Key), a.rate] as [string, number])}
            />
            <Bars title={t("volumeByChannel")} fmt={(v) => String(v)} data={Object.entries(rep.volumeByChannel).map(([c, n]) => [channelName(c), n] as [string, number])} />
          </div>
        </>
      )}
    </section>
  );
}
