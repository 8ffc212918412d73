// Command sla is the SLA sweeper, run every minute by an EventBridge
// schedule: it warns before a breach and escalates on one. Wiring only.
package main

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
)

func main() {
	var cfg routing.FunctionConfig
	awsCfg, log := boot.Start(context.Background(), "sla", &cfg)
	rcfg, err := cfg.Routing()
	if err != nil {
		boot.Fail(log, "SLA_POLICY", err)
	}
	notifier, err := notify.New(cfg.Notify, &http.Client{Timeout: 10 * time.Second}, notify.WithLogger(log))
	if err != nil {
		boot.Fail(log, "notify config", err)
	}
	sw := &routing.Sweeper{
		Store:    store.New(awsclient.DynamoDB(awsCfg), cfg.TableName),
		Notifier: routing.WebhookNotifier{Notifier: notifier},
		Config:   rcfg,
		Log:      log,
	}
	if cfg.UrgentQueueURL != "" {
		sw.Escalator = queue.Lanes{Client: awsclient.SQS(awsCfg), NormalURL: cfg.UrgentQueueURL, UrgentURL: cfg.UrgentQueueURL}
	}
	lambda.Start(sw.HandleSchedule)
}
