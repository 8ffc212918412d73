package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/tokens"
)

// ZaloTokenSecretEnv carries the Zalo token secret's ARN to the functions
// that send on Zalo (read) and to the tokens function (read and write).
const ZaloTokenSecretEnv = "ZALO_TOKEN_SECRET_ARN"

// TokensFunction renews the Zalo OA tokens (shared/tokens); only it may
// write their secret.
const TokensFunction = "tokens"

// zaloTokenSecret is the secret that holds the Zalo OA token pair, made on
// first use. It is apart from the provider secret: the renewal rewrites it
// daily, and nothing else may write anything. An operator stores the first
// pair after authorizing the OA (README, "Zalo tokens").
func (b *builder) zaloTokenSecret(f Function, role awsiam.Role) *string {
	if b.zaloTok == nil {
		b.zaloTok = awssecretsmanager.NewSecret(b.stack, jsii.String("ZaloTokens"), &awssecretsmanager.SecretProps{
			Description:   jsii.String("Concierge " + b.cfg.Stage + ": the Zalo OA access and refresh tokens, renewed by the tokens function"),
			RemovalPolicy: b.removal(),
		})
	}
	actions := []string{"secretsmanager:GetSecretValue"}
	if f.Name == TokensFunction {
		actions = append(actions, "secretsmanager:PutSecretValue")
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings(actions...), Resources: &[]*string{b.zaloTok.SecretArn()},
	}))
	return b.zaloTok.SecretArn()
}

// AuthAlarmProviders are the providers whose refusals of our token raise
// an alarm (outbound.AuthFailureMetric, dimension Provider).
var AuthAlarmProviders = []string{outbound.ProviderMeta, outbound.ProviderTelegram, outbound.ProviderZalo, outbound.ProviderTwilio, outbound.ProviderVonage}

// tokenAlarms: a failed Zalo token renewal, a Zalo token within a day of
// expiry, and any provider refusing our credentials.
func (b *builder) tokenAlarms() {
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	metric := func(name string, dims map[string]*string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("Concierge"), MetricName: jsii.String(name), DimensionsMap: &dims,
			Period: minute, Statistic: jsii.String("Sum"),
		})
	}
	b.alarm("ZaloTokenRefreshFailed", "the Zalo OA token renewal failed (Concierge/"+tokens.RefreshFailureMetric+"): Zalo replies stop when the access token expires",
		metric(tokens.RefreshFailureMetric, nil), 0)
	b.alarm("ZaloTokenExpiring", "a Zalo OA token is within a day of expiry (Concierge/"+tokens.ExpiringMetric+"): re-authorize the OA",
		metric(tokens.ExpiringMetric, nil), 0)
	for _, p := range AuthAlarmProviders {
		b.alarm("AuthFailures"+exportName(p), p+" refused our credentials (Concierge/"+outbound.AuthFailureMetric+"): check its token",
			metric(outbound.AuthFailureMetric, map[string]*string{"Provider": jsii.String(p)}), 0)
	}
}
