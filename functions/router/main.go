// Command router consumes the urgent and normal routing lanes (one binary,
// deployed twice): it prioritizes, assigns and acknowledges each inbound
// message. Wiring only; the logic is shared/routing.
package main

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/send"
	"github.com/concierge-cx/concierge/shared/store"
)

func main() {
	var cfg routing.FunctionConfig
	awsCfg, log := boot.Start(context.Background(), "router", &cfg)
	rcfg, err := cfg.Routing()
	if err != nil {
		boot.Fail(log, "SLA_POLICY", err)
	}
	httpClient := &http.Client{Timeout: 10 * time.Second}
	notifier, err := notify.New(cfg.Notify, httpClient, notify.WithLogger(log))
	if err != nil {
		boot.Fail(log, "notify config", err)
	}
	r := &routing.Router{
		Store:    store.New(awsclient.DynamoDB(awsCfg), cfg.TableName),
		Sender:   routing.ChannelSender{Router: send.New(cfg.Send, httpClient, send.SESClient(awsCfg), send.WithLogger(log))},
		Notifier: routing.WebhookNotifier{Notifier: notifier},
		Config:   rcfg,
		Log:      log,
	}
	lambda.Start(r.HandleSQS)
}
