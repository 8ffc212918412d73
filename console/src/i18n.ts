// Vietnamese and English. The agent picks; the default follows the browser. Times are shown in the team's
// time zone, named, with relative times from Intl ("3 phút trước").
export type Lang = "vi" | "en";

const en = {
  appName: "Concierge",
  signIn: "Sign in",
  signInAs: "Sign in as",
  signInLocalHint: "Local stack: pick a seeded person; the local signer mints the token.",
  signInCognito: "Sign in with your company account",
  sessionExpired: "Your session ended. Sign in again: your drafts are kept.",
  signOut: "Sign out",
  language: "Language",
  inbox: "Inbox",
  search: "Search",
  roster: "Roster",
  teams: "Teams",
  duplicates: "Duplicates",
  dashboard: "Dashboard",
  status: "Status",
  available: "Available",
  away: "Away",
  offline: "Offline",
  inactive: "Inactive",
  myConversations: "My conversations",
  queue: "Queue: {team}",
  nothingHere: "Nothing here.",
  claim: "Claim",
  claimed: "Claimed",
  open: "Open",
  unread: "unread",
  dueIn: "due {rel}",
  breached: "SLA breached {rel}",
  paused: "SLA paused",
  met: "SLA met",
  priority: "Priority",
  urgent: "urgent",
  high: "high",
  normal: "normal",
  low: "low",
  reasons: "Reasons",
  callBack: "Call back",
  newUrgent: "{n} new urgent",
  times: "Times in {zone}",
  loadOlder: "Load older",
  reply: "Reply",
  note: "Internal note",
  send: "Send",
  addNote: "Add note",
  sendHint: "Ctrl+Enter sends",
  replyTo: "Reply on {channel} to",
  noReplyAddress: "No verified address on this channel.",
  waWindowClosed: "WhatsApp's 24-hour window is closed: only an approved template can reach her now.",
  rwTitle: "What a reply can be on each channel",
  rwFree: "{channel}: free reply",
  rwFreeUntil: "{channel}: free reply until",
  rwHumanAgent: "as a person's reply (HUMAN_AGENT tag)",
  rwRemaining: "{n} free Zalo replies left",
  rwConsulting: "counted as a Zalo consulting message",
  rwTemplate: "{channel}: goes as the approved template {template} ({params})",
  rwZns: "{channel}: goes as ZNS template {template} to her phone ({params})",
  rwClosed: "{channel}: no reply possible: {reason}.",
  rwInstead: "Write by {channel} instead.",
  resolve: "Resolve",
  resolved: "Resolved.",
  surveySent: "Survey sent on {channel}.",
  surveyNotSent: "No survey sent.",
  transfer: "Transfer to team",
  assign: "Assign to agent",
  assignedTo: "Assigned to {who}",
  unassigned: "Unassigned",
  sent: "sent",
  delivered: "delivered",
  read: "read",
  failed: "failed",
  queued: "queued",
  call: "Call",
  missedCall: "Missed call",
  voicemail: "Voicemail",
  transcript: "Transcript",
  feedback: "Feedback",
  purchase: "Purchase",
  noteLabel: "Note",
  subject: "Subject",
  attachments: "Attachments",
  download: "Download",
  downloadNamed: "Download {name}",
  unverifiedSender: "unverified sender",
  customer: "Customer",
  name: "Name",
  tier: "Tier",
  value: "Lifetime value",
  satisfaction: "Satisfaction",
  lastScores: "Last scores",
  tags: "Tags",
  preferences: "Preferences",
  notes: "Notes",
  firstContact: "First contact",
  lastContact: "Last contact",
  mostUsed: "Most used channel",
  identities: "Identities",
  possibleDuplicates: "Possible duplicates",
  merge: "Merge into this customer",
  mergeShort: "Merge",
  dismiss: "Dismiss",
  edit: "Edit",
  save: "Save",
  cancel: "Cancel",
  saved: "Saved.",
  staleEdit: "Someone else changed this meanwhile; it was reloaded. Apply your edit again.",
  searchHint: "Name, phone (any spelling), email, or zalo:/telegram:/messenger:/webchat: id",
  noResults: "No customer found.",
  agents: "Agents",
  createAgent: "Create an agent",
  id: "Id",
  email: "Email",
  languages: "Languages",
  capacity: "Capacity",
  load: "Load",
  supervisor: "Supervisor",
  create: "Create",
  deactivate: "Deactivate",
  confirmDeactivate: "Confirm deactivation",
  reactivate: "Reactivate",
  created: "Created {id}.",
  hours: "Hours",
  timeZone: "Time zone",
  zoneNeedsHours: "A time zone goes with opening hours: give the hours, or leave both empty for 24×7.",
  sound: "Sound for new urgent work",
  slaTargets: "SLA targets",
  firstResponse: "First response",
  nextResponse: "Next response",
  resolution: "Resolution",
  always: "24×7",
  closedDay: "closed",
  from: "From",
  to: "To",
  show: "Show",
  resolvedCount: "Resolved",
  slaAttainment: "SLA attainment",
  csat: "CSAT",
  volumeByChannel: "Resolved by channel",
  p50: "p50",
  p90: "p90",
  average: "average",
  noData: "No data in this range.",
  partnerCard: "Customer card",
  partnerHint: "Open a customer shared with your organisation by its id.",
  customerId: "Customer id",
  notFound: "Not found.",
  error: "Error: {msg}",
  loading: "Loading…",
  back: "Back",
  me: "me",
  proof_verified: "verified",
  proof_staff: "added by staff",
  proof_claimed: "claimed",
  winback: "Win-back",
  winbackHint: "Valued customers who went quiet or were unhappy since their last purchase, most value at risk first.",
  winbackDay: "List of {day}",
  winbackNoList: "No list built in the last three days.",
  winbackRun: "Build today's list",
  valueAtRisk: "Value at risk",
  daysSincePurchase: "{n} days since the last purchase",
  lastScore: "last score {n}/5",
  reason_lapsed: "lapsed",
  reason_unhappy: "unhappy",
  reachOut: "Reach out",
  outreachText: "Message",
  outreachSent: "reached out",
  dismissReason: "Why take her off the list",
  interactive: "ready",
};
export type Key = keyof typeof en;

