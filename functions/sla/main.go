// Command sla is the SLA sweeper, run every minute by an EventBridge
// schedule: it warns before a breach, escalates on one, and performs the
// side effects still owed (a resolve's survey among them). Wiring only.
package main

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient/ddbclient"
	"github.com/concierge-cx/concierge/shared/awsclient/sqsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/feedback"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/outbound"
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
	st := store.New(ddbclient.New(awsCfg), cfg.TableName, store.WithKeyShards(cfg.KeyShards))
	resolver, err := cfg.Teams(st)
	if err != nil {
		boot.Fail(log, "DEFAULT_TEAM", err)
	}
	surveys := &feedback.Surveys{Store: st, Log: log,
		Sender: routing.ChannelSender{Router: outbound.New(cfg.Send, &http.Client{Timeout: 10 * time.Second}, outbound.SESClient(awsCfg), outbound.WithLogger(log))}}
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
		Effects:  map[string]func(context.Context, store.OwedEffect) error{feedback.EffectSurvey: surveys.Perform},
	}
	if cfg.RoutingQueueURL != "" || cfg.UrgentQueueURL != "" {
		lanes := queue.Publisher{Client: sqsclient.New(awsCfg), NormalURL: cfg.RoutingQueueURL, UrgentURL: cfg.UrgentQueueURL}
		// Escalations go to the urgent lane (PublishUrgent), where the router
		// assigns them at once; parked jobs go back to their own lanes.
		sw.Escalator = lanes
		if cfg.RoutingQueueURL != "" {
			sw.Lanes = lanes
		}
	}
	lambda.Start(sw.HandleSchedule)
}
