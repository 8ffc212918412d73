// Command tokens renews the Zalo OA access token on a schedule, under a
// lease so that two runs never spend the single-use refresh token twice.
// Wiring only; the logic is shared/tokens.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/concierge-cx/concierge/shared/awsclient/ddbclient"
	"github.com/concierge-cx/concierge/shared/boot"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/tokens"
)

func main() {
	var cfg tokens.FunctionConfig
	awsCfg, log := boot.Start(context.Background(), "tokens", &cfg)
	vault := cfg.Tokens.Vault(awsCfg)
	r := &tokens.Refresher{
		Vault: vault, Leases: store.New(ddbclient.New(awsCfg), cfg.TableName), Endpoint: cfg.Endpoint(),
		RenewBefore: cfg.RenewBefore, LeaseTTL: 4 * tokens.FunctionTimeout, Log: log,
	}
	lambda.Start(func(ctx context.Context, _ events.EventBridgeEvent) error {
		if vault == nil {
			log.Info("no Zalo token store configured (ZALO_TOKEN_SECRET_ARN or ZALO_TOKEN_FILE); nothing to renew")
			return nil
		}
		out, err := r.Run(ctx)
		log.Info("zalo token run", "outcome", string(out))
		return err
	})
}
