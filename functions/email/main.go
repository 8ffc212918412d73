// Command email is the Lambda behind the SES receipt rule (its Lambda
// action, or an SNS action's topic). It only wires: configuration, clients,
// the ingest pipeline and the handler in shared/email.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/email"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/urgency"
)

func main() {
	var cfg email.Config
	awsCfg, log := boot.Start(context.Background(), "email", &cfg)
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		boot.Fail(log, "urgency config", err)
	}
	st := store.New(awsclient.DynamoDB(awsCfg), cfg.TableName)
	svc := &ingest.Service{
		Store:      st,
		Jobs:       queue.Lanes{Client: awsclient.SQS(awsCfg), NormalURL: cfg.RoutingQueueURL, UrgentURL: cfg.UrgentQueueURL},
		Normalizer: domain.Normalizer{DefaultRegion: cfg.DefaultPhoneRegion},
		Scorer:     scorer,
		Log:        log,
	}
	lambda.Start(email.New(cfg, awsclient.S3(awsCfg), svc, st, email.WithLogger(log)).Handle)
}
