package stack

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Check applies cdk-nag's AwsSolutions rules to everything in scope: a
// finding that is not suppressed below is an error annotation, which fails
// `cdk synth` and the infra tests.
func Check(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// suppress records, on the resource concerned, why a rule does not apply.
// Each reason says what the rule guards against and what covers it here;
// the tests reject a suppression without a specific reason.
func suppress(b *builder) {
	on := func(c constructs.IConstruct, id, reason string) {
		cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String(id), Reason: jsii.String(reason)},
		}, jsii.Bool(true))
	}
	// An open route that is neither a webhook nor the feedback link gets no
	// suppression: cdk-nag then fails synth until someone writes its reason.
	for key, r := range b.open {
		switch path := strings.SplitN(key, " ", 2)[1]; {
		case strings.HasPrefix(path, "/webhooks/"):
			on(r, "AwsSolutions-APIG4",
				"Provider webhook route: Twilio, Meta, Telegram, Zalo, Vonage and the web chat cannot present a Cognito token; "+
					"the webhooks function verifies each provider's signature (HMAC or secret token) over the raw body "+
					"and answers 401 before parsing, and a provider whose secret is unset is switched off (404).")
		case path == "/feedback/{token}":
			on(r, "AwsSolutions-APIG4",
				"Customer feedback link: customers have no account; the path carries a single-use, expiring token "+
					"that the agent API checks against the table before recording one score.")
		}
	}
	on(b.secret, "AwsSolutions-SMG4",
		"The secret holds provider-issued credentials (Twilio auth token, Meta app secret, Telegram and Zalo keys) "+
			"that can only be rotated in each provider's console; a rotation Lambda cannot mint them. "+
			"The operator rotates them at the provider and puts the new value (see infra/README.md).")
	if b.attach != nil {
		on(b.attach, "AwsSolutions-S1",
			"Attachments are written and read only by Concierge's function roles (no bucket policy grants anyone else), "+
				"under TLS-only, public-access-blocked, bucket-owner-enforced settings; API activity is audited by "+
				"CloudTrail, and an access-log bucket per stage would itself need an exemption from this rule.")
	}
	if b.mail != nil {
		on(b.mail, "AwsSolutions-S1",
			"Only SES writes this bucket (bucket policy bound to this account) and only the mail function reads it, "+
				"under TLS-only, public-access-blocked, bucket-owner-enforced settings; API activity is audited by "+
				"CloudTrail, and an access-log bucket per stage would itself need an exemption from this rule.")
	}
}
