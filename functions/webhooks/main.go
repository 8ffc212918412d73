// Command webhooks is the Lambda behind every chat and phone provider's
// webhook route. It only wires: configuration, clients, the ingest pipeline
// and the handler in shared/webhook.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient/ddbclient"
	"github.com/concierge-cx/concierge/shared/awsclient/sqsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/feedback"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/loyalty"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/teams"
	"github.com/concierge-cx/concierge/shared/voice"
	"github.com/concierge-cx/concierge/shared/webhook"
)

func main() {
	var cfg webhook.Config
	awsCfg, log := boot.Start(context.Background(), "webhooks", &cfg)
	st := store.New(ddbclient.New(awsCfg), cfg.TableName, store.WithKeyShards(cfg.KeyShards))
	lanes := queue.Publisher{Client: sqsclient.New(awsCfg), NormalURL: cfg.RoutingQueueURL, UrgentURL: cfg.UrgentQueueURL}
	svc, err := ingest.New(st, lanes, cfg.DefaultPhoneRegion, log)
	if err != nil {
		boot.Fail(log, "urgency config", err)
	}
	// Opt-out keywords and returning erased identities (issue 16).
	svc.Aftercare = ingest.StandardAftercare(st, cfg.OptOutKeywords, log)
	// The router downloads the media of stored messages (shared/media).
	svc.Media = lanes
	// A bare "1"-"5" reply to a satisfaction survey is recorded as the score.
	notes, err := notify.ForStage(cfg.Notify, cfg.Settings, log)
	if err != nil {
		boot.Fail(log, "notify config", err)
	}
	def, err := teams.FromEnv(cfg.DefaultTeam, cfg.SLAPolicy, nil)
	if err != nil {
		boot.Fail(log, "SLA_POLICY", err)
	}
	resolver := teams.NewResolver(st, def)
	svc.Surveys = &feedback.Recorder{Store: st, Teams: resolver, SupervisorTeam: cfg.SupervisorTeam,
		Notifier: routing.WebhookNotifier{Notifier: notes}, Log: log}
	calls := &voice.Service{Store: st, Ingest: svc, Teams: resolver, Config: cfg.VoiceConfig(), Log: log}
	opts := []webhook.Option{webhook.WithLogger(log), webhook.WithVoice(calls)}
	if cfg.OrderWebhookSecret != "" {
		rates, err := cfg.Loyalty.Rates()
		if err != nil {
			boot.Fail(log, "CURRENCY_RATES", err)
		}
		opts = append(opts, webhook.WithOrders(&loyalty.OrderWebhook{Secret: cfg.OrderWebhookSecret,
			Purchases: &loyalty.Purchases{Store: st, Rates: rates}, Buyers: st,
			Normalizer: domain.Normalizer{DefaultRegion: cfg.DefaultPhoneRegion}, Log: log}))
	}
	lambda.Start(webhook.New(cfg, svc, st, opts...).Handle)
}
