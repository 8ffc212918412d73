package ingest

import (
	"log/slog"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/urgency"
)

// Storage is what the pipeline needs of the store: recording, merging and
// customer profiles (*store.Store in production).
type Storage interface {
	Recorder
	Merger
	Profiles
}

// New builds the pipeline every inbound function (webhooks, email, Connect)
// shares: st records, jobs publishes routing jobs (queue.Publisher in
// production), phone numbers default to phoneRegion, and urgency is scored
// with the default lexicon.
func New(st Storage, jobs Publisher, phoneRegion string, log *slog.Logger) (*Service, error) {
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		return nil, err
	}
	return &Service{
		Store:      st,
		Merger:     st,
		Profiles:   st,
		Jobs:       jobs,
		Normalizer: domain.Normalizer{DefaultRegion: phoneRegion},
		Scorer:     scorer,
		Log:        log,
	}, nil
}
