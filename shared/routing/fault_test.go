package routing_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/routing"
)

// sends records what the router sends customers.
type sends struct {
	mu   sync.Mutex
	acks map[string]int // by address
}

func (s *sends) Send(_ context.Context, m routing.Outbound) (routing.Sent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acks[m.To]++
	return routing.Sent{Provider: "meta", ProviderMessageID: fmt.Sprintf("wamid.ack.%s.%d", m.To, s.acks[m.To])}, nil
}

// A new customer's first message arrives as three concurrent copies (a
// provider retrying while the first delivery is still in flight). Whichever
// copy's job routes first must acknowledge: one acknowledgement each, never
// none, never two, whatever order the jobs arrive in.
func TestConcurrentCopiesOfAFirstMessageAreAcknowledgedOnce(t *testing.T) {
	e := newEnv(t, routing.DefaultConfig())
	out := &sends{acks: map[string]int{}}
	e.router.Sender = out
	const customers = 50
	phone := func(i int) string { return fmt.Sprintf("+8491300%04d", i) }

	// Three concurrent copies per customer, five customers at a time: the
	// race is between copies; DynamoDB Local times out on lock waits when
	// hundreds of transactions queue at once.
	for batch := 0; batch < customers; batch += 5 {
		var wg sync.WaitGroup
		errs := make(chan error, 15)
		for i := batch; i < batch+5; i++ {
			for c := 0; c < 3; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := e.ing.Ingest(context.Background(), domain.Inbound{
						Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage,
						ProviderMessageID: fmt.Sprintf("wamid.first.%d", i),
						Identities:        []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: phone(i)}},
						Text:              "Chào shop, mình muốn hỏi về đơn hàng", OccurredAt: e.clk.now(),
					})
					errs <- err
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	all := append([]ingest.Job(nil), e.jobs.list...)
	if len(all) != customers*3 {
		t.Fatalf("%d routing jobs, want one per copy (%d)", len(all), customers*3)
	}
	// The duplicates' jobs (NewConversation=false) first, then the rest shuffled and concurrent.
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(all), func(a, b int) { all[a], all[b] = all[b], all[a] })
	var dup, first []ingest.Job
	for _, j := range all {
		if j.NewConversation {
			first = append(first, j)
		} else {
			dup = append(dup, j)
		}
	}
	if len(first) != customers {
		t.Fatalf("%d jobs opened a conversation, want %d", len(first), customers)
	}
	route := func(list []ingest.Job) {
		for start := 0; start < len(list); start += 10 {
			var wg sync.WaitGroup
			for _, j := range list[start:min(start+10, len(list))] {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := e.router.Route(context.Background(), j); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
	}
	route(dup)
	route(first)
	for i := 0; i < customers; i++ {
		if n := out.acks[phone(i)]; n != 1 {
			t.Errorf("customer %d got %d acknowledgements, want 1", i, n)
		}
	}
}

// parkingLanes fails while down, then records what is published.
type parkingLanes struct {
	mu     sync.Mutex
	down   bool
	got    []ingest.Job
	urgent []jobs.Job // PublishUrgent's
}

func (p *parkingLanes) Publish(_ context.Context, j ingest.Job) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return domain.Errorf(domain.CodeUnavailable, "routing queue unavailable")
	}
	p.got = append(p.got, j)
	return nil
}

// A message stored while the routing queue is down fails its delivery (the
// provider may retry) and is parked; with the queue back and no provider
// retry, the next sweep publishes it, and routing clocks and acknowledges it.
func TestMessageStoredDuringAQueueOutageIsRoutedWithoutAProviderRetry(t *testing.T) {
	e := newEnv(t, routing.DefaultConfig())
	out := &sends{acks: map[string]int{}}
	e.router.Sender = out
	lanes := &parkingLanes{down: true}
	e.ing.Jobs = lanes
	_, err := e.ing.Ingest(context.Background(), domain.Inbound{
		Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage, ProviderMessageID: "wamid.outage.1",
		Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: "+84913009999"}}, Text: "Cho mình hỏi giá", OccurredAt: e.clk.now(),
	})
	if domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("ingest with the queue down: %v, want unavailable (a 5xx for the provider)", err)
	}
	sw := &routing.Sweeper{Store: e.st, Lanes: lanes, Config: routing.DefaultConfig(), Log: quiet(), Metrics: io.Discard}
	if r, err := sw.Sweep(context.Background(), e.clk.now().Add(time.Second)); err != nil || r.Owed != 1 || len(lanes.got) != 0 {
		t.Fatalf("queue still down: %d still owed, %d published, err %v; want the job kept and nothing published", r.Owed, len(lanes.got), err)
	}
	lanes.mu.Lock()
	lanes.down = false
	lanes.mu.Unlock()
	e.clk.advance(time.Minute)
	r, err := sw.Sweep(context.Background(), e.clk.now())
	if err != nil || r.Owed != 0 || len(lanes.got) != 1 {
		t.Fatalf("queue back: %d still owed, %d published, err %v; want 1 published", r.Owed, len(lanes.got), err)
	}
	res, err := e.router.Route(context.Background(), lanes.got[0])
	if err != nil {
		t.Fatal(err)
	}
	if res.Conversation.SLA.DueAt.IsZero() || !res.Acknowledged || out.acks["+84913009999"] != 1 {
		t.Fatalf("after republishing: due %v, acknowledged %v (%d sent)", res.Conversation.SLA.DueAt, res.Acknowledged, out.acks["+84913009999"])
	}
	// Nothing is left to republish, and a second sweep changes nothing.
	if r, err := sw.Sweep(context.Background(), e.clk.now().Add(time.Hour)); err != nil || r.Owed != 0 || len(lanes.got) != 1 {
		t.Fatalf("second sweep: %d still owed, %d published in all, err %v", r.Owed, len(lanes.got), err)
	}
}
