// Command sla is the SLA sweeper, run every minute by an EventBridge
// schedule: it warns before a breach and escalates on one. Wiring only.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
)

func main() {
	var cfg routing.SweeperConfig
	awsCfg, log := boot.Start(context.Background(), "sla", &cfg)
	rcfg, err := cfg.Routing()
	if err != nil {
		boot.Fail(log, "SLA_POLICY", err)
	}
	st := store.New(awsclient.DynamoDB(awsCfg), cfg.TableName)
	resolver, err := cfg.Teams(st)
	if err != nil {
		boot.Fail(log, "DEFAULT_TEAM", err)
	}
	notes, err := notify.ForStage(cfg.Notify, cfg.Settings, log)
	if err != nil {
		boot.Fail(log, "notify config", err)
	}
	sw := &routing.Sweeper{
		Store:    st,
		Teams:    resolver,
		Notifier: routing.WebhookNotifier{Notifier: notes},
		Config:   rcfg,
		Log:      log,
	}
	if cfg.RoutingQueueURL != "" || cfg.UrgentQueueURL != "" {
		lanes := queue.Publisher{Client: awsclient.SQS(awsCfg), NormalURL: cfg.RoutingQueueURL, UrgentURL: cfg.UrgentQueueURL}
		// Escalations go to the urgent lane (PublishUrgent), where the router
		// assigns them at once; parked jobs go back to their own lanes.
		sw.Escalator = lanes
		if cfg.RoutingQueueURL != "" {
			sw.Lanes = lanes
		}
	}
	lambda.Start(sw.HandleSchedule)
}
