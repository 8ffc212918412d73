package boot

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/concierge-cx/concierge/shared/awsclient"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/urgency"
)

// Lanes names the routing queues an inbound function publishes to.
type Lanes struct {
	NormalURL, UrgentURL string
}

// Ingest builds the ingest pipeline every inbound function (webhooks, email,
// Connect) shares: the store, the urgency scorer and the SQS lanes.
func Ingest(awsCfg aws.Config, st *store.Store, lanes Lanes, phoneRegion string, log *slog.Logger) *ingest.Service {
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		fail(log, "urgency config", err)
	}
	return &ingest.Service{
		Store:      st,
		Merger:     st,
		Profiles:   st,
		Jobs:       queue.Publisher{Client: awsclient.SQS(awsCfg), NormalURL: lanes.NormalURL, UrgentURL: lanes.UrgentURL},
		Normalizer: domain.Normalizer{DefaultRegion: phoneRegion},
		Scorer:     scorer,
		Log:        log,
	}
}

// Notifier builds the agents' notification webhook (a no-op when its URL is
// unset), writing times in the stage's time zone.
func Notifier(cfg notify.Config, st stage.Settings, log *slog.Logger) routing.WebhookNotifier {
	cfg.TimeZone = st.TimeZone
	n, err := notify.New(cfg, &http.Client{Timeout: 10 * time.Second}, notify.WithLogger(log))
	if err != nil {
		fail(log, "notify config", err)
	}
	return routing.WebhookNotifier{Notifier: n}
}
