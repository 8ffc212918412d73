package ingest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/urgency"
)

// recorder is an in-memory Recorder: it stores the touchpoint it is given
// and keeps what is owed.
type recorder struct{ owed []store.OwedEffect }

func (r *recorder) RecordInbound(_ context.Context, in store.Inbound) (store.InboundResult, error) {
	tp := in.Touchpoint
	tp.ID, tp.CustomerID, tp.ConversationID, tp.ReceivedAt = "tp_01", "cus_01", "con_01", time.Now()
	return store.InboundResult{Touchpoint: tp, NewCustomer: true, NewConversation: true}, nil
}
func (r *recorder) UpdateDeliveryStatus(context.Context, domain.StatusUpdate) (domain.Touchpoint, bool, error) {
	return domain.Touchpoint{}, false, nil
}
func (r *recorder) Owe(_ context.Context, e store.OwedEffect) error {
	r.owed = append(r.owed, e)
	return nil
}
func (r *recorder) TouchFollowUp(context.Context, store.FollowUp) (bool, error) {
	return false, nil
}

type lanes struct {
	routed []Job
	media  []jobs.Media
	down   bool
}

func (l *lanes) Publish(_ context.Context, j Job) error { l.routed = append(l.routed, j); return nil }
func (l *lanes) PublishMedia(_ context.Context, j jobs.Media) error {
	if l.down {
		return errors.New("queue unavailable")
	}
	l.media = append(l.media, j)
	return nil
}

func TestAStoredMessageWithMediaGetsADownloadJobThatNeverFailsIt(t *testing.T) {
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	in := func(atts ...domain.Attachment) domain.Inbound {
		return domain.Inbound{Provider: "telegram", Channel: domain.ChannelTelegram, Kind: domain.KindMessage, ProviderMessageID: "42:7",
			Identities: []domain.RawIdentity{{Kind: domain.KindTelegram, Value: "42"}}, Text: "ảnh", OccurredAt: time.Now(), Attachments: atts}
	}
	for _, c := range []struct {
		name       string
		in         domain.Inbound
		down       bool
		jobs, owed int
	}{
		{"a photo is queued", in(domain.Attachment{URL: "telegram:file/AgAD"}), false, 1, 0},
		{"no media, no job", in(), false, 0, 0},
		{"a file already in the bucket is not fetched", in(domain.Attachment{URL: "s3://b/k"}), false, 0, 0},
		{"a lane outage parks the job and keeps the message", in(domain.Attachment{URL: "telegram:file/AgAD"}), true, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec, l := &recorder{}, &lanes{down: c.down}
			s := &Service{Store: rec, Jobs: l, Media: l, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
			if _, err := s.Ingest(context.Background(), c.in); err != nil {
				t.Fatalf("the message failed: %v", err)
			}
			if len(l.routed) != 1 || len(l.media) != c.jobs || len(rec.owed) != c.owed {
				t.Fatalf("routed %d, media jobs %d, owed %d", len(l.routed), len(l.media), len(rec.owed))
			}
			if c.jobs == 1 && (l.media[0].TouchpointID != "tp_01" || l.media[0].CustomerID != "cus_01" || l.media[0].Provider != "telegram") {
				t.Fatalf("media job %+v", l.media[0])
			}
			if c.owed == 1 {
				j, err := jobs.Decode(rec.owed[0].Payload)
				if m, ok := j.(jobs.Media); err != nil || !ok || m.TouchpointID != "tp_01" || rec.owed[0].Kind != EffectMedia {
					t.Fatalf("parked %+v: %v", rec.owed[0], err)
				}
			}
		})
	}
}
