// Package secrets puts provider secrets into the environment at cold start.
// In AWS the stack stores them in one Secrets Manager secret, a JSON object
// whose keys are the environment variable names (TWILIO_AUTH_TOKEN, ...), and
// passes its ARN as SECRETS_ARN; locally they come from the environment. So
// every function loads its config the same way, with envconfig, afterwards.
// A function takes from the shared secret only the keys its own config
// declares secret: the SLA sweeper never holds a provider token.
package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/concierge-cx/concierge/shared/envconfig"
)

// EnvVar names the secret to load.
const EnvVar = "SECRETS_ARN"

// Getter is the one Secrets Manager call this package makes.
type Getter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// LoadIntoEnv reads the secret named by SECRETS_ARN, if set, and sets each of
// its keys that cfg (a pointer to the function's envconfig struct) declares
// secret as an environment variable that is not already set (an explicit
// environment wins, which keeps local overrides simple). Other keys are left
// out. It returns the names it set, never their values.
func LoadIntoEnv(ctx context.Context, sm Getter, cfg any) ([]string, error) {
	arn := os.Getenv(EnvVar)
	if arn == "" {
		return nil, nil
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("secrets: read %s: %w", EnvVar, err)
	}
	var values map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &values); err != nil {
		return nil, fmt.Errorf("secrets: %s must be a JSON object of strings: %v", EnvVar, err)
	}
	declared := envconfig.Secrets(cfg)
	var set []string
	for k, v := range values {
		if !slices.Contains(declared, k) {
			continue
		}
		if _, exists := os.LookupEnv(k); exists || v == "" {
			continue
		}
		if err := os.Setenv(k, v); err != nil {
			return set, err
		}
		set = append(set, k)
	}
	return set, nil
}
