// Command webhooks is the Lambda behind every chat and phone provider's
// webhook route. It only wires: configuration, clients, the ingest pipeline
// and the handler in shared/webhook.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/envconfig"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/urgency"
	"github.com/concierge-cx/concierge/shared/webhook"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	var cfg webhook.Config
	if err := envconfig.Load(&cfg); err != nil {
		log.Error("cold start", "error", err.Error())
		os.Exit(1)
	}
	ctx := context.Background()
	awsCfg, err := awsclient.Load(ctx)
	if err != nil {
		log.Error("cold start: aws config", "error", err.Error())
		os.Exit(1)
	}
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		log.Error("cold start: urgency config", "error", err.Error())
		os.Exit(1)
	}
	st := store.New(awsclient.DynamoDB(awsCfg), cfg.TableName)
	svc := &ingest.Service{
		Store:      st,
		Jobs:       queue.Lanes{Client: awsclient.SQS(awsCfg), NormalURL: cfg.RoutingQueueURL, UrgentURL: cfg.UrgentQueueURL},
		Normalizer: domain.Normalizer{DefaultRegion: cfg.DefaultPhoneRegion},
		Scorer:     scorer,
		Log:        log,
	}
	lambda.Start(webhook.New(cfg, svc, st, webhook.WithLogger(log)).Handle)
}
