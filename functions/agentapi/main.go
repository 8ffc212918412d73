// Command agentapi is the Lambda behind the agent API routes (JWT-authorized
// by API Gateway, but POST /feedback/{token}). It only wires: configuration,
// clients, the channel sender, the attachments' link signer and the handler
// in shared/agentapi.
package main

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/attachments"
	"github.com/concierge-cx/concierge/shared/awsclient/ddbclient"
	"github.com/concierge-cx/concierge/shared/awsclient/s3client"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/teams"
	"github.com/concierge-cx/concierge/shared/urgency"
)

func main() {
	var cfg agentapi.FunctionConfig
	awsCfg, log := boot.Start(context.Background(), "agentapi", &cfg)
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		boot.Fail(log, "urgency config", err)
	}
	if err := cfg.API.Loyalty.Validate(); err != nil {
		boot.Fail(log, "loyalty config", err)
	}
	httpClient := &http.Client{Timeout: 10 * time.Second}
	st := store.New(ddbclient.New(awsCfg), cfg.API.TableName, store.WithKeyShards(cfg.API.KeyShards))
	dispatcher := outbound.New(cfg.Send, httpClient, outbound.SESClient(awsCfg), outbound.WithLogger(log), cfg.ZaloTokens.SenderOption(awsCfg), outbound.WithReplyCounter(st))
	out := routing.ChannelSender{Router: dispatcher}
	n, err := notify.ForStage(cfg.Notify, cfg.API.Settings, log)
	if err != nil {
		boot.Fail(log, "notify config", err)
	}
	notes := routing.WebhookNotifier{Notifier: n}
	def, err := cfg.API.DefaultTeamFromEnv()
	if err != nil {
		boot.Fail(log, "SLA_POLICY", err)
	}
	resolver := teams.NewResolver(st, def)
	rcfg := routing.DefaultConfig()
	rcfg.DefaultTeam, rcfg.BusinessName, rcfg.Policy = cfg.API.DefaultTeam, cfg.API.BusinessName, def.SLA
	router := &routing.Router{Store: st, Sender: out, Notifier: notes, Config: rcfg, Teams: resolver, Log: log}
	s3c := s3client.New(awsCfg)
	files := attachments.NewPresigner(s3c, cfg.API.AttachmentsBucket)
	api := agentapi.New(cfg.API, st, out, agentapi.WithTeams(resolver), agentapi.WithAttachments(files), agentapi.WithObjects(attachments.NewObjects(s3c)),
		agentapi.WithReplyPolicy(out.Router), agentapi.WithRouter(router), agentapi.WithNotifier(notes), agentapi.WithScorer(scorer),
		agentapi.WithLogger(log), agentapi.WithVoice(st, dispatcher))
	lambda.Start(api.Handle)
}
