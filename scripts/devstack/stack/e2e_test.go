package stack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/lanes"
	"github.com/concierge-cx/concierge/shared/store"
)

// TestDemoStoryThroughTheWholeStack starts the stack from scratch (the real bootstrap binaries, built as
// they deploy; the emulators of `make test`, or its own), tells Lan's story over real HTTP and checks that
// she is one customer with her touchpoints in order and her urgent message in the urgent lane.
func TestDemoStoryThroughTheWholeStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	prefix := fmt.Sprintf("e2e%d-", time.Now().UnixNano()%1e9)
	var logs strings.Builder
	out := &syncBuilder{b: &logs}
	st, err := stack.Start(ctx, stack.Options{
		DataDir: t.TempDir(), Prefix: prefix, GatewayAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0",
		Out: out, Quiet: true,
		// Only the emulator endpoints and credentials come from the environment: the secrets are the
		// documented development defaults whatever the developer's shell holds.
		Getenv: func(k string) (string, bool) {
			switch k {
			case "DYNAMODB_ENDPOINT", "SQS_ENDPOINT", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY":
				return os.LookupEnv(k)
			}
			return "", false
		},
	})
	if err != nil {
		t.Fatal(err)
	}
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

	token, err := devjwt.Mint(st.JWTSecret(), "agent-minh-anh", []string{"agent", "supervisor"}, nil, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	res, err := story.Tell(ctx, story.Target{
		Token:      token,
		GatewayURL: st.GatewayURL, PublicBaseURL: st.PublicBaseURL, SMTPAddr: st.SMTPAddr, Secret: st.Secret,
		HasFunction: func(name string) bool { return st.Hosts[name] != nil },
		Store:       store.New(st.DynamoDB(), st.Table), Gap: 1100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
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
	objs, err := st.S3().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(st.Buckets[lanes.RawMail.Name]), Prefix: aws.String(lanes.RawMailPrefix)})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Contents) != 1+boolInt(res.EmailSent) {
		t.Fatalf("raw-mail bucket holds %d objects under %s", len(objs.Contents), lanes.RawMailPrefix)
	}
	found := false
	for _, o := range objs.Contents {
		key := aws.ToString(o.Key)
		id := strings.TrimPrefix(key, lanes.RawMailPrefix)
		if len(id) < 20 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Errorf("object key %q: want the prefix and an SES-style message id", key)
		}
		obj, err := st.S3().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(st.Buckets[lanes.RawMail.Name]), Key: aws.String(key)})
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