const vi: Record<Key, string> = {
  appName: "Concierge",
  signIn: "Đăng nhập",
  signInAs: "Đăng nhập với tư cách",
  signInLocalHint: "Môi trường cục bộ: chọn một người có sẵn; máy ký cục bộ cấp mã.",
  signInCognito: "Đăng nhập bằng tài khoản công ty",
  sessionExpired: "Phiên làm việc đã hết. Hãy đăng nhập lại: bản nháp vẫn được giữ.",
  signOut: "Đăng xuất",
  language: "Ngôn ngữ",
  inbox: "Hộp thư",
  search: "Tìm kiếm",
  roster: "Nhân viên",
  teams: "Nhóm",
  duplicates: "Trùng lặp",
  dashboard: "Báo cáo",
  status: "Trạng thái",
  available: "Sẵn sàng",
  away: "Vắng mặt",
  offline: "Ngoại tuyến",
  inactive: "Đã ngừng",
  myConversations: "Hội thoại của tôi",
  queue: "Hàng chờ: {team}",
  nothingHere: "Không có gì.",
  claim: "Nhận",
  claimed: "Đã nhận",
  open: "Mở",
  unread: "chưa đọc",
  dueIn: "hạn {rel}",
  breached: "Quá hạn SLA {rel}",
  paused: "SLA tạm dừng",
  met: "Đạt SLA",
  priority: "Ưu tiên",
  urgent: "khẩn cấp",
  high: "cao",
  normal: "bình thường",
  low: "thấp",
  reasons: "Lý do",
  callBack: "Gọi lại",
  newUrgent: "{n} khẩn cấp mới",
  times: "Giờ theo {zone}",
  loadOlder: "Xem cũ hơn",
  reply: "Trả lời",
  note: "Ghi chú nội bộ",
  send: "Gửi",
  addNote: "Thêm ghi chú",
  sendHint: "Ctrl+Enter để gửi",
  replyTo: "Trả lời qua {channel} tới",
  noReplyAddress: "Không có địa chỉ đã xác minh trên kênh này.",
  waWindowClosed: "Đã quá 24 giờ của WhatsApp: chỉ gửi được mẫu tin đã duyệt.",
  rwTitle: "Trả lời được gì trên từng kênh",
  rwFree: "{channel}: trả lời tự do",
  rwFreeUntil: "{channel}: trả lời tự do đến",
  rwHumanAgent: "dưới dạng trả lời của nhân viên (thẻ HUMAN_AGENT)",
  rwRemaining: "còn {n} tin phản hồi miễn phí Zalo",
  rwConsulting: "tính là tin tư vấn Zalo",
  rwTemplate: "{channel}: gửi bằng mẫu tin đã duyệt {template} ({params})",
  rwZns: "{channel}: gửi bằng mẫu ZNS {template} tới số điện thoại của khách ({params})",
  rwClosed: "{channel}: không trả lời được: {reason}.",
  rwInstead: "Hãy viết qua {channel}.",
  resolve: "Hoàn tất",
  resolved: "Đã hoàn tất.",
  surveySent: "Đã gửi khảo sát qua {channel}.",
  surveyNotSent: "Không gửi khảo sát.",
  transfer: "Chuyển sang nhóm",
  assign: "Giao cho nhân viên",
  assignedTo: "Giao cho {who}",
  unassigned: "Chưa giao",
  sent: "đã gửi",
  delivered: "đã nhận",
  read: "đã xem",
  failed: "lỗi",
  queued: "đang chờ",
  call: "Cuộc gọi",
  missedCall: "Cuộc gọi nhỡ",
  voicemail: "Thư thoại",
  transcript: "Bản ghi",
  feedback: "Đánh giá",
  purchase: "Mua hàng",
  noteLabel: "Ghi chú",
  subject: "Tiêu đề",
  attachments: "Tệp đính kèm",
  download: "Tải xuống",
  downloadNamed: "Tải xuống {name}",
  unverifiedSender: "người gửi chưa xác minh",
  customer: "Khách hàng",
  name: "Tên",
  tier: "Hạng",
  value: "Giá trị",
  satisfaction: "Mức hài lòng",
  lastScores: "Điểm gần đây",
  tags: "Nhãn",
  preferences: "Sở thích",
  notes: "Ghi chú",
  firstContact: "Liên hệ đầu",
  lastContact: "Liên hệ gần nhất",
  mostUsed: "Kênh dùng nhiều nhất",
  identities: "Danh tính",
  possibleDuplicates: "Có thể trùng",
  merge: "Gộp vào khách hàng này",
  mergeShort: "Gộp",
  dismiss: "Bỏ qua",
  edit: "Sửa",
  save: "Lưu",
  cancel: "Hủy",
  saved: "Đã lưu.",
  staleEdit: "Người khác vừa thay đổi; đã tải lại. Hãy sửa lại.",
  searchHint: "Tên, số điện thoại (viết kiểu nào cũng được), email, hoặc zalo:/telegram:/messenger:/webchat: id",
  noResults: "Không tìm thấy khách hàng.",
  agents: "Nhân viên",
  createAgent: "Thêm nhân viên",
  id: "Mã",
  email: "Email",
  languages: "Ngôn ngữ",
  capacity: "Sức chứa",
  load: "Đang giữ",
  supervisor: "Giám sát",
  create: "Tạo",
  deactivate: "Ngừng",
  confirmDeactivate: "Xác nhận ngừng",
  reactivate: "Kích hoạt lại",
  created: "Đã tạo {id}.",
  hours: "Giờ làm việc",
  timeZone: "Múi giờ",
  zoneNeedsHours: "Múi giờ đi kèm giờ làm việc: hãy nhập giờ, hoặc để trống cả hai cho 24×7.",
  sound: "Âm báo khi có việc khẩn cấp mới",
  slaTargets: "Mục tiêu SLA",
  firstResponse: "Phản hồi đầu",
  nextResponse: "Phản hồi tiếp",
  resolution: "Giải quyết",
  always: "24×7",
  closedDay: "nghỉ",
  from: "Từ",
  to: "Đến",
  show: "Xem",
  resolvedCount: "Đã giải quyết",
  slaAttainment: "Tỷ lệ đạt SLA",
  csat: "CSAT",
  volumeByChannel: "Đã giải quyết theo kênh",
  p50: "p50",
  p90: "p90",
  average: "trung bình",
  noData: "Không có dữ liệu trong khoảng này.",
  partnerCard: "Thẻ khách hàng",
  partnerHint: "Mở khách hàng được chia sẻ với tổ chức của bạn theo mã.",
  customerId: "Mã khách hàng",
  notFound: "Không tìm thấy.",
  error: "Lỗi: {msg}",
  loading: "Đang tải…",
  back: "Quay lại",
  me: "tôi",
  proof_verified: "đã xác minh",
  proof_staff: "nhân viên thêm",
  proof_claimed: "tự khai",
  winback: "Giành lại khách",
  winbackHint: "Khách giá trị đã im lặng hoặc chưa hài lòng từ lần mua cuối, giá trị có nguy cơ mất cao nhất trước.",
  winbackDay: "Danh sách ngày {day}",
  winbackNoList: "Chưa có danh sách nào trong ba ngày qua.",
  winbackRun: "Lập danh sách hôm nay",
  valueAtRisk: "Giá trị có nguy cơ mất",
  daysSincePurchase: "{n} ngày từ lần mua cuối",
  lastScore: "điểm gần nhất {n}/5",
  reason_lapsed: "lâu không mua",
  reason_unhappy: "chưa hài lòng",
  reachOut: "Liên hệ lại",
  outreachText: "Tin nhắn",
  outreachSent: "đã liên hệ",
  dismissReason: "Lý do bỏ khỏi danh sách",
  interactive: "sẵn sàng",
};

