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
	if b.zaloTok != nil {
		on(b.zaloTok, "AwsSolutions-SMG4",
			"The Zalo OA token pair is rotated by Concierge itself: the tokens function renews it every ~13 hours "+
				"under a lease (shared/tokens); Secrets Manager rotation cannot coordinate with Zalo's single-use refresh token.")
	}
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
	if b.console != nil {
		suppressConsole(b, on)
	}
}

// suppressConsole explains the console hosting's exemptions.
func suppressConsole(b *builder, on func(constructs.IConstruct, string, string)) {
	c := b.console
	on(c.dist, "AwsSolutions-CFR1",
		"The console is a static single-page app used by support agents who may work from any country (remote teams, travel); "+
			"nothing is served without sign-in except static files, and every API call needs a Cognito token with TOTP MFA.")
	on(c.dist, "AwsSolutions-CFR2",
		"The distribution serves only static files from a private bucket (GET/HEAD, no origin logic to attack); the API it calls "+
			"is a separate HTTP API with stage throttling and a JWT authorizer. A WAF web ACL (us-east-1, billed monthly) adds "+
			"nothing to a GET of public static files; an operator who wants one can attach it to the distribution.")
	if b.cfg.ConsoleCertificateARN == "" {
		on(c.dist, "AwsSolutions-CFR4",
			"Without a custom console domain the distribution uses the default *.cloudfront.net certificate, whose security "+
				"policy CloudFront fixes at TLSv1; browsers negotiate TLS 1.2/1.3 with it. Deploy with -c consoleOrigin=https://... "+
				"-c consoleCertificateArn=<us-east-1 ACM ARN> to enforce TLSv1.2_2021.")
	}
	if c.deployment == nil {
		return
	}
	for _, child := range *b.stack.Node().Children() {
		if strings.HasPrefix(*child.Node().Id(), "Custom::CDKBucketDeployment") {
			on(child, "AwsSolutions-L1",
				"CDK's BucketDeployment handler (aws-cdk-lib's own code, Python) pins the runtime it is tested with; it runs only "+
					"during a deploy to copy the console's files, never on a request path, and moves with the aws-cdk-lib version.")
		}
	}
	bucketID := *b.stack.GetLogicalId(c.bucket.Node().DefaultChild().(awscdk.CfnElement))
	cdknag.NagSuppressions_AddResourceSuppressions(b.stack.Node().FindChild(jsii.String("ConsoleDeploymentRole")), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("CDK's BucketDeployment grants its upload function: read of its own zipped assets in the CDK assets " +
			"bucket, object read/write/delete in the console bucket (it syncs and prunes files whose names the build decides), " +
			"and CloudFront invalidation, which CDK grants on * for the distribution it invalidates. The role serves only this deploy-time copy."),
		AppliesTo: &[]interface{}{
			"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
			"Resource::<" + bucketID + ".Arn>/*",
			"Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
			"Resource::*",
		},
	}}, jsii.Bool(true))
}
