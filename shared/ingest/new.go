package ingest

import (
	"log/slog"

	"github.com/concierge-cx/concierge/shared/consent"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/rights"
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

// AftercareStore is what the standard aftercare needs (*store.Store).
type AftercareStore interface {
	consent.Store
	rights.Store
}

// StandardAftercare is what every inbound function runs after a message is
// stored: an opt-out keyword (the built-in ones and extra, OPT_OUT_KEYWORDS)
// opts the sender out on the channel, and a new customer whose identity was
// erased before gets a note saying so.
func StandardAftercare(st AftercareStore, extraKeywords []string, log *slog.Logger) []Aftercare {
	return []Aftercare{
		&consent.Watcher{Store: st, Keywords: consent.NewKeywords(extraKeywords...), Log: log},
		&rights.Returning{Store: st, Log: log},
	}
}
