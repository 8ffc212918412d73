// The console's walk in headless Chromium (playwright-core, the system's browser), run by e2e_test.go
// against the stack it started. Every screen gets axe-core (zero serious or critical violations) and a
// screenshot in $SHOTS. Ends with the figures as "name: value unit" lines. Exits 1 on the first failure.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { createHash, createHmac, randomBytes } from "node:crypto";
import http from "node:http";

const env = process.env;
const BASE = env.BASE_URL;
const CONSOLE = BASE + "/console/";
const LAN = env.LAN_ID;
const LAN_CONV = env.LAN_CONVERSATION;
const REPLY = env.REPLY_TEXT;
const SHOTS = env.SHOTS;
const axeSource = readFileSync(new URL("../node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const started = Date.now();
const axeReport = [];

function step(msg) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
}
function assert(cond, msg) {
  if (!cond) throw new Error("assertion failed: " + msg);
}

async function axe(page, screen) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(async () => {
    const res = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  });
  const bad = r.filter((v) => v.impact === "serious" || v.impact === "critical");
  console.log(`axe ${screen}: ${bad.length} serious/critical, ${r.length - bad.length} minor/moderate`);
  for (const v of r) console.log(`  ${v.impact} ${v.id}: ${v.help} (${v.nodes.join(", ")})`);
  axeReport.push({ screen, bad: bad.length });
  assert(bad.length === 0, `axe on ${screen}: ${bad.map((v) => v.id).join(", ")}`);
}

async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

