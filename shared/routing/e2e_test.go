package routing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/concierge-cx/concierge/shared/channels/meta"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
	"github.com/concierge-cx/concierge/shared/webhook"
)

// recorder is an httptest server that keeps every request body it receives.
type recorder struct {
	mu     sync.Mutex
	bodies []string
	paths  []string
	reply  string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, string(b))
	r.paths = append(r.paths, req.URL.Path)
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, r.reply)
}

func (r *recorder) got() ([]string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...), append([]string(nil), r.paths...)
}

// An urgent WhatsApp message from a VIP goes webhook → urgent SQS lane →
// router: assigned to the available Vietnamese-speaking agent, acknowledged
// on WhatsApp through the Cloud API, and the agent notified.
func TestUrgentVIPWhatsAppIsAssignedAcknowledgedAndNotified(t *testing.T) {
	ctx := context.Background()
	db, table := testenv.NewTable(t)
	sq, normalURL := testenv.NewQueue(t, testenv.QueueOptions{})
	_, urgentURL := testenv.NewQueue(t, testenv.QueueOptions{})
	st := store.New(db, table)

	graph := &recorder{reply: `{"messaging_product":"whatsapp","contacts":[{"input":"84912345678","wa_id":"84912345678"}],"messages":[{"id":"wamid.ACK1"}]}`}
	graphSrv := httptest.NewServer(graph)
	defer graphSrv.Close()
	hooks := &recorder{reply: `ok`}
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()

	// The shop: two agents on WhatsApp support, one English-only and busy-free, one Vietnamese.
	for _, a := range []domain.Agent{
		{ID: "anna", Name: "Anna", Languages: []string{"en"}, Teams: []string{"support"}, MaxConcurrent: 3, Status: domain.AgentAvailable},
		{ID: "mai", Name: "Trần Thị Mai", Languages: []string{"vi", "en"}, Teams: []string{"support"}, MaxConcurrent: 3, Status: domain.AgentAvailable},
		{ID: "hung", Name: "Lê Văn Hùng", Languages: []string{"vi"}, Teams: []string{"support"}, MaxConcurrent: 3, Status: domain.AgentOffline},
	} {
		if _, err := st.PutAgent(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// Lan is a known VIP customer.
	phone, _ := domain.Normalizer{}.Normalize(domain.KindWhatsApp, "84912345678")
	r, err := st.ResolveCustomer(ctx, []domain.Identity{phone}, "Nguyễn Thị Lan")
	if err != nil {
		t.Fatal(err)
	}
	vip, vi := "vip", "vi"
	prefs := map[string]string{"honorific": "chị"}
	if _, err := st.UpdateProfile(ctx, r.Customer.ID, r.Customer.Version, store.ProfilePatch{Tier: &vip, Language: &vi, Preferences: &prefs}); err != nil {
		t.Fatal(err)
	}

	scorer, _ := urgency.NewScorer(urgency.DefaultConfig())
	ing := &ingest.Service{Store: st, Jobs: queue.Publisher{Client: sq, NormalURL: normalURL, UrgentURL: urgentURL},
		Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: quiet()}
	wh := webhook.New(webhook.Config{PublicBaseURL: "https://concierge.example.com", MetaAppSecret: "app-secret", MetaVerifyToken: "v"}, ing, st,
		webhook.WithLogger(quiet()))

	now := time.Now().UTC()
	body := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"18335550143","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Lan"},"wa_id":"84912345678"}],"messages":[{"from":"84912345678","id":"wamid.URGENT1","timestamp":"%d","text":{"body":"GẤP!!! Tôi bị trừ tiền 2 lần mà đơn hàng vẫn chưa nhận được"},"type":"text"}]},"field":"messages"}]}]}`, now.Unix())
	ev := events.APIGatewayV2HTTPRequest{
		RawPath: "/webhooks/meta", Body: body,
		Headers:        map[string]string{"content-type": "application/json", "x-hub-signature-256": meta.Signature("app-secret", []byte(body))},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/webhooks/meta"}},
	}
	res, err := wh.Handle(ctx, ev)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("webhook: %d %s %v", res.StatusCode, res.Body, err)
	}

	// The job is on the urgent lane, not the normal one.
	if n := depth(t, sq, normalURL); n != 0 {
		t.Fatalf("%d jobs on the normal lane", n)
	}
	msgs, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &urgentURL, MaxNumberOfMessages: 1, WaitTimeSeconds: 1, MessageSystemAttributeNames: nil})
	if err != nil || len(msgs.Messages) != 1 {
		t.Fatalf("urgent lane: %v %v", msgs, err)
	}

	cfg := routing.DefaultConfig()
	cfg.BusinessName = "Shop Hoa Mai"
	notifier, err := notify.New(notify.Config{WebhookURL: hookSrv.URL, WebhookSecret: "hook-secret", Language: "vi", TimeZone: "Asia/Ho_Chi_Minh"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sender := outbound.New(outbound.Config{MetaGraphBase: graphSrv.URL, MetaGraphVersion: "v21.0", MetaAccessToken: "tok", MetaPhoneNumberID: "106540352242922"}, nil, nil)
	router := &routing.Router{Store: st, Sender: routing.ChannelSender{Router: sender}, Notifier: routing.WebhookNotifier{Notifier: notifier}, Config: cfg, Log: quiet()}
	m := msgs.Messages[0]
	resp, err := router.HandleSQS(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: aws.ToString(m.MessageId), Body: aws.ToString(m.Body)}}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("router: %+v %v", resp, err)
	}

	var job ingest.Job
	if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &job); err != nil {
		t.Fatal(err)
	}
	conv, err := st.GetConversation(ctx, job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Priority != domain.PriorityUrgent || conv.AssigneeID != "mai" || conv.AckedAt.IsZero() {
		t.Fatalf("conversation: priority %s assignee %q acked %v", conv.Priority, conv.AssigneeID, conv.AckedAt)
	}
	if conv.SLA.DueAt.Sub(conv.SLA.StartedAt) != 15*time.Minute {
		t.Fatalf("urgent first response due after %v, want 15m", conv.SLA.DueAt.Sub(conv.SLA.StartedAt))
	}
	bodies, paths := graph.got()
	if len(bodies) != 1 || paths[0] != "/v21.0/106540352242922/messages" {
		t.Fatalf("WhatsApp sends: %v %v", paths, bodies)
	}
	var sent struct {
		To   string `json:"to"`
		Type string `json:"type"`
		Text struct {
			Body string `json:"body"`
		} `json:"text"`
	}
	if err := json.Unmarshal([]byte(bodies[0]), &sent); err != nil {
		t.Fatal(err)
	}
	want := "Chào chị Lan, cảm ơn chị đã liên hệ Shop Hoa Mai. Chúng tôi đã nhận được tin nhắn và sẽ phản hồi chị trong vòng 15 phút."
	if sent.To != "84912345678" || sent.Type != "text" || sent.Text.Body != want {
		t.Fatalf("acknowledgement %+v\nwant %q", sent, want)
	}
	ack, err := st.FindByProviderMessage(ctx, "meta", "wamid.ACK1")
	if err != nil || ack.Direction != domain.DirectionOut || ack.Text != want {
		t.Fatalf("acknowledgement not on the timeline: %+v %v", ack, err)
	}
	hookBodies, _ := hooks.got()
	if len(hookBodies) != 1 || !strings.Contains(hookBodies[0], `"event":"assigned"`) || !strings.Contains(hookBodies[0], `"agentId":"mai"`) {
		t.Fatalf("agent notification: %v", hookBodies)
	}

	// SQS redelivers the same job: nothing is sent or assigned twice.
	if resp, err := router.HandleSQS(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "again", Body: aws.ToString(m.Body)}}}); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery: %+v %v", resp, err)
	}
	if b, _ := graph.got(); len(b) != 1 {
		t.Fatalf("redelivery sent %d acknowledgements", len(b))
	}
	if a, err := st.GetAgent(ctx, "mai"); err != nil || a.Load != 1 {
		t.Fatalf("redelivery changed Mai's load to %d (%v)", a.Load, err)
	}
}

func TestPoisonJobFailsAloneAndReachesTheDLQ(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, routing.DefaultConfig())
	sq, dlq := testenv.NewQueue(t, testenv.QueueOptions{})
	_, lane := testenv.NewQueue(t, testenv.QueueOptions{DeadLetterQueueURL: dlq, MaxReceiveCount: 2, VisibilityTimeout: 1})
	good := e.inbound(t, "84912345678", "w1", "Chào shop")
	goodBody, err := json.Marshal(good.Job)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"{not json", string(goodBody)} {
		if _, err := sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &lane, MessageBody: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	// No sleep between rounds: a failed message comes back once its one-second
	// visibility timeout ends, and the long poll waits for it; the deadline
	// bounds the whole exchange.
	routedGood := false
	for deadline := time.Now().Add(30 * time.Second); depth(t, sq, dlq) == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the poison job did not reach the DLQ within 30s (good job routed: %v)", routedGood)
		}
		out, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &lane, MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
		if err != nil {
			t.Fatal(err)
		}
		var ev events.SQSEvent
		for _, m := range out.Messages {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body)})
		}
		resp, err := e.router.HandleSQS(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		failed := map[string]bool{}
		for _, f := range resp.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
		for _, r := range ev.Records {
			if failed[r.MessageId] {
				continue
			}
			routedGood = routedGood || strings.Contains(r.Body, good.Job.ConversationID)
			if _, err := sq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &lane, ReceiptHandle: aws.String(r.ReceiptHandle)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !routedGood {
		t.Fatal("the good job was held up by the poison one")
	}
	if depth(t, sq, dlq) != 1 {
		t.Fatal("the poison job did not reach the DLQ")
	}
}

func depth(t *testing.T, sq *sqs.Client, url string) int {
	t.Helper()
	out, err := sq.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages"}})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if _, err := fmt.Sscan(out.Attributes["ApproximateNumberOfMessages"], &n); err != nil {
		t.Fatalf("queue depth %q: %v", out.Attributes["ApproximateNumberOfMessages"], err)
	}
	return n
}
