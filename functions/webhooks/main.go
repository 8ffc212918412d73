// Command webhooks is the Lambda behind every chat and phone provider's
// webhook route. It only wires: configuration, clients, the ingest pipeline
// and the handler in shared/webhook.
package main

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/awsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/urgency"
	"github.com/concierge-cx/concierge/shared/webhook"
)

func main() {
	var cfg webhook.Config
	awsCfg, log := boot.Start(context.Background(), "webhooks", &cfg)
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		boot.Fail(log, "urgency config", err)
	}
	notifier, err := notify.New(cfg.Notify, &http.Client{Timeout: 5 * time.Second}, notify.WithLogger(log))
	if err != nil {
		boot.Fail(log, "notify config", err)
	}
	st := store.New(awsclient.DynamoDB(awsCfg), cfg.TableName)
	svc := &ingest.Service{
		Store:      st,
		Jobs:       queue.Lanes{Client: awsclient.SQS(awsCfg), NormalURL: cfg.RoutingQueueURL, UrgentURL: cfg.UrgentQueueURL},
		Normalizer: domain.Normalizer{DefaultRegion: cfg.DefaultPhoneRegion},
		Scorer:     scorer,
		Surveys: &agentapi.Feedback{Store: st, Policy: sla.DefaultPolicy(), SupervisorTeam: cfg.SupervisorTeam,
			Notifier: routing.WebhookNotifier{Notifier: notifier}, Log: log},
		Log: log,
	}
	lambda.Start(webhook.New(cfg, svc, st, webhook.WithLogger(log)).Handle)
}
