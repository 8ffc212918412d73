// Package story is the demo's customer story: Nguyễn Thị Lan writes on Zalo, then on WhatsApp, calls and
// misses the agent, then sends an urgent message (and, once functions/email exists, an email). Each step is
// a webhook signed exactly as the provider signs it, for the public base URL of the stack it is sent to.
// `make demo` tells it to a running `make dev`; the end-to-end test tells it to a stack it starts.
//
// Identity linking is honest: identities link only on proof. Her Zalo message is followed by her
// user_submit_info (she shares her phone with the shop's OA: Zalo vouches for it), so Zalo links on proof.
// Her email comes from an address not on file; her name and phone in the signature prove nothing, so it
// makes a customer of its own with a possible-duplicate suggestion, which the story accepts with a merge.
package story

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/channels/meta"
	"github.com/concierge-cx/concierge/shared/channels/twilio"
	"github.com/concierge-cx/concierge/shared/channels/zalo"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// Lan, the customer.
const (
	Name         = "Nguyễn Thị Lan"
	Phone        = "+84912345678"
	WaID         = "84912345678"
	ZaloUserID   = "6142494823918274635" // over 2^53: kept as a string end to end
	Email        = "lan.nguyen@example.com"
	twilioNumber = "+18335550143"
	accountSid   = "AC3f5b7d9e1a2c4e6f8a0b2c4d6e8f0a1b"
	zaloOAID     = "3662729599332560487"
	metaPhoneID  = "106540352242922"
)

// The texts she sends; the timeline must show them exactly.
const (
	ZaloText     = "Chào shop, mình đặt đơn DH1024 hôm qua, khi nào giao được ạ?"
	WhatsAppText = "Mình là Lan, nhắn Zalo rồi mà chưa thấy trả lời. Đơn DH1024 giao chưa shop?"
	UrgentText   = "Gấp!!! Đơn hàng chưa nhận được, mai mình đi công tác rồi. Shop gọi lại cho mình ngay nhé!"
	EmailSubject = "Đơn hàng DH1024 chưa nhận được"
)

// Target is the stack the story is told to.
type Target struct {
	GatewayURL    string                   // where requests go
	PublicBaseURL string                   // what providers sign (PUBLIC_BASE_URL of the functions)
	Secret        func(name string) string // provider secrets by environment variable name
	SMTPAddr      string
	HasFunction   func(name string) bool
	Store         *store.Store // read side until the agent API exists
	Token         string       // agent token for the agent API, once it exists
	Out           io.Writer
	// Gap spaces the steps so each lands at a later time than the one before (Meta stamps whole seconds).
	Gap  time.Duration
	HTTP *http.Client
}

// Result is the story's end: one customer and her timeline, oldest first.
type Result struct {
	Customer domain.Customer
	Timeline []domain.Touchpoint
	// Merged is the Zalo-only customer merged into her ("" when she was already one customer).
	Merged    string
	EmailSent bool
	// Before is how many touchpoints she had before this run: 0 on the first run; more when an earlier run
	// told the story and this one told it again, adding to the same timeline.
	Before int
	// Known is true when she was on file before this run.
	Known bool
}

