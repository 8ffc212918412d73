// Command connect takes Amazon Connect contact-flow invocations and contact
// events. Wiring only; the logic is shared/connect.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/connect"
	"github.com/concierge-cx/concierge/shared/store"
)

func main() {
	var cfg connect.Config
	awsCfg, log := boot.Start(context.Background(), "connect", &cfg)
	st := store.New(awsclient.DynamoDB(awsCfg), cfg.TableName)
	h := &connect.Handler{
		Ingest:       boot.Ingest(awsCfg, st, boot.Lanes{NormalURL: cfg.RoutingQueueURL, UrgentURL: cfg.UrgentQueueURL}, cfg.DefaultPhoneRegion, log),
		Calls:        st,
		BusinessName: cfg.BusinessName,
		Log:          log,
	}
	lambda.Start(h.Handle)
}
