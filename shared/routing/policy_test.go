package routing_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
)

type keptJobs struct{ list []ingest.Job }

func (k *keptJobs) Publish(_ context.Context, j ingest.Job) error {
	k.list = append(k.list, j)
	return nil
}

// A Messenger message routed only 30 hours after she wrote (its job parked by
// an outage) gets no acknowledgement: Messenger allows an automated message
// only within 24 hours, and HUMAN_AGENT is never stamped on one. The refusal
// is on her timeline with the rule's reason, the job is done (not retried),
// and nothing reaches Meta.
func TestLateAcknowledgementIsRefusedAndRecorded(t *testing.T) {
	ctx := context.Background()
	db, table := testenv.NewTable(t)
	st := store.New(db, table)
	scorer, _ := urgency.NewScorer(urgency.DefaultConfig())
	jobs := &keptJobs{}
	ing := &ingest.Service{Store: st, Jobs: jobs, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: quiet()}
	out, err := ing.Ingest(ctx, domain.Inbound{Provider: "meta", Channel: domain.ChannelMessenger, Kind: domain.KindMessage, ProviderMessageID: "m_late1",
		Identities: []domain.RawIdentity{{Kind: domain.KindMessenger, Value: "6783254321234567"}}, Text: "Shop ơi",
		OccurredAt: time.Now().Add(-30 * time.Hour)})
	if err != nil || len(jobs.list) != 1 {
		t.Fatalf("ingest: %v (%d jobs)", err, len(jobs.list))
	}
	graph := &recorder{reply: `{"recipient_id":"6783254321234567","message_id":"m_ack"}`}
	srv := httptest.NewServer(graph)
	defer srv.Close()
	sender := outbound.New(outbound.Config{MetaGraphBase: srv.URL, MetaGraphVersion: "v21.0", MetaPageAccessToken: "page"}, nil, nil)
	router := &routing.Router{Store: st, Sender: routing.ChannelSender{Router: sender}, Config: routing.DefaultConfig(), Log: quiet()}
	if _, err := router.Route(ctx, jobs.list[0]); err != nil {
		t.Fatalf("route: %v", err)
	}
	if bodies, _ := graph.got(); len(bodies) != 0 {
		t.Fatalf("Meta received %v", bodies)
	}
	tl, err := st.Timeline(ctx, out.Customer.ID, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var ack *domain.Touchpoint
	for i, tp := range tl.Items {
		if tp.Metadata["automatic"] == "acknowledgement" {
			ack = &tl.Items[i]
		}
	}
	if ack == nil || ack.Status != domain.StatusFailed || ack.Metadata["policyRule"] != "messenger.standard" ||
		!strings.Contains(ack.Metadata["policyReason"], "HUMAN_AGENT is for a person's reply") {
		t.Fatalf("acknowledgement on the timeline: %+v", ack)
	}
	// Routing it again (SQS redelivers) sends nothing and records nothing more.
	if _, err := router.Route(ctx, jobs.list[0]); err != nil {
		t.Fatal(err)
	}
	tl, _ = st.Timeline(ctx, out.Customer.ID, 10, "")
	n := 0
	for _, tp := range tl.Items {
		if tp.Metadata["automatic"] == "acknowledgement" {
			n++
		}
	}
	if bodies, _ := graph.got(); n != 1 || len(bodies) != 0 {
		t.Fatalf("%d acknowledgements recorded, %d sent", n, len(bodies))
	}
}
