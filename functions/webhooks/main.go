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
	"github.com/concierge-cx/concierge/shared/feedback"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/teams"
	"github.com/concierge-cx/concierge/shared/webhook"
)

func main() {
	var cfg webhook.Config
	awsCfg, log := boot.Start(context.Background(), "webhooks", &cfg)
	st := store.New(ddbclient.New(awsCfg), cfg.TableName, store.WithKeyShards(cfg.KeyShards))
	svc, err := ingest.New(st, queue.Publisher{Client: sqsclient.New(awsCfg), NormalURL: cfg.RoutingQueueURL, UrgentURL: cfg.UrgentQueueURL}, cfg.DefaultPhoneRegion, log)
	if err != nil {
		boot.Fail(log, "urgency config", err)
	}
	// A bare "1"-"5" reply to a satisfaction survey is recorded as the score.
	notes, err := notify.ForStage(cfg.Notify, cfg.Settings, log)
	if err != nil {
		boot.Fail(log, "notify config", err)
	}
	def, err := teams.FromEnv(cfg.DefaultTeam, cfg.SLAPolicy, nil)
	if err != nil {
		boot.Fail(log, "SLA_POLICY", err)
	}
	svc.Surveys = &feedback.Recorder{Store: st, Teams: teams.NewResolver(st, def), SupervisorTeam: cfg.SupervisorTeam,
		Notifier: routing.WebhookNotifier{Notifier: notes}, Log: log}
	lambda.Start(webhook.New(cfg, svc, st, webhook.WithLogger(log)).Handle)
}