// Tell sends every step and returns her unified profile and timeline.
func Tell(ctx context.Context, t Target) (Result, error) {
	if t.HTTP == nil {
		t.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if t.Out == nil {
		t.Out = io.Discard
	}
	if t.Gap == 0 {
		t.Gap = 1200 * time.Millisecond
	}
	run := randHex(6) // every run is a new story: provider ids are unique per run
	callSid := "CA" + run + strings.Repeat("0", 32-len(run))
	say := func(f string, a ...any) { fmt.Fprintf(t.Out, f+"\n", a...) }

	// Is she on file already (an earlier run)? Then this run tells the story again, on her one timeline.
	var res Result
	if known, err := t.Store.FindByIdentity(ctx, domain.Identity{Kind: domain.KindPhone, Value: Phone}); err == nil {
		res.Known = true
		before, err := t.timeline(ctx, known.ID)
		if err != nil {
			return Result{}, err
		}
		res.Before = len(before)
		say("Lan is on file already (%s, %d touchpoints from an earlier run): telling her story again, with new messages.\n", known.ID, res.Before)
	} else if domain.ErrorCode(err) != domain.CodeNotFound {
		return Result{}, err
	}

	zaloEvent := func() []byte {
		ms := strconv.FormatInt(time.Now().UnixMilli(), 10)
		return []byte(`{"app_id":"` + t.Secret("ZALO_APP_ID") + `","user_id_by_app":"5523976109826651234","event_name":"user_send_text","timestamp":"` + ms +
			`","sender":{"id":"` + ZaloUserID + `"},"recipient":{"id":"` + zaloOAID + `"},"message":{"text":"` + ZaloText + `","msg_id":"` + run + `a1b2c3d4e5f6a7"}}`)
	}
	submitInfo := func() []byte {
		ms := strconv.FormatInt(time.Now().UnixMilli(), 10)
		return []byte(`{"app_id":"` + t.Secret("ZALO_APP_ID") + `","event_name":"user_submit_info","timestamp":"` + ms +
			`","sender":{"id":"` + ZaloUserID + `"},"recipient":{"id":"` + zaloOAID + `"},"info":{"name":"` + Name + `","phone":"` + WaID + `"}}`)
	}
	steps := []struct {
		title string
		send  func() (int, string, error)
	}{
		{"1. Lan writes on Zalo", func() (int, string, error) {
			return t.zalo(ctx, zaloEvent())
		}},
		{"   Zalo delivers the same event again (a retry): stored once", func() (int, string, error) {
			return t.zalo(ctx, zaloEvent()) // same msg_id, new timestamp and signature
		}},
		{"   She shares her phone with the OA (user_submit_info): linked", func() (int, string, error) {
			return t.zalo(ctx, submitInfo())
		}},
		{"2. She writes on WhatsApp (Cloud API)", func() (int, string, error) {
			return t.meta(ctx, "wamid."+run+"TEXT", WhatsAppText)
		}},
		{"3. She calls (Twilio Voice)", func() (int, string, error) {
			return t.twilio(ctx, "/webhooks/twilio/voice", callFields(callSid, "ringing"))
		}},
		{"   ...no one answers: the call ends no-answer", func() (int, string, error) {
			return t.twilio(ctx, "/webhooks/twilio/voice/status", append(callFields(callSid, "no-answer"),
				[2]string{"CallDuration", "0"}, [2]string{"Timestamp", time.Now().UTC().Format(time.RFC1123Z)}))
		}},
		{"4. She sends an urgent WhatsApp message", func() (int, string, error) {
			return t.meta(ctx, "wamid."+run+"URGENT", UrgentText)
		}},
	}
	for i, s := range steps {
		if i > 0 {
			sleep(ctx, t.Gap)
		}
		status, body, err := s.send()
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", strings.TrimSpace(s.title), err)
		}
		say("%-66s → %d %s", s.title, status, summarize(body))
		if status != http.StatusOK {
			return Result{}, fmt.Errorf("%s: HTTP %d: %s", strings.TrimSpace(s.title), status, body)
		}
	}

	if t.HasFunction != nil && t.HasFunction("email") {
		before, _, err := t.mailCounters(ctx)
		if err != nil {
			return Result{}, err
		}
		if err := t.email(run); err != nil {
			return Result{}, fmt.Errorf("email: %w", err)
		}
		res.EmailSent = true
		say("%-66s → 250 accepted", "5. She emails support@ (SMTP)")
		// The receipt rule invokes the email function asynchronously: wait for it to finish.
		deadline := time.Now().Add(30 * time.Second)
		for {
			done, failed, err := t.mailCounters(ctx)
			if err != nil {
				return Result{}, err
			}
			if failed > 0 && done+failed > before {
				return Result{}, fmt.Errorf("the email function failed on her message (see the make dev output)")
			}
			if done > before {
				break
			}
			if time.Now().After(deadline) {
				return Result{}, fmt.Errorf("the email function did not process her message within 30s")
			}
			sleep(ctx, 200*time.Millisecond)
		}
	} else {
		say("5. (email skipped: functions/email is not built yet; the SMTP listener would store it and wait)")
	}

	// Who is she now? The phone finds the WhatsApp and call touchpoints; the Zalo id finds the Zalo ones.
	byPhone, err := t.Store.ResolveCustomer(ctx, []domain.Identity{{Kind: domain.KindPhone, Value: Phone}}, "")
	if err != nil {
		return Result{}, err
	}
	byZalo, err := t.Store.ResolveCustomer(ctx, []domain.Identity{{Kind: domain.KindZalo, Value: ZaloUserID}}, "")
	if err != nil {
		return Result{}, err
	}
	if byZalo.Customer.ID != byPhone.Customer.ID {
		return Result{}, fmt.Errorf("her Zalo id (%s) and phone (%s) are two customers: user_submit_info did not link them", byZalo.Customer.ID, byPhone.Customer.ID)
	}
	if res.EmailSent {
		byEmail, err := t.Store.ResolveCustomer(ctx, []domain.Identity{{Kind: domain.KindEmail, Value: Email}}, "")
		if err != nil {
			return Result{}, err
		}
		if byEmail.Customer.ID == byPhone.Customer.ID {
			return Result{}, fmt.Errorf("her new email address was linked without proof")
		}
		notes, err := t.Store.DuplicateNotes(ctx, byEmail.Customer.ID)
		if err != nil {
			return Result{}, err
		}
		var reasons []string
		for _, n := range notes {
			if n.OtherCustomerID == byPhone.Customer.ID {
				reasons = n.Reasons
			}
		}
		if len(reasons) == 0 {
			return Result{}, fmt.Errorf("her email (%s) was not suggested as a possible duplicate of %s", byEmail.Customer.ID, byPhone.Customer.ID)
		}
		say("")
		say("Her email came from an address not on file: a customer of its own (%s), suggested as her", byEmail.Customer.ID)
		say("possible duplicate (%s). A supervisor accepts the suggestion with a merge.", strings.Join(reasons, "; "))
		if err := t.merge(ctx, byPhone.Customer.ID, byEmail.Customer.ID); err != nil {
			return Result{}, err
		}
		res.Merged = byEmail.Customer.ID
	}
	cust, err := t.Store.GetCustomer(ctx, byPhone.Customer.ID)
	if err != nil {
		return Result{}, err
	}
	res.Customer = cust
	res.Timeline, err = t.timeline(ctx, cust.ID)
	return res, err
}

