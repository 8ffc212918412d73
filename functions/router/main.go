// Command router consumes the urgent and normal routing lanes (one binary,
// deployed once per lane): it prioritizes, assigns and acknowledges each
// inbound message. Wiring only; the logic is shared/routing.
package main

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient/ddbclient"
	"github.com/concierge-cx/concierge/shared/awsclient/s3client"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/media"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
)

func main() {
	var cfg routing.FunctionConfig
	awsCfg, log := boot.Start(context.Background(), "router", &cfg)
	rcfg, err := cfg.Routing()
	if err != nil {
		boot.Fail(log, "SLA_POLICY", err)
	}
	st := store.New(ddbclient.New(awsCfg), cfg.TableName, store.WithKeyShards(cfg.KeyShards))
	resolver, err := cfg.Teams(st)
	if err != nil {
		boot.Fail(log, "DEFAULT_TEAM", err)
	}
	notes, err := notify.ForStage(cfg.Notify, cfg.Settings, log)
	if err != nil {
		boot.Fail(log, "notify config", err)
	}
	r := &routing.Router{
		Store:    st,
		Teams:    resolver,
		Sender:   routing.ChannelSender{Router: outbound.New(cfg.Send, &http.Client{Timeout: 10 * time.Second}, outbound.SESClient(awsCfg), outbound.WithLogger(log), cfg.ZaloTokens.SenderOption(awsCfg), outbound.WithReplyCounter(st))},
		Notifier: routing.WebhookNotifier{Notifier: notes},
		Config:   rcfg,
		Log:      log,
		// A job whose effects still fail on its last delivery is owed in the table for the SLA sweep.
		Parking:     st,
		MaxReceives: cfg.MaxReceives,
	}
	if cfg.AttachmentsBucket != "" {
		r.Media = &media.Downloader{
			Store: st, S3: s3client.New(awsCfg), Bucket: cfg.AttachmentsBucket, MaxBytes: cfg.MediaMaxBytes,
			Fetch: media.New(cfg.Send, &http.Client{Timeout: 20 * time.Second}),
			Auth:  outbound.AuthAlarm{}, Log: log,
		}
	}
	lambda.Start(r.HandleSQS)
}
