// Package boot is every function's cold start: a JSON logger, the provider
// secrets from Secrets Manager into the environment, the function's config
// from the environment (one error naming every bad variable), and the AWS
// config. A function that cannot start says why in one log line and exits,
// which Lambda reports as an init error.
package boot

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/concierge-cx/concierge/shared/awsclient"
	"github.com/concierge-cx/concierge/shared/envconfig"
	"github.com/concierge-cx/concierge/shared/secrets"
)

// Start loads cfg (a pointer to an envconfig struct) and returns the AWS
// config and the logger.
func Start(ctx context.Context, function string, cfg any) (aws.Config, *slog.Logger) {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", function)
	awsCfg, err := awsclient.Load(ctx)
	if err != nil {
		fail(log, "aws config", err)
	}
	if os.Getenv(secrets.EnvVar) != "" {
		set, err := secrets.LoadIntoEnv(ctx, secretsmanager.NewFromConfig(awsCfg), cfg)
		if err != nil {
			fail(log, "secrets", err)
		}
		log.Info("secrets loaded", "names", set)
	}
	if err := envconfig.Load(cfg); err != nil {
		fail(log, "configuration", err)
	}
	return awsCfg, log
}

// Fail logs a cold-start failure and exits.
func Fail(log *slog.Logger, what string, err error) { fail(log, what, err) }

func fail(log *slog.Logger, what string, err error) {
	log.Error("cold start failed", "step", what, "error", err.Error())
	os.Exit(1)
}
