// Command sla is the SLA sweeper, run every minute by an EventBridge
// schedule: it warns before a breach, escalates on one, and performs the
// side effects still owed (a resolve's survey among them). Wiring only.
package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient/ddbclient"
	"github.com/concierge-cx/concierge/shared/awsclient/sqsclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/feedback"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/loyalty"
	"github.com/concierge-cx/concierge/shared/media"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/winback"
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
		Sender: routing.ChannelSender{Router: outbound.New(cfg.Send, &http.Client{Timeout: 10 * time.Second}, outbound.SESClient(awsCfg), outbound.WithLogger(log), cfg.ZaloTokens.SenderOption(awsCfg), outbound.WithReplyCounter(st))}}
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
			sw.Effects[ingest.EffectMedia] = media.Republish(lanes)
		}
	}
	rates, err := cfg.Loyalty.Rates()
	if err != nil {
		boot.Fail(log, "CURRENCY_RATES", err)
	}
	th, err := cfg.Loyalty.Thresholds()
	if err != nil {
		boot.Fail(log, "tier thresholds", err)
	}
	tiers := &loyalty.Tiering{Store: st, Thresholds: th, Currency: rates.Business, Log: log}
	// The day's win-back list, once a day, from the same minute schedule.
	daily := &winback.Daily{Job: &winback.Job{Store: st, Config: winback.Config{SingleOrderDays: cfg.WinbackSingleOrderDays}, Log: log}, Leases: st}
	// Every minute the sweep; once a day, under a lease, the value tiers and then the win-back list.
	lambda.Start(daily.After(func(ctx context.Context, ev events.EventBridgeEvent) error {
		err := sw.HandleSchedule(ctx, ev)
		_, terr := tiers.Daily(ctx, st)
		return errors.Join(err, terr)
	}))
}
