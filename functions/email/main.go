// Command email is the Lambda behind the SES receipt rule (its Lambda
// action, or an SNS action's topic). It only wires: configuration, clients,
// the ingest pipeline and the handler in shared/email.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient/ddbclient"
	"github.com/concierge-cx/concierge/shared/awsclient/s3client"
	"github.com/concierge-cx/concierge/shared/awsclient/sqsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/email"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/store"
)

func main() {
	var cfg email.Config
	awsCfg, log := boot.Start(context.Background(), "email", &cfg)
	st := store.New(ddbclient.New(awsCfg), cfg.TableName, store.WithKeyShards(cfg.KeyShards))
	svc, err := ingest.New(st, queue.Publisher{Client: sqsclient.New(awsCfg), NormalURL: cfg.RoutingQueueURL, UrgentURL: cfg.UrgentQueueURL}, cfg.DefaultPhoneRegion, log)
	if err != nil {
		boot.Fail(log, "urgency config", err)
	}
	// Opt-out keywords and returning erased identities (issue 16).
	svc.Aftercare = ingest.StandardAftercare(st, cfg.OptOutKeywords, log)
	lambda.Start(email.New(cfg, s3client.New(awsCfg), svc, st, email.WithLogger(log)).Handle)
}
