package connect_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/connect"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
)

func event(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("../../events/connect/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func setup(t *testing.T) (*connect.Handler, *store.Store) {
	t.Helper()
	db, table := testenv.NewTable(t)
	sq, url := testenv.NewQueue(t, testenv.QueueOptions{})
	st := store.New(db, table)
	scorer, _ := urgency.NewScorer(urgency.DefaultConfig())
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ing := &ingest.Service{Store: st, Jobs: queue.Publisher{Client: sq, NormalURL: url}, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: log}
	return &connect.Handler{Ingest: ing, Calls: st, BusinessName: "Shop Hoa Mai", Log: log}, st
}

func TestKnownCallerIsGreetedByNameAndAMissedCallIsRecorded(t *testing.T) {
	h, st := setup(t)
	ctx := context.Background()
	phone, _ := domain.Normalizer{}.Normalize(domain.KindPhone, "+84912345678")
	r, err := st.ResolveCustomer(ctx, []domain.Identity{phone}, "Nguyễn Thị Lan")
	if err != nil {
		t.Fatal(err)
	}
	vip, vi := "vip", "vi"
	prefs := map[string]string{"honorific": "chị"}
	if _, err := st.UpdateProfile(ctx, r.Customer.ID, r.Customer.Version, store.ProfilePatch{Tier: &vip, Language: &vi, Preferences: &prefs}); err != nil {
		t.Fatal(err)
	}
	out, err := h.Handle(ctx, event(t, "contact-flow-vi.json"))
	if err != nil {
		t.Fatal(err)
	}
	resp := out.(events.ConnectResponse)
	if resp["customerKnown"] != "true" || resp["customerName"] != "Nguyễn Thị Lan" || resp["tier"] != "vip" || resp["language"] != "vi" {
		t.Fatalf("flow attributes %v", resp)
	}
	if resp["greeting"] != "Xin chào chị Lan, cảm ơn đã gọi đến Shop Hoa Mai." {
		t.Fatalf("greeting %q", resp["greeting"])
	}
	if resp["priority"] != string(domain.PriorityHigh) && resp["priority"] != string(domain.PriorityUrgent) {
		t.Fatalf("a VIP's call has priority %q", resp["priority"])
	}
	// Connect retries the block: still one call, still greeted by name.
	again, err := h.Handle(ctx, event(t, "contact-flow-vi.json"))
	if err != nil || again.(events.ConnectResponse)["customerName"] != "Nguyễn Thị Lan" {
		t.Fatalf("retried invocation: %v %v", again, err)
	}
	if _, err := h.Handle(ctx, event(t, "contact-event-disconnected-missed.json")); err != nil {
		t.Fatal(err)
	}
	page, err := st.Timeline(ctx, r.Customer.ID, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []domain.TouchpointKind
	for _, tp := range page.Items {
		kinds = append(kinds, tp.Kind)
	}
	if len(kinds) != 2 || kinds[0] != domain.KindMissedCall || kinds[1] != domain.KindCall {
		t.Fatalf("timeline kinds %v, want [missed_call call]", kinds)
	}
}

func TestUnknownCallerFromTheOfficialSample(t *testing.T) {
	h, _ := setup(t)
	// aws-lambda-go's sample: a US caller, "INBOUND/OUTBOUND/TRANSFER/CALLBACK"
	// as the initiation method, which is not an inbound call.
	out, err := h.Handle(context.Background(), event(t, "contact-flow-aws-lambda-go.json"))
	if err != nil {
		t.Fatal(err)
	}
	resp := out.(events.ConnectResponse)
	if resp["customerKnown"] != "false" || resp["customerId"] != "" {
		t.Fatalf("%v", resp)
	}
}

func TestNotAConnectEvent(t *testing.T) {
	h, _ := setup(t)
	if _, err := h.Handle(context.Background(), json.RawMessage(`{"hello":"world"}`)); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("%v", err)
	}
}

// The flow gets the same routing as Twilio calls: her own agent (their
// Connect user, mapped on the agent profile) and the queue of her language
// and tier.
func TestContactFlowNamesHerAgentAndQueue(t *testing.T) {
	h, st := setup(t)
	ctx := context.Background()
	queues, err := connect.ParseQueues(`{"vi/vip":"arn:aws:connect:ap-southeast-1:111122223333:instance/i1/queue/vi-vip","vi":"q-vi","default":"q-any"}`)
	if err != nil {
		t.Fatal(err)
	}
	h.Queues = queues
	phone, _ := domain.Normalizer{}.Normalize(domain.KindPhone, "+84912345678")
	r, err := st.ResolveCustomer(ctx, []domain.Identity{phone}, "Nguyễn Thị Lan")
	if err != nil {
		t.Fatal(err)
	}
	vip, vi := "vip", "vi"
	if _, err := st.UpdateProfile(ctx, r.Customer.ID, r.Customer.Version, store.ProfilePatch{Tier: &vip, Language: &vi}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutAgent(ctx, domain.Agent{ID: "mai", Name: "Mai", MaxConcurrent: 3, Status: domain.AgentOffline,
		ConnectUserID: "9f0c2b1e-7d6a-4c3b-8e2f-1a2b3c4d5e6f"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetAgentStatus(ctx, "mai", domain.AgentAvailable); err != nil {
		t.Fatal(err)
	}
	// Her first call: nobody is assigned yet, so no preferred agent.
	out, err := h.Handle(ctx, event(t, "contact-flow-vi.json"))
	if err != nil {
		t.Fatal(err)
	}
	resp := out.(events.ConnectResponse)
	if resp["queue"] != "arn:aws:connect:ap-southeast-1:111122223333:instance/i1/queue/vi-vip" || resp["preferredAgent"] != "" {
		t.Fatalf("first call: %v", resp)
	}
	conv, err := st.GetConversation(ctx, resp["conversationId"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Assign(ctx, conv, "mai"); err != nil {
		t.Fatal(err)
	}
	// She calls again (Connect's retry of the block reads the same call).
	out, err = h.Handle(ctx, event(t, "contact-flow-vi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if resp := out.(events.ConnectResponse); resp["preferredAgent"] != "9f0c2b1e-7d6a-4c3b-8e2f-1a2b3c4d5e6f" {
		t.Fatalf("assigned conversation: %v", resp)
	}
	if q := (connect.Queues{"en": "q-en"}).For("vi", "standard"); q != "" {
		t.Fatalf("an unmapped caller got queue %q", q)
	}
	if _, err := connect.ParseQueues(`["not", "an object"]`); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("bad CONNECT_QUEUES: %v", err)
	}
}
