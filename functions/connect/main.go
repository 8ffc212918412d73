// Command connect takes Amazon Connect contact-flow invocations and contact
// events. Wiring only; the logic is shared/connect.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/connect"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/urgency"
)

func main() {
	var cfg connect.Config
	awsCfg, log := boot.Start(context.Background(), "connect", &cfg)
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		boot.Fail(log, "urgency config", err)
	}
	st := store.New(awsclient.DynamoDB(awsCfg), cfg.TableName)
	h := &connect.Handler{
		Ingest: &ingest.Service{
			Store:      st,
			Jobs:       queue.Lanes{Client: awsclient.SQS(awsCfg), NormalURL: cfg.RoutingQueueURL, UrgentURL: cfg.UrgentQueueURL},
			Normalizer: domain.Normalizer{DefaultRegion: cfg.DefaultPhoneRegion},
			Scorer:     scorer,
			Log:        log,
		},
		Calls:        st,
		BusinessName: cfg.BusinessName,
		Log:          log,
	}
	lambda.Start(h.Handle)
}
