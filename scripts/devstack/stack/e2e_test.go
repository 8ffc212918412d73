package stack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/concierge-cx/concierge/scripts/demo/story"
	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/scripts/devstack/stack"
	"github.com/concierge-cx/concierge/scripts/smoke/check"
	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/channels/webchat"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/email"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/store"
)

// urgentFirstResponse is the urgent first-response target the test's shell sets through SLA_POLICY (the
// default is 15 minutes), to see that a setting in the shell reaches the functions.
const urgentFirstResponse = 4 * time.Minute

const testSLAPolicy = `{"targets":{"urgent":{"firstResponse":"4m","nextResponse":"30m","resolution":"4h"},` +
	`"high":{"firstResponse":"1h","nextResponse":"2h","resolution":"8h"},"normal":{"firstResponse":"4h","nextResponse":"8h","resolution":"24h"},` +
	`"low":{"firstResponse":"24h","nextResponse":"48h","resolution":"72h"}}}`

// webchatBackend is the business's web-chat backend as a test server: it keeps each reply that passes the
// inbound web-chat verifier and refuses the rest.
type webchatBackend struct {
	secret string
	mu     sync.Mutex
	got    []outbound.WebchatReply
	bad    []string
}

func (b *webchatBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h := map[string]string{}
	for k := range r.Header {
		h[strings.ToLower(k)] = r.Header.Get(k)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := webchat.Verify(channels.Request{Method: r.Method, Path: r.URL.Path, Headers: h, Body: body}, b.secret); err != nil {
		b.bad = append(b.bad, err.Error())
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var m outbound.WebchatReply
	_ = json.Unmarshal(body, &m)
	b.got = append(b.got, m)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

func (b *webchatBackend) replies() ([]outbound.WebchatReply, []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]outbound.WebchatReply(nil), b.got...), append([]string(nil), b.bad...)
}

// TestDemoStoryThroughTheWholeStack starts the stack from scratch (the real bootstrap binaries, built as
// they deploy; the emulators of `make test`, or its own) as `make dev` does, with its day-one agents. The
// banner's agent goes available; Lan's story is told over real HTTP: she is one customer with her
// touchpoints in order, her urgent conversation is assigned to that agent within 5 s with the notification
// in the sandbox outbox, and its due time follows the SLA_POLICY of the shell. Then `make smoke`'s walk runs
// against the same stack, and a web-chat visitor's acknowledgement and an agent's reply reach the business's
// web-chat backend (a test server at WEBCHAT_REPLY_URL) signed as inbound web chat is.
func TestDemoStoryThroughTheWholeStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	began := time.Now()
	prefix := fmt.Sprintf("e2e%d-", time.Now().UnixNano()%1e9)
	var logs strings.Builder
	out := &syncBuilder{b: &logs}
	backend := &webchatBackend{secret: testsecrets.WebchatSecret}
	backendSrv := httptest.NewServer(backend)
	defer backendSrv.Close()
	shell := map[string]string{"SLA_POLICY": testSLAPolicy, "WEBCHAT_REPLY_URL": backendSrv.URL + "/concierge/replies"}
	st, err := stack.Start(ctx, stack.Options{
		DataDir: t.TempDir(), Prefix: prefix, GatewayAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0",
		Out: out, Quiet: true,
		// Only the emulator endpoints and credentials come from the environment, and the settings a
		// developer's shell would set (shell): the secrets are the documented development defaults whatever
		// the developer's shell holds.
		Getenv: func(k string) (string, bool) {
			switch k {
			case "DYNAMODB_ENDPOINT", "SQS_ENDPOINT", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY":
				return os.LookupEnv(k)
			}
			v, ok := shell[k]
			return v, ok
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stack started in %.1fs", time.Since(began).Seconds())
	t.Cleanup(func() {
		st.Stop()
		cleanup(st)
		if t.Failed() {
			t.Logf("stack output:\n%s", out.String())
		}
	})

	// Health first: what a newcomer checks.
	resp, err := http.Get(st.GatewayURL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health stack.Health
	_ = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if resp.StatusCode != 200 || !health.Dynamodb.Up || !health.Fauxqs.Up || !health.SMTP.Up || !health.Functions["webhooks"].Up {
		t.Fatalf("healthz %d: %+v", resp.StatusCode, health)
	}

	token, err := devjwt.Mint(st.JWTSecret(), stack.BannerAgentID, []string{"agent", "supervisor"}, nil, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Day one: both agents were seeded, and the banner's token goes available.
	if len(st.Agents) != 2 || !st.Agents[0].Seeded || st.Agents[0].ID != stack.BannerAgentID || !st.Agents[1].Seeded {
		t.Fatalf("seeded agents %+v", st.Agents)
	}
	if status, body := call(t, st, token, http.MethodPut, "/agents/me/status", `{"status":"available"}`); status != http.StatusOK {
		t.Fatalf("PUT /agents/me/status with the banner's token: %d %s", status, body)
	}
	toldAt := time.Now()
	res, err := story.Tell(ctx, story.Target{
		Token:      token,
		GatewayURL: st.GatewayURL, PublicBaseURL: st.PublicBaseURL, SMTPAddr: st.SMTPAddr, Secret: st.Secret,
		HasFunction: func(name string) bool { return st.Hosts[name] != nil },
		Store:       store.New(st.DynamoDB(), st.Table), Gap: 1100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("story told in %.1fs", time.Since(toldAt).Seconds())

	// Her urgent conversation is the banner agent's within 5 s, and the agent was told.
	storyDone := time.Now()
	assigned, err := story.Target{GatewayURL: st.GatewayURL, Token: token}.WaitAssigned(ctx, res.Customer.OpenConversationID, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if assigned.Priority != domain.PriorityUrgent || assigned.AssigneeID != stack.BannerAgentID {
		t.Fatalf("her open conversation after %.1fs: %+v, want urgent and assigned to %s", assigned.Waited.Seconds(), assigned, stack.BannerAgentID)
	}
	t.Logf("urgent conversation %s assigned to %s, seen %.2fs after the story ended", assigned.ID, assigned.AssigneeID, time.Since(storyDone).Seconds())
	notified := false
	for _, m := range st.Sandbox.Outbox() {
		notified = notified || (m.Provider == "notify" && m.Event == "assigned" && m.To == stack.BannerAgentID && m.ConversationID == assigned.ID)
	}
	if !notified {
		t.Errorf("no assignment notification for %s in the sandbox outbox: %+v", assigned.ID, st.Sandbox.Outbox())
	}
	// SLA_POLICY from the shell: the urgent first-response clock runs 4 minutes, not the default 15.
	conv, err := store.New(st.DynamoDB(), st.Table).GetConversation(ctx, assigned.ID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.SLA.Metric != "first_response" || conv.SLA.DueAt.Sub(conv.SLA.StartedAt) != urgentFirstResponse {
		t.Errorf("SLA %+v: want a first response due %s after the clock started (SLA_POLICY)", conv.SLA, urgentFirstResponse)
	}

	c := res.Customer
	if c.DisplayName != story.Name {
		t.Errorf("name %q, want %q", c.DisplayName, story.Name)
	}
	ids := map[string]bool{}
	for _, id := range c.Identities {
		ids[string(id.Kind)+":"+id.Value] = true
	}
	if !ids["phone:"+story.Phone] || !ids["zalo:"+story.ZaloUserID] {
		t.Errorf("identities %v: want her phone and her Zalo id on one customer", c.Identities)
	}
	type want struct {
		channel domain.Channel
		kind    domain.TouchpointKind
		text    string
	}
	wants := []want{
		{domain.ChannelZalo, domain.KindMessage, story.ZaloText},
		{domain.ChannelZalo, domain.KindStatus, ""}, // user_submit_info: her phone, shared on Zalo
		{domain.ChannelWhatsApp, domain.KindMessage, story.WhatsAppText},
		{domain.ChannelVoice, domain.KindCall, ""},
		{domain.ChannelVoice, domain.KindMissedCall, ""},
		{domain.ChannelWhatsApp, domain.KindMessage, story.UrgentText},
	}
	if res.EmailSent {
		wants = append(wants, want{domain.ChannelEmail, domain.KindEmailMsg, ""})
	}
	// Her own touchpoints, in order; once functions/router exists the timeline also holds its replies.
	var inbound, outbound []domain.Touchpoint
	for _, tp := range res.Timeline {
		if tp.Direction == domain.DirectionIn {
			inbound = append(inbound, tp)
		} else {
			outbound = append(outbound, tp)
		}
	}
	if len(inbound) != len(wants) {
		t.Fatalf("timeline has %d inbound touchpoints, want %d (the Zalo retry stored once): %+v", len(inbound), len(wants), res.Timeline)
	}
	for i, w := range wants {
		tp := inbound[i]
		if tp.Channel != w.channel || tp.Kind != w.kind || (w.text != "" && tp.Text != w.text) || (tp.CustomerID != "" && tp.CustomerID != c.ID) {
			t.Errorf("timeline[%d] = %s %s %q (customer %s), want %s %s %q", i, tp.Channel, tp.Kind, tp.Text, tp.CustomerID, w.channel, w.kind, w.text)
		}
	}
	if last := wants[len(wants)-1].channel; c.LastChannel != last {
		t.Errorf("last channel %s, want %s", c.LastChannel, last)
	}

	// The urgent message waits in the urgent lane for the router (which does not exist yet, or consumed it).
	if st.Hosts["router"] == nil {
		job := receiveJob(t, st.SQS(), st.Queues["urgent"])
		if job.TouchpointID != inbound[5].ID || job.Priority != domain.PriorityUrgent {
			t.Errorf("urgent lane holds %+v, want the urgent WhatsApp message's job", job)
		}
	}

	// With the router running, every reply it sent is on her timeline and in the provider sandbox's outbox.
	if st.Hosts["router"] != nil {
		sent := map[string]bool{}
		for _, m := range st.Sandbox.Outbox() {
			sent[m.Channel+" "+m.Text] = true
		}
		for _, tp := range outbound {
			if !sent[string(tp.Channel)+" "+tp.Text] {
				t.Errorf("outbound %s %q is on the timeline but was never sent through the sandbox", tp.Channel, tp.Text)
			}
		}
	}

	// Agent routes: 401 without a token, and 503 until functions/agentapi exists.
	resp, err = http.Get(st.GatewayURL + "/customers?phone=%2B84912345678")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("agent route without a token: %d, want 401", resp.StatusCode)
	}

	// SMTP: mail for support is stored the way SES stores it; mail for anyone else is refused.
	msg := "From: Lan <lan.nguyen@example.com>\r\nTo: support@concierge.local\r\nSubject: DH1024\r\nMessage-ID: <e2e@example.com>\r\n\r\nChào shop\r\n"
	if err := smtp.SendMail(st.SMTPAddr, nil, "lan.nguyen@example.com", []string{"Support@Concierge.local"}, []byte(msg)); err != nil {
		t.Fatalf("mail to support: %v", err)
	}
	err = smtp.SendMail(st.SMTPAddr, nil, "lan.nguyen@example.com", []string{"ceo@concierge.local"}, []byte(msg))
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("mail to another address: %v, want 550", err)
	}
	objs, err := st.S3().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(st.Buckets[email.RawMail.Name]), Prefix: aws.String(email.RawMailPrefix)})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Contents) != 1+boolInt(res.EmailSent) {
		t.Fatalf("raw-mail bucket holds %d objects under %s", len(objs.Contents), email.RawMailPrefix)
	}
	found := false
	for _, o := range objs.Contents {
		key := aws.ToString(o.Key)
		id := strings.TrimPrefix(key, email.RawMailPrefix)
		if len(id) < 20 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Errorf("object key %q: want the prefix and an SES-style message id", key)
		}
		obj, err := st.S3().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(st.Buckets[email.RawMail.Name]), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		if !strings.HasPrefix(string(raw), "Return-Path: <lan.nguyen@example.com>\r\nReceived: ") {
			t.Errorf("stored mail %s does not start with the headers SES adds:\n%s", key, raw)
		}
		found = found || strings.HasSuffix(string(raw), msg)
	}
	if !found {
		t.Error("the mail sent to support is not in the raw-mail bucket as sent")
	}

	// make smoke's walk against this stack, replying too: the web-chat visitor's acknowledgement and the
	// agent's reply reach the business's web-chat backend, signed as inbound web chat is.
	smokeAt := time.Now()
	var walk strings.Builder
	sm, err := check.Run(ctx, check.Config{BaseURL: st.GatewayURL, Token: token, WebchatSecret: st.Secret("WEBCHAT_SIGNING_SECRET"),
		Wait: 10 * time.Second, Reply: true, Out: &walk})
	t.Logf("make smoke's walk (%.1fs):\n%s", time.Since(smokeAt).Seconds(), walk.String())
	if err != nil {
		t.Fatal(err)
	}
	if sm.AssigneeID != stack.BannerAgentID {
		t.Errorf("the smoke conversation went to %q, want the caller", sm.AssigneeID)
	}
	got, bad := backend.replies()
	var ack, agentReply bool
	for _, m := range got {
		if m.VisitorID != sm.VisitorID || m.ConversationID != sm.ConversationID {
			continue
		}
		ack = ack || m.AutoGenerated
		agentReply = agentReply || (!m.AutoGenerated && strings.HasPrefix(m.Text, "Smoke test reply"))
	}
	if !ack || !agentReply || len(bad) > 0 {
		t.Errorf("web-chat backend got %+v (refused %v): want the acknowledgement and the agent's reply to %s, validly signed", got, bad, sm.VisitorID)
	}
	tl, err := store.New(st.DynamoDB(), st.Table).Timeline(ctx, sm.CustomerID, 20, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range tl.Items {
		if tp.Direction == domain.DirectionOut && tp.Channel == domain.ChannelWebchat && (tp.Status != domain.StatusSent || tp.Provider != "webchat" || tp.ProviderMessageID == "") {
			t.Errorf("web-chat reply on the timeline: status %s provider %s id %q, want it recorded as delivered", tp.Status, tp.Provider, tp.ProviderMessageID)
		}
	}
	t.Logf("whole-stack test: %.1fs", time.Since(began).Seconds())
}

// call makes one agent API request with token and returns the status and body.
func call(t *testing.T, st *stack.Stack, token, method, path, body string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, st.GatewayURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func receiveJob(t *testing.T, c *sqs.Client, url string) ingest.Job {
	t.Helper()
	out, err := c.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 2,
		MessageAttributeNames: []string{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 {
		t.Fatalf("urgent lane holds %d messages, want 1", len(out.Messages))
	}
	var job ingest.Job
	if err := json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &job); err != nil {
		t.Fatal(err)
	}
	return job
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// cleanup removes the run's table and queues (the emulators may be a developer's persistent ones).
func cleanup(st *stack.Stack) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = st.DynamoDB().DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(st.Table)})
	for _, url := range st.Queues {
		_, _ = st.SQS().DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
	}
}

type syncBuilder struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
