// Command connect takes Amazon Connect contact-flow invocations and contact
// events. Wiring only; the logic is shared/connect.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient/ddbclient"
	"github.com/concierge-cx/concierge/shared/awsclient/sqsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/connect"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/store"
)

func main() {
	var cfg connect.Config
	awsCfg, log := boot.Start(context.Background(), "connect", &cfg)
	st := store.New(ddbclient.New(awsCfg), cfg.TableName, store.WithKeyShards(cfg.KeyShards))
	svc, err := ingest.New(st, queue.Publisher{Client: sqsclient.New(awsCfg), NormalURL: cfg.RoutingQueueURL, UrgentURL: cfg.UrgentQueueURL}, cfg.DefaultPhoneRegion, log)
	if err != nil {
		boot.Fail(log, "urgency config", err)
	}
	queues, err := connect.ParseQueues(cfg.ConnectQueues)
	if err != nil {
		boot.Fail(log, "CONNECT_QUEUES", err)
	}
	// Opt-out keywords and returning erased identities (issue 16).
	svc.Aftercare = ingest.StandardAftercare(st, cfg.OptOutKeywords, log)
	h := &connect.Handler{
		Ingest:       svc,
		Calls:        st,
		BusinessName: cfg.BusinessName,
		Queues:       queues,
		Log:          log,
	}
	lambda.Start(h.Handle)
}