// Presses Tab until the focused element matches selector: the keyboard-only path.
async function tabTo(page, selector, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function signIn(page, sub) {
  await page.goto(CONSOLE);
  await page.locator(`button[data-sub="${sub}"]`).click();
}

// One WhatsApp message from Lan, signed as the WhatsApp Cloud API signs it.
async function whatsApp(text, waId = env.LAN_WA_ID, name = "Nguyễn Thị Lan") {
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [{ id: "102290129340398", changes: [{ field: "messages", value: {
      messaging_product: "whatsapp",
      metadata: { display_phone_number: "18335550143", phone_number_id: env.META_PHONE_ID },
      contacts: [{ profile: { name }, wa_id: waId }],
      messages: [{ from: waId, id: "wamid.browser" + Date.now(), timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } }],
    } }] }],
  });
  const sig = "sha256=" + createHmac("sha256", env.META_APP_SECRET).update(body).digest("hex");
  const r = await fetch(BASE + "/webhooks/meta", { method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": sig }, body });
  assert(r.status === 200, `meta webhook ${r.status}`);
}

async function outbox() {
  const r = await fetch(BASE + "/_sandbox/outbox");
  const j = await r.json();
  return Array.isArray(j) ? j : j.items || j.messages || [];
}

async function waitUntil(what, ms, fn) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// A stand-in for Cognito's hosted UI speaking its documented endpoints (/oauth2/authorize, /oauth2/token,
// /logout): it checks PKCE (S256) and the redirect URI, and issues id tokens the local gateway accepts
// (signed by the local signer's secret, with Cognito's claim names).
async function fakeHostedUI() {
  const clientId = "console-e2e";
  const codes = new Map();
  const refresh = new Set();
  const calls = { authorize: 0, code: 0, refresh: 0, logout: 0 };
  const b64 = (b) => Buffer.from(b).toString("base64url");
  const idToken = (ttl) => {
    const now = Math.floor(Date.now() / 1000);
    const head = b64(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const body = b64(JSON.stringify({ sub: "agent-sam", "cognito:groups": ["agent"], name: "Sam Carter", iss: "concierge-local", aud: "concierge-agents", iat: now, exp: now + ttl, token_use: "id" }));
    return `${head}.${body}.${createHmac("sha256", env.JWT_SECRET).update(`${head}.${body}`).digest("base64url")}`;
  };
  const srv = http.createServer(async (req, res) => {
    const u = new URL(req.url, "http://x");
    const send = (status, obj, headers = {}) => {
      res.writeHead(status, { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*", ...headers });
      res.end(obj === undefined ? "" : JSON.stringify(obj));
    };
    if (u.pathname === "/oauth2/authorize") {
      const q = u.searchParams;
      if (q.get("response_type") !== "code" || q.get("client_id") !== clientId || q.get("code_challenge_method") !== "S256" || !q.get("code_challenge") || q.get("redirect_uri") !== CONSOLE)
        return send(400, { error: "invalid_request" });
      calls.authorize++;
      const code = randomBytes(12).toString("hex");
      codes.set(code, { challenge: q.get("code_challenge"), redirect: q.get("redirect_uri") });
      return send(302, undefined, { Location: `${q.get("redirect_uri")}?code=${code}&state=${encodeURIComponent(q.get("state"))}` });
    }
    if (u.pathname === "/logout") {
      calls.logout++;
      return send(302, undefined, { Location: u.searchParams.get("logout_uri") });
    }
    if (u.pathname === "/oauth2/token" && req.method === "POST") {
      let raw = "";
      for await (const c of req) raw += c;
      const f = new URLSearchParams(raw);
      if (f.get("client_id") !== clientId) return send(400, { error: "invalid_client" });
      if (f.get("grant_type") === "authorization_code") {
        const c = codes.get(f.get("code"));
        codes.delete(f.get("code"));
        const verifier = f.get("code_verifier") || "";
        if (!c || c.redirect !== f.get("redirect_uri") || createHash("sha256").update(verifier).digest("base64url") !== c.challenge)
          return send(400, { error: "invalid_grant" });
        calls.code++;
        const rt = randomBytes(16).toString("hex");
        refresh.add(rt);
        return send(200, { id_token: idToken(4), access_token: "unused", refresh_token: rt, expires_in: 4, token_type: "Bearer" });
      }
      if (f.get("grant_type") === "refresh_token" && refresh.has(f.get("refresh_token"))) {
        calls.refresh++;
        return send(200, { id_token: idToken(3600), access_token: "unused", expires_in: 3600, token_type: "Bearer" });
      }
      return send(400, { error: "invalid_grant" });
    }
    send(404, { error: "not_found" });
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${srv.address().port}`, clientId, calls, close: () => srv.close() };
}

const browser = await chromium.launch({
  executablePath: env.CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
let current = null; // the page in use, for a screenshot on failure
try {
  const figures = {};
  // ---- the day-one agent, a supervisor too ----
  const agentCtx = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
  const page = await agentCtx.newPage();
  current = page;
  page.on("pageerror", (e) => console.log("page error:", e.message));
  await page.goto(CONSOLE);
  await page.locator('button[data-sub="agent-minh-anh"]').waitFor();
  await shot(page, "01-sign-in");
  await axe(page, "sign-in");
  await page.locator('button[data-sub="agent-minh-anh"]').click();
  await page.locator("#inbox-h").waitFor();
  step("signed in as Trần Minh Anh");
  // Before she is available, Lan's urgent conversation waits first in the team's queue.
  const queueFirst = page.locator('[data-list="queue-support"] li.row').first();
  await queueFirst.waitFor();
  assert((await queueFirst.getAttribute("data-conversation")) === LAN_CONV, "Lan's urgent conversation is first in the queue");
  await page.selectOption("#my-status", "available");
  const mineFirst = page.locator('[data-list="mine"] li.row').first();
  await page.locator(`[data-list="mine"] li[data-conversation="${LAN_CONV}"]`).waitFor({ timeout: 5000 });
  assert((await mineFirst.getAttribute("data-conversation")) === LAN_CONV, "the urgent conversation is first in mine");
  assert((await mineFirst.getAttribute("data-priority")) === "urgent", "first is urgent");
  const sla = mineFirst.locator(".sla");
  const level = await sla.getAttribute("data-level");
  const countdown = await sla.textContent();
  assert(/^-?\d+:\d\d(:\d\d)?$/.test(countdown || "") && ["green", "amber", "red"].includes(level), `countdown ${countdown} ${level}`);
  await page.locator(`[data-list="mine"] li[data-conversation="${LAN_CONV}"] .row-name`).filter({ hasText: "Nguyễn Thị Lan" }).waitFor();
  assert(/urgent/.test(await page.title()), `tab title shows new urgent work: ${await page.title()}`);
  const reasons = await mineFirst.locator(".prio").getAttribute("title");
  assert(reasons && reasons.length > 10, "priority reasons on hover");
  step(`available: urgent conversation first, countdown ${countdown} (${level}), title "${await page.title()}"`);
  await shot(page, "02-inbox");
  await axe(page, "inbox");

  // The inbox's time to interactive on this stack: a reload with the session kept.
  await page.reload();
  await page.waitForFunction(() => performance.getEntriesByName("inbox-interactive").length > 0);
  figures.inbox = await page.evaluate(() => performance.getEntriesByName("inbox-interactive")[0].startTime);

  // Keyboard only: open her conversation, reply, resolve.
  await page.locator(`[data-list="mine"] li[data-conversation="${LAN_CONV}"]`).waitFor();
  await tabTo(page, `a[href="#/c/${LAN_CONV}"]`);
  await page.keyboard.press("Enter");
  await page.locator("#conv-h").waitFor();
  for (const [ch, kind] of [["zalo", "message"], ["whatsapp", "message"], ["voice", "missed_call"], ["email", "email"]]) {
    await page.locator(`.timeline li[data-channel="${ch}"][data-kind="${kind}"]`).first().waitFor({ timeout: 5000 });
  }
  assert((await page.locator("#reply-to").inputValue()) === "phone#+84912345678", "the reply goes to the WhatsApp number she wrote from");
  // Before typing, the send policy's answer: WhatsApp takes a free reply, until her window closes.
  const waOption = page.locator('.reply-window li.current[data-channel="whatsapp"]');
  assert(
    (await waOption.getAttribute("class")).includes("free") && (await waOption.locator("time").count()) === 1,
    "the reply box says WhatsApp takes a free reply and until when",
  );
  assert((await page.locator(".timeline li[data-kind=email] .subject").first().textContent()).includes("DH1024"), "the email's subject");
  step("conversation: Zalo, WhatsApp, missed call and email on one timeline; reply preselects WhatsApp +84912345678");
  await shot(page, "03-conversation");
  await axe(page, "conversation");
  // She writes again while the agent has the conversation open: it shows without a reload.
  const again = "Shop ơi, mình vẫn đang chờ nè.";
  await whatsApp(again);
  const wroteAt = Date.now();
  await page.locator(".timeline li.d-in .text", { hasText: again }).waitFor({ timeout: 8000 });
  step(`her new WhatsApp message appeared in the open conversation ${Date.now() - wroteAt} ms after the webhook`);

  await tabTo(page, "#composer-text");
  await page.keyboard.insertText(REPLY);
  await page.keyboard.press("Control+Enter");
  await page.locator(".timeline li.d-out .text", { hasText: REPLY }).waitFor({ timeout: 10000 });
  await waitUntil("the WhatsApp reply in the sandbox outbox", 10000, async () =>
    (await outbox()).some((m) => m.channel === "whatsapp" && m.text === REPLY),
  );
  step("replied by keyboard: the sandbox outbox has the WhatsApp reply");

  await page.locator(".modes label", { hasText: "Internal note" }).click();
  await page.fill("#composer-text", "Khách hẹn gọi lại trước 17h.");
  await page.click("#send");
  await page.locator('.timeline li[data-kind="note"] .text', { hasText: "trước 17h" }).waitFor();
  await page.locator(".modes label", { hasText: "Reply" }).click();

  // The 360 panel's edit (If-Match): tags, one of which shares her with the partner.
  await page.click("#edit-customer");
  await page.fill("#edit-tags", `vip, partner:${env.PARTNER_ID}`);
  await page.click("#save-customer");
  await page.locator(".panel .tag", { hasText: `partner:${env.PARTNER_ID}` }).waitFor();
  step("note added; customer tags edited with If-Match");

  await tabTo(page, "#resolve");
  await page.keyboard.press("Enter");
  await page.locator(".notice", { hasText: "Survey sent on WhatsApp" }).waitFor({ timeout: 10000 });
  step("resolved by keyboard: the survey went out on WhatsApp");
  await whatsApp("5"); // her answer to the survey: a bare score on the channel
  await shot(page, "04-conversation-resolved");

  // Search, the customer page and teams.
  await page.goto(CONSOLE + "#/search");
  await page.fill("#search-input", "0912 345 678");
  await page.keyboard.press("Enter");
  await page.locator(`.results a[href="#/customer/${LAN}"]`).waitFor();
  await shot(page, "05-search");
  await axe(page, "search");
  await page.click(`.results a[href="#/customer/${LAN}"]`);
  await page.locator(".panel").waitFor();
  await shot(page, "06-customer");
  await axe(page, "customer");
  await page.goto(CONSOLE + "#/teams");
  await page.locator("#teams-h").waitFor();
  await page.locator("article.team").first().waitFor();
  await shot(page, "07-teams");
  await axe(page, "teams");
  await page.locator("article.team button", { hasText: "Edit" }).first().click();
  await page.fill('.team-form input[aria-label="urgent First response"]', "10m");
  await axe(page, "team edit");
  await page.locator(".team-form button.primary").click();
  await page.locator("article.team td", { hasText: /^10m0s$/ }).first().waitFor();
  step("search by phone finds her; customer page shown; the supervisor edited the team's urgent target (If-Match)");

  // Supervisor: create an agent, merge the suggested duplicate, read the dashboard.
  await page.goto(CONSOLE + "#/roster");
  await page.locator('tr[data-agent="agent-minh-anh"]').waitFor();
  await page.fill("#new-id", "agent-linh");
  await page.fill("#new-name", "Lê Thu Linh");
  await page.fill("#new-languages", "vi, en");
  await page.click("#new-submit");
  await page.locator('tr[data-agent="agent-linh"]').waitFor();
  await shot(page, "08-roster");
  await axe(page, "roster");
  // Edit (If-Match), then deactivate in two clicks.
  await page.locator('tr[data-agent="agent-linh"] button', { hasText: "Edit" }).click();
  await page.fill("#edit-capacity", "3");
  await page.click("#edit-submit");
  await page.locator('tr[data-agent="agent-linh"] td', { hasText: "0/3" }).waitFor();
  await page.locator('tr[data-agent="agent-linh"] button', { hasText: "Deactivate" }).click();
  await page.locator('tr[data-agent="agent-linh"] button', { hasText: "Confirm deactivation" }).click();
  await page.locator('tr[data-agent="agent-linh"] .st-inactive').waitFor();
  step("supervisor created agent-linh, set her capacity to 3 and deactivated her");

  await page.goto(CONSOLE + "#/duplicates");
  const dup = page.locator("li[data-suggestion]", { hasText: "lan.work@example.com" });
  await dup.waitFor();
  await shot(page, "09-duplicates");
  await axe(page, "duplicates");
  await dup.locator("button.merge").click();
  await dup.waitFor({ state: "detached" });
  await page.goto(CONSOLE + `#/customer/${LAN}`);
  await page.locator(".identities li", { hasText: "lan.work@example.com" }).waitFor();
  step("supervisor merged the suggested duplicate: her work address is on her profile");

  await page.goto(CONSOLE + "#/dashboard");
  await page.locator("#kpi-resolved").waitFor();
  await waitUntil("her score on the dashboard", 10000, async () => {
    if ((await page.locator("#kpi-csat").textContent()).startsWith("5.00/5")) return true;
    await page.locator("form.inline button[type=submit]").click();
    return false;
  });
  const resolved = Number(await page.locator("#kpi-resolved").textContent());
  assert(resolved >= 1, `dashboard resolved ${resolved}`);
  const frt = await page.locator("#kpi-frt").textContent();
  await page.locator("figure.chart svg").first().waitFor();
  await shot(page, "10-dashboard");
  await axe(page, "dashboard");
  step(`dashboard: ${resolved} resolved, first response p50 ${frt}, CSAT ${await page.locator("#kpi-csat").textContent()}`);

  // Win-back: Lan bought twice, a month apart, half a year ago; the tiers make her vip and today's list names her.
  const supToken = (await (await fetch(BASE + "/_dev/token", { method: "POST", body: JSON.stringify({ sub: "agent-minh-anh" }) })).json()).token;
  const api = async (method, path, body) => {
    const r = await fetch(BASE + path, { method, headers: { Authorization: "Bearer " + supToken, "Content-Type": "application/json" }, body: body && JSON.stringify(body) });
    const text = await r.text();
    assert(r.status < 300, `${method} ${path}: ${r.status} ${text}`);
    return JSON.parse(text);
  };
  const daysAgo = (d) => new Date(Date.now() - d * 86400e3).toISOString();
  await api("POST", `/customers/${LAN}/purchases`, { orderId: "E2E-WB-1", amount: "1200000", occurredAt: daysAgo(200) });
  await api("POST", `/customers/${LAN}/purchases`, { orderId: "E2E-WB-2", amount: "1800000", occurredAt: daysAgo(170) });
  await api("POST", "/tiers/recompute");
  await page.goto(CONSOLE + "#/winback");
  await page.locator("#winback-run").click();
  const lanRow = page.locator(`li.winback[data-customer="${LAN}"]`);
  await lanRow.waitFor();
  const atRisk = await lanRow.locator(".value-at-risk").textContent();
  await shot(page, "12-winback");
  await axe(page, "win-back");
  // Reach out: the message goes to her WhatsApp and the row says so.
  const offer = "Chị Lan ơi, shop có ưu đãi riêng cho chị tuần này";
  await lanRow.locator("button.reach-out").click();
  await lanRow.locator('input[aria-label="Message"]').fill(offer);
  await lanRow.locator("form button.primary").click();
  await lanRow.locator(".outreach-sent").waitFor();
  await waitUntil("the outreach in the sandbox outbox", 5000, async () => (await outbox()).some((m) => JSON.stringify(m).includes(offer)));
  // She moved away: off the list until she buys again.
  await lanRow.locator("button.dismiss").click();
  await lanRow.locator('input[aria-label="Why take her off the list"]').fill("moved abroad");
  await axe(page, "win-back dismiss");
  await lanRow.locator("form button.primary").click();
  await lanRow.waitFor({ state: "detached" });
  step(`win-back: Lan listed (value at risk ${atRisk}), reached on WhatsApp, then dismissed with a reason`);

  // Data rights: Hoa asks for her data, then to be forgotten.
  await whatsApp("Chào shop, em là Hoa, shop xóa dữ liệu của em giúp em nhé", "84933777888", "Phạm Thu Hoa");
  let hoa;
  await waitUntil("Hoa's customer record", 5000, async () => {
    hoa = (await api("GET", "/customers?phone=84933777888")).customers[0];
    return !!hoa?.openConversationId;
  });
  await page.goto(CONSOLE + `#/customer/${hoa.id}`);
  await page.fill("#rights-reason", "Decree 13 request from Hoa");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#rights-export")]);
  const exported = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert(exported.customer?.id === hoa.id && exported.touchpoints?.length >= 1, `export: ${JSON.stringify(exported).slice(0, 200)}`);
  await page.click("#rights-erase");
  await axe(page, "customer: confirm erasure");
  await page.click("#rights-erase");
  await page.locator(".data-rights .error", { hasText: "open conversation" }).waitFor();
  await api("POST", `/conversations/${hoa.openConversationId}/resolve`);
  await page.click("#rights-erase");
  await page.click("#rights-erase");
  await page.locator(".erased").waitFor();
  const gone = await fetch(BASE + `/customers/${hoa.id}`, { headers: { Authorization: "Bearer " + supToken } });
  assert(gone.status === 404, `after erasure GET /customers/{id} is ${gone.status}`);
  step(`data rights: Hoa's export downloaded (${exported.touchpoints.length} touchpoints); erasure refused while her conversation was open, then done: "${await page.locator(".erased").textContent()}"`);

  // Vietnamese: the agent picks it; relative times read "… trước".
  await page.goto(CONSOLE + "#/inbox");
  await page.selectOption('header select[aria-label="Language"]', "vi");
  await page.locator("nav a", { hasText: "Hộp thư" }).waitFor();
  await page.goto(CONSOLE + "#/customer/" + LAN);
  await page.locator(".panel time").first().waitFor();
  await page.goto(CONSOLE + "#/inbox");
  await page.locator("#inbox-h", { hasText: "Hộp thư" }).waitFor();
  await page.locator("li.row time", { hasText: "trước" }).first().waitFor();
  assert(/Giờ theo Asia\/(Ho_Chi_Minh|Saigon) \(GMT\+7\)/.test(await page.locator(".zone").textContent()), "zone named");
  await shot(page, "11-inbox-vi");
  await axe(page, "inbox (vi)");
  step(`Vietnamese UI: "${await page.locator("li.row time").first().textContent()}", ${await page.locator(".zone").textContent()}`);
  await page.selectOption("#my-status", "offline");
  await agentCtx.close();

  // ---- a second agent: new work within 5 s, a keyboard claim, a draft kept across a 401 ----
  const samCtx = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
  const sam = await samCtx.newPage();
  current = sam;
  await signIn(sam, "agent-sam");
  await sam.locator("#inbox-h").waitFor();
  await sam.selectOption("#my-status", "available");
  const before = await sam.locator('[data-list="queue-support"] li.row').count();
  // A Vietnamese web-chat visitor: Sam speaks English only, so routing leaves it in the queue for a claim.
  const body = JSON.stringify({ visitorId: "v_console_" + Date.now(), name: "Phạm Văn Hùng", text: "Chào shop, cho mình hỏi hôm nay cửa hàng mở cửa đến mấy giờ vậy ạ?", sentAt: new Date().toISOString() });
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = "sha256=" + createHmac("sha256", env.WEBCHAT_SECRET).update(ts + "." + body).digest("hex");
  const wh = await fetch(BASE + "/webhooks/webchat", { method: "POST", headers: { "Content-Type": "application/json", "X-Concierge-Timestamp": ts, "X-Concierge-Signature": sig }, body });
  assert(wh.status === 200, `webchat webhook ${wh.status}`);
  const sentAt = Date.now();
  await sam.locator(`[data-list="queue-support"] li.row >> nth=${before}`).waitFor({ timeout: 5000 });
  step(`new web-chat work in Sam's queue ${Date.now() - sentAt} ms after the webhook, without a reload`);
  await sam.locator('[data-list="queue-support"] li.row .row-name', { hasText: "Phạm Văn Hùng" }).waitFor();
  await tabTo(sam, '[data-list="queue-support"] button.claim');
  await sam.keyboard.press("Enter");
  await sam.locator("#conv-h", { hasText: "Phạm Văn Hùng" }).waitFor();
  step("Sam claimed it from the row by keyboard");
  const draft = "Dạ shop mở cửa đến 21h ạ.";
  await sam.fill("#composer-text", draft);
  // The session ends (a 401): sign-in comes back, and the typed reply is still there afterwards.
  await sam.route("**/conversations/**", (r) => r.fulfill({ status: 401, contentType: "application/json", body: '{"message":"Unauthorized"}' }));
  await sam.reload();
  await sam.locator(".signin .notice").waitFor();
  await sam.unroute("**/conversations/**");
  await sam.locator('button[data-sub="agent-sam"]').click();
  await sam.locator("#composer-text").waitFor();
  assert((await sam.locator("#composer-text").inputValue()) === draft, "the draft survived the 401");
  step("a 401 returned Sam to sign-in; after signing in again the draft is still in the reply box");
  await samCtx.close();

  // ---- a partner: one masked card and nothing else ----
  const pCtx = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
  const partner = await pCtx.newPage();
  current = partner;
  await signIn(partner, "partner-demo");
  await partner.locator("#partner-h").waitFor();
  assert((await partner.locator("nav a").count()) === 1, "a partner's navigation has one entry");
  await partner.goto(CONSOLE + "#/partner/" + LAN);
  await partner.locator(".partner-card").waitFor();
  const ids = await partner.locator(".partner-card .identity").allTextContents();
  assert(ids.length > 0 && ids.every((s) => s.includes("*")), `identities masked: ${ids.join(" | ")}`);
  assert(!ids.some((s) => s.includes("+84912345678") || s.includes("lan.nguyen@example.com")), "no full phone or email");
  assert((await partner.locator(".timeline, .composer, .inbox").count()) === 0, "no timeline, reply box or inbox");
  await shot(partner, "12-partner");
  await axe(partner, "partner");
  await partner.goto(CONSOLE + "#/inbox");
  await partner.locator("#partner-h").waitFor();
  assert((await partner.locator("#inbox-h").count()) === 0, "a partner has no inbox");
  step(`partner sees one masked card: ${ids.join(" | ")}`);
  await pCtx.close();

  // ---- Cognito's hosted UI: the authorization-code flow with PKCE, a silent refresh, sign-out ----
  const idp = await fakeHostedUI();
  const cCtx = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
  const cog = await cCtx.newPage();
  current = cog;
  await cog.route("**/console/config.json", (r) =>
    r.fulfill({ contentType: "application/json", body: JSON.stringify({ apiBase: "", auth: { mode: "cognito", domain: idp.url, clientId: idp.clientId, redirectUri: CONSOLE, logoutUri: CONSOLE } }) }),
  );
  await cog.goto(CONSOLE + "#/search");
  await cog.locator(".signin button.primary").click();
  await cog.locator("#search-h").waitFor();
  assert(idp.calls.authorize === 1 && idp.calls.code === 1, `hosted UI calls ${JSON.stringify(idp.calls)}`);
  assert(new URL(cog.url()).search === "" && new URL(cog.url()).hash === "#/search", `back on the route, no code in the URL: ${cog.url()}`);
  // The first id token lives 4 s: after it expires a reload renews it with the refresh token, silently.
  await new Promise((r) => setTimeout(r, 4500));
  await cog.reload();
  await cog.locator("#search-h").waitFor();
  assert(idp.calls.refresh >= 1, `refresh_token grant used: ${JSON.stringify(idp.calls)}`);
  await cog.locator("header button", { hasText: "Sign out" }).click();
  await cog.locator(".signin button.primary").waitFor();
  assert(idp.calls.logout === 1, "signed out through /logout");
  step(`Cognito hosted UI: code flow with PKCE (S256 checked), refresh_token grant on an expired token, /logout: ${JSON.stringify(idp.calls)}`);
  await cCtx.close();
  idp.close();

  const js = readFileSync(new URL("../dist/app.js", import.meta.url));
  console.log(`axe: ${axeReport.length} screens, ${axeReport.reduce((n, r) => n + r.bad, 0)} serious/critical violations`);
  console.log(`console.js_gzip_kb: ${(gzipSync(js, { level: 9 }).length / 1024).toFixed(1)} KB`);
  console.log(`console.inbox_interactive_ms: ${figures.inbox.toFixed(0)} ms`);
} catch (e) {
  failed = true;
  console.log("FAIL:", e.stack || e);
  if (current) await current.screenshot({ path: `${SHOTS}/failure.png`, fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