func (t Target) merge(ctx context.Context, target, source string) error {
	if t.HasFunction != nil && t.HasFunction("agentapi") {
		body, _ := json.Marshal(map[string]string{"sourceId": source})
		status, resp, err := t.do(ctx, http.MethodPost, "/customers/"+target+"/merge", "application/json", body,
			map[string]string{"authorization": "Bearer " + t.Token})
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("POST /customers/%s/merge: HTTP %d: %s", target, status, resp)
		}
		return nil
	}
	fmt.Fprintln(t.Out, "(functions/agentapi is not built yet: merging through shared/store, as POST /customers/{id}/merge will)")
	_, err := t.Store.Merge(ctx, target, source)
	return err
}

// timeline reads her whole timeline, oldest first: through GET /customers/{id}/timeline once the agent API
// exists, from the table until then.
func (t Target) timeline(ctx context.Context, id string) ([]domain.Touchpoint, error) {
	var all []domain.Touchpoint
	cursor := ""
	for {
		var page store.Page
		if t.HasFunction != nil && t.HasFunction("agentapi") {
			q := url.Values{"limit": {"100"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			status, body, err := t.do(ctx, http.MethodGet, "/customers/"+id+"/timeline?"+q.Encode(), "", nil,
				map[string]string{"authorization": "Bearer " + t.Token})
			if err != nil {
				return nil, err
			}
			if status != http.StatusOK {
				return nil, fmt.Errorf("GET timeline: HTTP %d: %s", status, body)
			}
			var p struct {
				Items []domain.Touchpoint `json:"items"`
				Next  string              `json:"next"`
			}
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				return nil, err
			}
			page = store.Page{Items: p.Items, Next: p.Next}
		} else {
			var err error
			if page, err = t.Store.Timeline(ctx, id, 100, cursor); err != nil {
				return nil, err
			}
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	return all, nil
}

// mailCounters reads the SMTP listener's counters of email invocations done and failed from /healthz.
func (t Target) mailCounters(ctx context.Context) (done, failed int64, err error) {
	_, body, err := t.do(ctx, http.MethodGet, "/healthz", "", nil, nil)
	if err != nil {
		return 0, 0, err
	}
	var h struct {
		SMTP struct {
			Stats struct {
				Invoked int64 `json:"invoked"`
				Failed  int64 `json:"failed"`
			} `json:"stats"`
		} `json:"smtp"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		return 0, 0, fmt.Errorf("reading /healthz: %w", err)
	}
	return h.SMTP.Stats.Invoked, h.SMTP.Stats.Failed, nil
}

func (t Target) zalo(ctx context.Context, body []byte) (int, string, error) {
	var head struct {
		Timestamp string `json:"timestamp"`
	}
	_ = json.Unmarshal(body, &head)
	sig := zalo.Signature(t.Secret("ZALO_APP_ID"), body, head.Timestamp, t.Secret("ZALO_OA_SECRET_KEY"))
	return t.do(ctx, http.MethodPost, "/webhooks/zalo", "application/json", body,
		map[string]string{zalo.SignatureHeader: sig, "user-agent": "ZaloWebhook"})
}

func (t Target) meta(ctx context.Context, wamid, text string) (int, string, error) {
	msg := map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{"id": "102290129340398", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]string{"display_phone_number": "18335550143", "phone_number_id": metaPhoneID},
			"contacts":          []any{map[string]any{"profile": map[string]string{"name": Name}, "wa_id": WaID}},
			"messages": []any{map[string]any{"from": WaID, "id": wamid, "timestamp": strconv.FormatInt(time.Now().Unix(), 10),
				"type": "text", "text": map[string]string{"body": text}}},
		}}}}},
	}
	body, _ := json.Marshal(msg)
	return t.do(ctx, http.MethodPost, "/webhooks/meta", "application/json", body,
		map[string]string{"x-hub-signature-256": meta.Signature(t.Secret("META_APP_SECRET"), body), "user-agent": "facebookexternalua"})
}

func (t Target) twilio(ctx context.Context, path string, fields [][2]string) (int, string, error) {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = url.QueryEscape(f[0]) + "=" + url.QueryEscape(f[1])
	}
	body := strings.Join(parts, "&")
	params, _ := url.ParseQuery(body)
	sig := twilio.Signature(t.Secret("TWILIO_AUTH_TOKEN"), strings.TrimRight(t.PublicBaseURL, "/")+path, params)
	return t.do(ctx, http.MethodPost, path, "application/x-www-form-urlencoded", []byte(body),
		map[string]string{"x-twilio-signature": sig, "user-agent": "TwilioProxy/1.1"})
}

func callFields(callSid, status string) [][2]string {
	return [][2]string{
		{"Called", twilioNumber}, {"Direction", "inbound"}, {"CallSid", callSid}, {"To", twilioNumber},
		{"ApiVersion", "2010-04-01"}, {"CallStatus", status}, {"From", Phone}, {"AccountSid", accountSid},
		{"FromCountry", "VN"}, {"Caller", Phone},
	}
}

func (t Target) email(run string) error {
	msg := "From: " + mimeWord(Name) + " <" + Email + ">\r\n" +
		"To: support@concierge.local\r\n" +
		"Subject: " + mimeWord(EmailSubject) + "\r\n" +
		"Message-ID: <" + run + ".lan@example.com>\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"Chào shop,\r\n\r\nĐơn DH1024 mình vẫn chưa nhận được. Số điện thoại của mình: 0912 345 678.\r\n\r\nLan\r\n"
	return smtp.SendMail(t.SMTPAddr, nil, Email, []string{"support@concierge.local"}, []byte(msg))
}

func mimeWord(s string) string { return "=?utf-8?B?" + b64(s) + "?=" }

func (t Target) do(ctx context.Context, method, path, contentType string, body []byte, headers map[string]string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(t.GatewayURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), err
}

func summarize(body string) string {
	body = strings.Join(strings.Fields(body), " ")
	if len(body) > 70 {
		body = body[:67] + "..."
	}
	return body
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// Assigned is a conversation as the agent API shows it, once assigned (or when the wait ran out).
type Assigned struct {
	ID         string          `json:"id"`
	Priority   domain.Priority `json:"priority"`
	AssigneeID string          `json:"assigneeId"`
	Team       string          `json:"team"`
	Waited     time.Duration   `json:"-"`
}

// WaitAssigned polls GET /conversations/{id} until the conversation has an assignee or wait runs out; it
// returns what it saw last, so the caller can say who has it or that it is still queued.
func (t Target) WaitAssigned(ctx context.Context, id string, wait time.Duration) (Assigned, error) {
	if t.HTTP == nil {
		t.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	start := time.Now()
	for {
		status, body, err := t.do(ctx, http.MethodGet, "/conversations/"+url.PathEscape(id), "", nil,
			map[string]string{"authorization": "Bearer " + t.Token})
		if err != nil {
			return Assigned{}, err
		}
		if status != http.StatusOK {
			return Assigned{}, fmt.Errorf("GET /conversations/%s: HTTP %d: %s", id, status, body)
		}
		var got struct {
			Assigned
			Conversation *Assigned `json:"conversation"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			return Assigned{}, fmt.Errorf("GET /conversations/%s: %w", id, err)
		}
		a := got.Assigned
		if got.Conversation != nil {
			a = *got.Conversation
		}
		a.Waited = time.Since(start)
		if a.AssigneeID != "" || a.Waited >= wait || ctx.Err() != nil {
			return a, ctx.Err()
		}
		sleep(ctx, 100*time.Millisecond)
	}
}