const dicts: Record<Lang, Record<Key, string>> = { en, vi };

let lang: Lang = initialLang();
let zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function initialLang(): Lang {
  const saved = localStorage.getItem("concierge.lang");
  if (saved === "vi" || saved === "en") return saved;
  return (navigator.languages || [navigator.language]).some((l) => l.toLowerCase().startsWith("vi")) ? "vi" : "en";
}

export function getLang(): Lang {
  return lang;
}
export function setLang(l: Lang) {
  lang = l;
  localStorage.setItem("concierge.lang", l);
  document.documentElement.lang = l;
}
export function getZone(): string {
  return zone;
}
export function setZone(z: string) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: z });
    zone = z;
  } catch {
    /* an unknown zone keeps the browser's */
  }
}

export function t(key: Key, params?: Record<string, string | number>): string {
  let s = dicts[lang][key] ?? en[key];
  if (params) for (const [k, v] of Object.entries(params)) s = s.replace("{" + k + "}", String(v));
  return s;
}

/** A time in the team's zone, e.g. "29/11/2026, 14:03 GMT+7". */
export function fmtTime(iso?: string): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(lang === "vi" ? "vi-VN" : "en-GB", {
    timeZone: zone,
    dateStyle: "short",
    timeStyle: "short",
  }).format(new Date(iso));
}

/** The zone's offset name now, e.g. "GMT+7". */
export function zoneLabel(): string {
  const p = new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "short" }).formatToParts(new Date());
  return `${zone} (${p.find((x) => x.type === "timeZoneName")?.value || ""})`;
}

/** "3 phút trước", "in 4 minutes". */
export function rel(iso: string | number | undefined, now = Date.now()): string {
  if (iso === undefined || iso === "") return "";
  const ms = (typeof iso === "number" ? iso : Date.parse(iso)) - now;
  const abs = Math.abs(ms);
  const f = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  if (abs < 60_000) return f.format(Math.round(ms / 1000), "second");
  if (abs < 3_600_000) return f.format(Math.round(ms / 60_000), "minute");
  if (abs < 86_400_000) return f.format(Math.round(ms / 3_600_000), "hour");
  return f.format(Math.round(ms / 86_400_000), "day");
}

/** A countdown "12:04" or "-1:02:03". */
export function clock(seconds: number): string {
  const neg = seconds < 0;
  let s = Math.abs(Math.trunc(seconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return (neg ? "-" : "") + (h ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`);
}
