// Package stack is Concierge's CDK stack: the one table, the routing lanes,
// the functions, the HTTP API with its Cognito JWT authorizer, SES receiving,
// schedules, the secret, the alarms and the agents' console (console.go:
// S3 behind CloudFront, the Cognito hosted UI). Everything it can derive from the
// root module it derives: the table from shared/store/table, each function's
// environment from its envconfig struct, the webhook routes from the handler.
package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssesactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/concierge-cx/concierge/shared/email"
	"github.com/concierge-cx/concierge/shared/envconfig"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// SecretsARNEnv is the variable that tells a function with secret settings
// where to read them: a Secrets Manager secret whose value is a JSON object
// keyed by environment name ({"TWILIO_AUTH_TOKEN": "...", ...}).
const SecretsARNEnv = "SECRETS_ARN"

// generatedSecret is the one secret the stack generates at deploy (web chat
// is Concierge's own channel, so its signing key is ours to make); the
// provider-issued ones are set by the operator.
const generatedSecret = "WEBCHAT_SIGNING_SECRET"

// Stack is the synthesized stack and the handles tests and main need.
type Stack struct {
	awscdk.Stack
	Config    Config
	Functions map[string]awslambda.Function
	// Deployed are the entries of Functions() this stage deploys (without
	// the email function when email receiving is off).
	Deployed []Function
	// Notes say what the stage left out and why; main prints them.
	Notes []string
	b     *builder
}

// builder carries the shared resources while the stack is assembled.
type builder struct {
	stack     awscdk.Stack
	cfg       Config
	table     awsdynamodb.Table
	lanes     map[string]awssqs.Queue // by queue.Lane.EnvVar
	laneDLQs  map[string]awssqs.Queue
	attach    awss3.Bucket
	asyncDLQ  awssqs.Queue
	mail      awss3.Bucket
	secret    awssecretsmanager.Secret
	api       awsapigatewayv2.HttpApi
	publicURL *string
	topic     awssns.Topic
	fns       map[string]awslambda.Function
	open      map[string]awsapigatewayv2.HttpRoute // routes without the JWT authorizer, by path
	pool      awscognito.UserPool
	client    awscognito.UserPoolClient
	console   *consoleHosting
	problems  []string
	notes     []string
	zaloTok   awssecretsmanager.Secret // the Zalo OA token pair (tokens.go)
}

var stageName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,20}$`)

// New builds the stack Concierge-<stage> in app.
func New(app constructs.Construct, cfg Config) (*Stack, error) {
	if !stageName.MatchString(cfg.Stage) {
		return nil, fmt.Errorf("stage %q: want lower-case letters, digits and dashes, starting with a letter", cfg.Stage)
	}
	if (cfg.DomainName == "") != (cfg.CertificateARN == "") {
		return nil, fmt.Errorf("a custom domain needs both context %s and %s", CtxDomainName, CtxCertificateARN)
	}
	if _, ok := retentionDays[cfg.LogRetentionDays]; !ok {
		return nil, fmt.Errorf("context %s: %d is not a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)", CtxLogRetentionDays, cfg.LogRetentionDays)
	}
	if err := checkConsole(cfg); err != nil {
		return nil, err
	}
	fns, notes, err := deployed(cfg)
	if err != nil {
		return nil, err
	}
	if err := checkLanes(fns); err != nil {
		return nil, err
	}
	if err := checkAssets(cfg.AssetDir, fns); err != nil {
		return nil, err
	}
	st := awscdk.NewStack(app, jsii.String("Concierge-"+cfg.Stage), &awscdk.StackProps{
		Description: jsii.String("Concierge contact center, stage " + cfg.Stage),
		// Environment-agnostic on purpose: account and region stay tokens,
		// so synth needs no credentials and makes no lookups.
	})
	awscdk.Tags_Of(st).Add(jsii.String("concierge:stage"), jsii.String(cfg.Stage), nil)

	b := &builder{stack: st, cfg: cfg, fns: map[string]awslambda.Function{}, notes: notes}
	b.alarmTopic()
	b.buildTable()
	b.buildLanes(fns)
	b.buildSecret(fns)
	b.buildBuckets(fns)
	b.buildConsole()
	b.buildAPI()
	for _, f := range fns {
		b.buildFunction(f)
	}
	b.buildRoutes()
	if err := b.deployConsole(b.client); err != nil {
		return nil, err
	}
	b.buildLaneConsumers(fns)
	b.buildMailReceiving(fns)
	b.buildEventRules(fns)
	b.queueAlarms()
	b.outageAlarms()
	b.tokenAlarms()
	b.outputs(fns)
	if len(b.problems) > 0 {
		return nil, fmt.Errorf("stack %s: %s", cfg.Stage, strings.Join(b.problems, "; "))
	}
	suppress(b)
	return &Stack{Stack: st, Config: cfg, Functions: b.fns, Deployed: fns, Notes: b.notes, b: b}, nil
}

// deployed is Functions() for this stage: email receiving (the SES rule,
// the mail buckets and the email function) needs both the addresses and
// the reply domain, and is left out, with a note, when neither is given or
// -c email=false says so. Half a configuration is an error naming the key.
func deployed(cfg Config) ([]Function, []string, error) {
	hasTo, hasDomain := len(cfg.Recipients) > 0, cfg.Settings["REPLY_DOMAIN"] != ""
	var missing []string
	if !hasTo {
		missing = append(missing, "-c "+CtxRecipients+"=support@shop.vn")
	}
	if !hasDomain {
		missing = append(missing, "-c REPLY_DOMAIN=mail.shop.vn")
	}
	mail := false
	switch {
	case cfg.Email == "false":
	case hasTo && hasDomain:
		mail = true
	case cfg.Email == "true" || hasTo || hasDomain:
		return nil, nil, fmt.Errorf("email receiving needs %s (or -c %s=false to deploy without it)", strings.Join(missing, " and "), CtxEmail)
	}
	var out []Function
	var notes []string
	for _, f := range Functions() {
		if f.ReceivesMail && !mail {
			notes = append(notes, fmt.Sprintf("email receiving off: no SES receipt rule, mail buckets or %s function "+
				"(to receive mail, deploy with -c %s=support@shop.vn -c REPLY_DOMAIN=mail.shop.vn)", f.Name, CtxRecipients))
			continue
		}
		out = append(out, f)
	}
	return out, notes, nil
}

// SettingNames lists the plain settings a stage may give by context: every
// non-secret environment name of a function that no resource of the stack
// provides.
func SettingNames() []string {
	seen := map[string]bool{}
	for _, f := range Functions() {
		secret := envconfig.Secrets(f.Config)
		for _, n := range envconfig.Names(f.Config) {
			if !slices.Contains(secret, n) && !wired[n] {
				seen[n] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// wired are the environment names a resource of the stack provides; their
// permissions come with them (see builder.bind).
var wired = map[string]bool{
	"TABLE_NAME": true, "PUBLIC_BASE_URL": true, "SUPPORT_ADDRESSES": true, "STAGE": true, "AWS_REGION": true,
	queue.Urgent.EnvVar: true, queue.Normal.EnvVar: true,
	email.RawMail.EnvVar: true, email.RawMailPrefixEnv: true, email.Attachments.EnvVar: true,
}

// lambdaReserved are the names Lambda sets itself and refuses in a
// function's environment.
var lambdaReserved = map[string]bool{"AWS_REGION": true}

// contextKey is the context key that gives a wired name its value, for
// errors that tell the operator what to set.
var contextKey = map[string]string{"SUPPORT_ADDRESSES": CtxRecipients}

// checkLanes holds each lane's visibility to its consumer's real timeout,
// and the sweeper's lease to the sweeper's timeout.
func checkLanes(fns []Function) error {
	for _, f := range fns {
		if f.schedule() != "" && f.Timeout > routing.SweepLeaseTTL {
			return fmt.Errorf("function %s times out after %s but its lease (routing.SweepLeaseTTL) lasts %s: two runs could overlap", f.Name, f.Timeout, routing.SweepLeaseTTL)
		}
		for _, l := range f.consumes() {
			if f.Timeout > l.ConsumerTimeout {
				return fmt.Errorf("function %s times out after %s but lane %s sizes its visibility for %s (shared/queue/lanes.go)", f.Name, f.Timeout, l.Key, l.ConsumerTimeout)
			}
		}
	}
	return nil
}

func checkAssets(dir string, fns []Function) error {
	var missing []string
	for _, f := range fns {
		if _, err := os.Stat(filepath.Join(dir, f.binary(), "bootstrap")); err != nil {
			missing = append(missing, filepath.Join(dir, f.binary(), "bootstrap"))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("function binaries not built (run `make synth` from the repository root, or pass -c %s=DIR): %s", CtxAssets, strings.Join(missing, ", "))
	}
	return nil
}

func (b *builder) removal() awscdk.RemovalPolicy {
	if b.cfg.Ephemeral {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_RETAIN
}

// retentionDays are the retention periods CloudWatch Logs accepts.
var retentionDays = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
	7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
	150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
	1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 3653: awslogs.RetentionDays_TEN_YEARS,
}

func (b *builder) retention() awslogs.RetentionDays { return retentionDays[b.cfg.LogRetentionDays] }

func seconds(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}

// buildTable makes the one table from shared/table.
func (b *builder) buildTable() {
	def := table.Table()
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	b.table = awsdynamodb.NewTable(b.stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: str(def.PartitionKey),
		SortKey:      str(def.SortKey),
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:          awsdynamodb.TableEncryption_AWS_MANAGED,
		DeletionProtection:  jsii.Bool(!b.cfg.Ephemeral),
		RemovalPolicy:       b.removal(),
		TimeToLiveAttribute: jsii.String(def.TTLAttribute),
	})
	for _, ix := range def.Indexes {
		props := &awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   str(ix.PartitionKey),
			SortKey:        str(ix.SortKey),
			ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY,
		}
		if len(ix.Include) > 0 {
			props.ProjectionType, props.NonKeyAttributes = awsdynamodb.ProjectionType_INCLUDE, jsii.Strings(ix.Include...)
		}
		b.table.AddGlobalSecondaryIndex(props)
	}
}

func (b *builder) queue(id string, props *awssqs.QueueProps) awssqs.Queue {
	props.Encryption = awssqs.QueueEncryption_SQS_MANAGED
	props.EnforceSSL = jsii.Bool(true)
	return awssqs.NewQueue(b.stack, jsii.String(id), props)
}

// buildLanes makes the urgent and normal queues, each with its DLQ.
func (b *builder) buildLanes(fns []Function) {
	b.lanes, b.laneDLQs = map[string]awssqs.Queue{}, map[string]awssqs.Queue{}
	for _, l := range queue.Lanes() {
		id := exportName(l.Key)
		dlq := b.queue(id+"DLQ", &awssqs.QueueProps{RetentionPeriod: awscdk.Duration_Days(jsii.Number(14))})
		q := b.queue(id+"Queue", &awssqs.QueueProps{
			VisibilityTimeout: seconds(l.VisibilityTimeout()),
			RetentionPeriod:   awscdk.Duration_Days(jsii.Number(4)),
			DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(l.MaxReceiveCount)},
		})
		b.lanes[l.EnvVar], b.laneDLQs[l.EnvVar] = q, dlq
	}
	for _, f := range fns {
		if f.async() {
			// Events that asynchronously invoked functions fail to handle
			// after Lambda's retries land here instead of being dropped.
			b.asyncDLQ = b.queue("AsyncDLQ", &awssqs.QueueProps{RetentionPeriod: awscdk.Duration_Days(jsii.Number(14))})
			break
		}
	}
}

// buildSecret makes the one secret holding every function's secret settings.
func (b *builder) buildSecret(fns []Function) {
	generated := false
	for _, f := range fns {
		generated = generated || slices.Contains(envconfig.Secrets(f.Config), generatedSecret)
	}
	if !generated {
		b.problems = append(b.problems, "no function reads "+generatedSecret+" as a secret any more; update generatedSecret in infra/stack")
	}
	b.secret = awssecretsmanager.NewSecret(b.stack, jsii.String("ProviderSecrets"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Concierge " + b.cfg.Stage + ": provider secrets, a JSON object keyed by environment name"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			SecretStringTemplate: jsii.String("{}"),
			GenerateStringKey:    jsii.String(generatedSecret),
			ExcludePunctuation:   jsii.Bool(true),
			PasswordLength:       jsii.Number(48),
		},
		RemovalPolicy: b.removal(),
	})
}

// buildBuckets makes the raw-mail bucket SES writes into and the
// attachments bucket, each when a deployed function reads it. Names are
// generated: a retained bucket with a fixed name would block redeploying
// the stage.
func (b *builder) buildBuckets(fns []Function) {
	reads := func(env string) bool {
		for _, f := range fns {
			if slices.Contains(envconfig.Names(f.Config), env) {
				return true
			}
		}
		return false
	}
	// The mail bucket exists when a deployed function receives mail into it
	// (the agent API only reads and erases what is there).
	if slices.ContainsFunc(fns, func(f Function) bool { return f.ReceivesMail && reads(email.RawMail.EnvVar) }) {
		b.mail = b.bucket("MailBucket", email.RawMailPrefix, b.cfg.MailRetentionDays)
	}
	// The attachments bucket exists when a deployed function fills it: the
	// email function's attachments and the routers' downloads of the media
	// customers send on chat channels (shared/media).
	if slices.ContainsFunc(fns, func(f Function) bool { return f.WritesAttachments && reads(email.Attachments.EnvVar) }) {
		// Attachments are part of the customer's history and are kept.
		b.attach = b.bucket("AttachmentsBucket", "", 0)
	}
}

func (b *builder) bucket(id, expirePrefix string, expireDays int) awss3.Bucket {
	var rules []*awss3.LifecycleRule
	if expireDays > 0 {
		rules = append(rules, &awss3.LifecycleRule{
			Id:                                  jsii.String("expire"),
			Prefix:                              jsii.String(expirePrefix),
			Expiration:                          awscdk.Duration_Days(jsii.Number(expireDays)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		})
	} else {
		rules = append(rules, &awss3.LifecycleRule{
			Id:                                  jsii.String("abort-incomplete-uploads"),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		})
	}
	return awss3.NewBucket(b.stack, jsii.String(id), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     b.removal(),
		AutoDeleteObjects: jsii.Bool(false),
		LifecycleRules:    &rules,
	})
}

// buildAPI makes the HTTP API, its $default stage with access logs and
// throttling, and the optional custom domain.
func (b *builder) buildAPI() {
	b.api = awsapigatewayv2.NewHttpApi(b.stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String("concierge-" + b.cfg.Stage),
		CreateDefaultStage: jsii.Bool(false),
		// With a custom domain, providers must call the domain: the URL they
		// sign (Twilio) is PUBLIC_BASE_URL.
		DisableExecuteApiEndpoint: jsii.Bool(b.cfg.DomainName != ""),
		CorsPreflight:             b.cors(),
	})
	logs := awslogs.NewLogGroup(b.stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention: b.retention(), RemovalPolicy: b.removal(),
	})
	stageProps := &awsapigatewayv2.HttpStageProps{
		HttpApi:    b.api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit: jsii.Number(b.cfg.ThrottleRate), BurstLimit: jsii.Number(b.cfg.ThrottleBurst),
		},
	}
	if b.cfg.DomainName == "" {
		b.publicURL = b.api.ApiEndpoint()
	} else {
		dn := awsapigatewayv2.NewDomainName(b.stack, jsii.String("ApiDomain"), &awsapigatewayv2.DomainNameProps{
			DomainName:     jsii.String(b.cfg.DomainName),
			Certificate:    awscertificatemanager.Certificate_FromCertificateArn(b.stack, jsii.String("ApiCertificate"), jsii.String(b.cfg.CertificateARN)),
			SecurityPolicy: awsapigatewayv2.SecurityPolicy_TLS_1_2,
		})
		stageProps.DomainMapping = &awsapigatewayv2.DomainMappingOptions{DomainName: dn}
		b.publicURL = jsii.String("https://" + b.cfg.DomainName)
		awscdk.NewCfnOutput(b.stack, jsii.String("ApiDomainTarget"), &awscdk.CfnOutputProps{
			Description: jsii.String("CNAME (or alias) target for " + b.cfg.DomainName),
			Value:       dn.RegionalDomainName(),
		})
	}
	stage := awsapigatewayv2.NewHttpStage(b.stack, jsii.String("ApiStage"), stageProps)
	// The L2 stage has no access-log setting that a Go app can pass without
	// implementing a jsii interface, so it is set on the CloudFormation stage.
	cfn := stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfn.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format: jsii.String(`{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","time":"$context.requestTime",` +
			`"method":"$context.httpMethod","route":"$context.routeKey","status":"$context.status","bytes":"$context.responseLength",` +
			`"latencyMs":"$context.responseLatency","integrationError":"$context.integrationErrorMessage","authError":"$context.authorizer.error"}`),
	})
	awscdk.NewCfnOutput(b.stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Base URL of the HTTP API; webhook URLs are this plus the route path"),
		Value:       b.publicURL,
	})
}

// PartnerAttribute is the user pool's custom attribute naming a partner
// user's partner; tokens carry it as custom:partner_id.
const PartnerAttribute = "partner_id"

// userPool makes the agents' Cognito user pool, its groups and the app
// client whose tokens the JWT authorizer accepts.
func (b *builder) userPool() (awscognito.UserPool, awscognito.UserPoolClient) {
	pool := awscognito.NewUserPool(b.stack, jsii.String("Agents"), &awscognito.UserPoolProps{
		UserPoolName:      jsii.String("concierge-" + b.cfg.Stage),
		SelfSignUpEnabled: jsii.Bool(false),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		Mfa:               awscognito.Mfa_REQUIRED,
		MfaSecondFactor:   &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength: jsii.Number(12), RequireLowercase: jsii.Bool(true), RequireUppercase: jsii.Bool(true),
			RequireDigits: jsii.Bool(true), RequireSymbols: jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		// Tokens carry custom:partner_id: the partner a read-only user sees
		// (customers tagged partner:<id>). A supervisor sets it with
		// admin-update-user-attributes; the app client cannot write it.
		CustomAttributes: &map[string]awscognito.ICustomAttribute{
			PartnerAttribute: awscognito.NewStringAttribute(&awscognito.StringAttributeProps{
				MinLen: jsii.Number(1), MaxLen: jsii.Number(64), Mutable: jsii.Bool(true),
			}),
		},
		// Plus tier: compromised-credential checks and adaptive sign-in
		// protection for the accounts that can read every customer.
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		DeletionProtection:           jsii.Bool(!b.cfg.Ephemeral),
		RemovalPolicy:                b.removal(),
	})
	for _, g := range []struct{ name, desc string }{
		{"agent", "Answers conversations"},
		{"supervisor", "Agents plus team queues, reassignment and reports"},
		{"partner", "Read-only access for partners"},
	} {
		awscognito.NewCfnUserPoolGroup(b.stack, jsii.String("Group-"+g.name), &awscognito.CfnUserPoolGroupProps{
			UserPoolId: pool.UserPoolId(), GroupName: jsii.String(g.name), Description: jsii.String(g.desc),
		})
	}
	// The console's client: a public client (no secret) signing in through
	// the hosted UI with the authorization-code grant and PKCE. The only
	// direct flow is ADMIN_USER_PASSWORD_AUTH, which needs the operator's
	// IAM credentials (the runbook's CLI sign-in and `make smoke`): a
	// password alone, from a browser, cannot use it.
	client := pool.AddClient(jsii.String("AgentApp"), &awscognito.UserPoolClientOptions{
		GenerateSecret:             jsii.Bool(false),
		AuthFlows:                  &awscognito.AuthFlow{AdminUserPassword: jsii.Bool(true)},
		OAuth:                      b.hostedUI(pool),
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(1)),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
		// A working day: the console refreshes its hour-long tokens silently
		// through a shift; the next day starts with a sign-in (and TOTP).
		RefreshTokenValidity: awscdk.Duration_Days(jsii.Number(1)),
		ReadAttributes: awscognito.NewClientAttributes().
			WithStandardAttributes(&awscognito.StandardAttributesMask{Email: jsii.Bool(true), EmailVerified: jsii.Bool(true), Fullname: jsii.Bool(true)}).
			WithCustomAttributes(jsii.String(PartnerAttribute)),
		// Users may correct their display name; never their partner.
		WriteAttributes: awscognito.NewClientAttributes().
			WithStandardAttributes(&awscognito.StandardAttributesMask{Fullname: jsii.Bool(true)}),
	})
	b.pool, b.client = pool, client
	awscdk.NewCfnOutput(b.stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: pool.UserPoolId()})
	awscdk.NewCfnOutput(b.stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{Value: client.UserPoolClientId()})
	return pool, client
}

// buildRoutes declares every route of the route table on the API.
func (b *builder) buildRoutes() {
	pool, client := b.userPool()
	auth := awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("AgentJwt"), pool, &awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
		AuthorizerName:  jsii.String("cognito-agents"),
		UserPoolClients: &[]awscognito.IUserPoolClient{client},
	})
	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range Routes() {
		fn, ok := b.fns[r.Function]
		if !ok {
			b.problems = append(b.problems, fmt.Sprintf("route %s %s names function %q, which is not in Functions()", r.Method, r.Path, r.Function))
			continue
		}
		integ, ok := integrations[r.Function]
		if !ok {
			integ = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(r.Function), fn, &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
				PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
				// One invoke permission per function for the whole API rather
				// than one per route: same principal, same API, fewer resources.
				ScopePermissionToRoute: jsii.Bool(false),
			})
			integrations[r.Function] = integ
		}
		props := &awsapigatewayv2.HttpRouteProps{
			HttpApi:     b.api,
			RouteKey:    awsapigatewayv2.HttpRouteKey_With(jsii.String(r.Path), awsapigatewayv2.HttpMethod(r.Method)),
			Integration: integ,
		}
		if r.JWT {
			props.Authorizer = auth
		}
		route := awsapigatewayv2.NewHttpRoute(b.stack, jsii.String("Route "+r.Method+" "+r.Path), props)
		if !r.JWT {
			if b.open == nil {
				b.open = map[string]awsapigatewayv2.HttpRoute{}
			}
			b.open[r.Key()] = route
		}
	}
}

// buildFunction makes one function: role, log group, environment and the
// permissions its environment implies, and its error and throttle alarms.
func (b *builder) buildFunction(f Function) {
	id := exportName(f.Name)
	logs := awslogs.NewLogGroup(b.stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention: b.retention(), RemovalPolicy: b.removal(),
	})
	role := awsiam.NewRole(b.stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Concierge " + f.Name + " function"),
	})
	// Instead of the AWSLambdaBasicExecutionRole managed policy: write to
	// this function's log group only.
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logs.LogGroupArn()},
	}))
	env := b.environment(f, role)
	props := &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(b.cfg.AssetDir, f.binary())), nil),
		Timeout:      seconds(f.Timeout),
		MemorySize:   jsii.Number(f.MemoryMB),
		Role:         role,
		LogGroup:     logs,
		Environment:  &env,
		Description:  jsii.String("Concierge " + f.Name),
	}
	if f.ReservedConcurrency > 0 && b.cfg.ReservedConcurrency {
		props.ReservedConcurrentExecutions = jsii.Number(f.ReservedConcurrency)
	}
	if f.async() {
		props.DeadLetterQueue = b.asyncDLQ
		props.RetryAttempts = jsii.Number(2)
		props.MaxEventAge = awscdk.Duration_Hours(jsii.Number(6))
	}
	fn := awslambda.NewFunction(b.stack, jsii.String(id), props)
	b.fns[f.Name] = fn
	period := awscdk.Duration_Minutes(jsii.Number(1))
	b.alarm(id+"Errors", f.Name+" function errors", fn.MetricErrors(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum")}), 0)
	b.alarm(id+"Throttles", f.Name+" function throttled", fn.MetricThrottles(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum")}), 0)
}

// environment gives every name the function's config reads a value: a
// resource of the stack (and the permission to use it), a stage setting from
// context (empty lets the function's default apply), or, for secrets, the
// secret's ARN.
func (b *builder) environment(f Function, role awsiam.Role) map[string]*string {
	env := map[string]*string{}
	secrets := envconfig.Secrets(f.Config)
	required := envconfig.Required(f.Config)
	for _, name := range envconfig.Names(f.Config) {
		if slices.Contains(secrets, name) || lambdaReserved[name] {
			continue
		}
		if v := b.bind(f, name, role); v != nil {
			env[name] = v
			continue
		}
		v := b.cfg.Settings[name]
		if v == "" && slices.Contains(required, name) {
			key := name
			if k, ok := contextKey[name]; ok {
				key = k
			}
			b.problems = append(b.problems, fmt.Sprintf("function %s requires %s: set it with -c %s=VALUE", f.Name, name, key))
		}
		env[name] = jsii.String(v)
	}
	if len(secrets) > 0 {
		env[SecretsARNEnv] = b.secret.SecretArn()
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
			Resources: &[]*string{b.secret.SecretArn()},
		}))
	}
	return env
}

// bind returns the value of a wired name and grants what it implies, or nil
// when the stack does not provide the name.
func (b *builder) bind(f Function, name string, role awsiam.Role) *string {
	switch name {
	case "TABLE_NAME":
		b.grantTable(f, role)
		return b.table.TableName()
	case "SES_FROM_ADDRESS":
		// The value comes from the stage settings; the permission to send as
		// it comes with the name.
		b.grantSend(role)
		return nil
	case "PUBLIC_BASE_URL":
		return b.publicURL
	case "STAGE":
		return jsii.String(b.cfg.Stage)
	case "SUPPORT_ADDRESSES":
		// The addresses SES receives for are the support mailboxes.
		if len(b.cfg.Recipients) == 0 {
			return nil
		}
		return jsii.String(strings.Join(b.cfg.Recipients, ","))
	case ZaloTokenSecretEnv:
		return b.zaloTokenSecret(f, role)
	case email.RawMailPrefixEnv:
		return jsii.String(email.RawMailPrefix)
	case email.RawMail.EnvVar:
		if b.mail == nil {
			return nil // no mail is received on this stage: nothing to read
		}
		actions := []string{"s3:GetObject"}
		if f.ErasesFiles {
			actions = append(actions, "s3:DeleteObject")
		}
		b.grantObjects(role, b.mail, email.RawMailPrefix, actions...)
		return b.mail.BucketName()
	case email.Attachments.EnvVar:
		if b.attach == nil {
			return nil // no function stores attachments on this stage: nothing to read
		}
		actions := []string{"s3:GetObject"}
		if f.WritesAttachments {
			actions = append(actions, "s3:PutObject")
		}
		if f.ErasesFiles {
			actions = append(actions, "s3:DeleteObject")
		}
		b.grantObjects(role, b.attach, "", actions...)
		return b.attach.BucketName()
	}
	if q, ok := b.lanes[name]; ok {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("sqs:SendMessage"), Resources: &[]*string{q.QueueArn()},
		}))
		return q.QueueUrl()
	}
	return nil
}

// grantObjects lets the role use objects under prefix in bucket. Object
// keys are message and attachment ids only known at run time, so the
// resource ends in a wildcard (the actions never do).
func (b *builder) grantObjects(role awsiam.Role, bucket awss3.Bucket, prefix string, actions ...string) {
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings(actions...), Resources: &[]*string{bucket.ArnForObjects(jsii.String(prefix + "*"))},
	}))
	id := *b.stack.GetLogicalId(bucket.Node().DefaultChild().(awscdk.CfnElement))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Object-level access (" + strings.Join(actions, ", ") + ") to keys under " + *bucket.Node().Id() +
			"/" + prefix + ": the keys are SES message ids and attachment ids known only at run time; no bucket-level or wildcard action is granted."),
		AppliesTo: &[]interface{}{"Resource::<" + id + ".Arn>/" + prefix + "*"},
	}}, jsii.Bool(true))
}

// Table actions by access level, each level adding to the ones before.
// Transactions need no actions of their own: TransactWriteItems is
// authorized per item by PutItem/UpdateItem/DeleteItem/ConditionCheckItem,
// TransactGetItems by GetItem.
var tableActions = map[TableAccess][]string{
	TableRead:       {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"},
	TableWrite:      {"dynamodb:PutItem", "dynamodb:UpdateItem"},
	TableDelete:     {"dynamodb:DeleteItem"},
	TableBatchWrite: {"dynamodb:BatchWriteItem"},
}

// TableActions lists what access a allows.
func TableActions(a TableAccess) []string {
	var out []string
	for l := TableRead; l <= a && l <= TableBatchWrite; l++ {
		out = append(out, tableActions[l]...)
	}
	return out
}

// grantTable grants the function's table access on the table and, for
// queries, on each index by name (no wildcard).
func (b *builder) grantTable(f Function, role awsiam.Role) {
	actions := TableActions(f.Table)
	if len(actions) == 0 {
		b.problems = append(b.problems, fmt.Sprintf("function %s reads TABLE_NAME but its entry sets no Table access", f.Name))
		return
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings(actions...), Resources: &[]*string{b.table.TableArn()},
	}))
	var indexes []*string
	for _, ix := range table.Table().Indexes {
		indexes = append(indexes, jsii.String(*b.table.TableArn()+"/index/"+ix.Name))
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("dynamodb:Query"), Resources: &indexes,
	}))
}

// buildLaneConsumers attaches the lanes' consumer with partial batch failures.
func (b *builder) buildLaneConsumers(fns []Function) {
	for _, f := range fns {
		for _, l := range f.consumes() {
			props := &awslambdaeventsources.SqsEventSourceProps{
				BatchSize:               jsii.Number(l.BatchSize),
				ReportBatchItemFailures: jsii.Bool(l.ReportBatchItemFailures),
			}
			if l.MaxBatchingWindow > 0 {
				props.MaxBatchingWindow = seconds(l.MaxBatchingWindow)
			}
			if f.MaxConcurrency < 2 {
				b.problems = append(b.problems, fmt.Sprintf("function %s consumes lane %s: set MaxConcurrency (2-1000) in its entry", f.Name, l.Key))
			}
			max := f.MaxConcurrency
			if n := b.cfg.LaneConcurrency[l.Key]; n > 0 {
				max = n // the stage's -c <lane>LaneConcurrency
			}
			props.MaxConcurrency = jsii.Number(max)
			b.fns[f.Name].AddEventSource(awslambdaeventsources.NewSqsEventSource(b.lanes[l.EnvVar], props))
		}
	}
}

// buildMailReceiving makes the SES receipt rule set and its rule: store the
// raw message in the mail bucket, then invoke the mail function(s).
func (b *builder) buildMailReceiving(fns []Function) {
	if b.mail == nil {
		return
	}
	ruleSet := awsses.NewReceiptRuleSet(b.stack, jsii.String("MailRules"), &awsses.ReceiptRuleSetProps{
		ReceiptRuleSetName: jsii.String("concierge-" + b.cfg.Stage),
	})
	actions := []awsses.IReceiptRuleAction{
		awssesactions.NewS3(&awssesactions.S3Props{Bucket: b.mail, ObjectKeyPrefix: jsii.String(email.RawMailPrefix)}),
	}
	for _, f := range fns {
		if !f.ReceivesMail {
			continue
		}
		// The function reads the stored message through RAW_MAIL_BUCKET
		// (granted with that name).
		actions = append(actions, awssesactions.NewLambda(&awssesactions.LambdaProps{
			Function: b.fns[f.Name], InvocationType: awssesactions.LambdaInvocationType_EVENT,
		}))
	}
	var recipients *[]*string
	if len(b.cfg.Recipients) > 0 {
		recipients = jsii.Strings(b.cfg.Recipients...)
	}
	ruleSet.AddRule(jsii.String("Inbound"), &awsses.ReceiptRuleOptions{
		Recipients:  recipients,
		Actions:     &actions,
		ScanEnabled: jsii.Bool(true),
		TlsPolicy:   awsses.TlsPolicy_REQUIRE,
		Enabled:     jsii.Bool(true),
	})
	awscdk.NewCfnOutput(b.stack, jsii.String("ReceiptRuleSetName"), &awscdk.CfnOutputProps{
		Description: jsii.String("Activate with: aws ses set-active-receipt-rule-set --rule-set-name <this>"),
		Value:       ruleSet.ReceiptRuleSetName(),
	})
}

// buildEventRules makes the schedules and the Amazon Connect contact-event rule.
func (b *builder) buildEventRules(fns []Function) {
	target := func(fn awslambda.Function) awsevents.IRuleTarget {
		return awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
			RetryAttempts: jsii.Number(2), MaxEventAge: awscdk.Duration_Hours(jsii.Number(1)),
		})
	}
	for _, f := range fns {
		id := exportName(f.Name)
		if expr := f.schedule(); expr != "" {
			awsevents.NewRule(b.stack, jsii.String(id+"Schedule"), &awsevents.RuleProps{
				Schedule: awsevents.Schedule_Expression(jsii.String(expr)),
				Targets:  &[]awsevents.IRuleTarget{target(b.fns[f.Name])},
			})
		}
		if f.ConnectEvents && b.cfg.Connect {
			pattern := &awsevents.EventPattern{
				Source:     jsii.Strings("aws.connect"),
				DetailType: jsii.Strings("Amazon Connect Contact Event"),
			}
			if b.cfg.ConnectInstanceARN != "" {
				pattern.Detail = &map[string]interface{}{"instanceArn": []string{b.cfg.ConnectInstanceARN}}
			}
			awsevents.NewRule(b.stack, jsii.String(id+"ConnectEvents"), &awsevents.RuleProps{
				EventPattern: pattern,
				Targets:      &[]awsevents.IRuleTarget{target(b.fns[f.Name])},
			})
			// The contact flow's Lambda block invokes the function directly:
			// only the stage's Connect instance may (any instance of the
			// account when none is named).
			perm := &awslambda.Permission{
				Principal:     awsiam.NewServicePrincipal(jsii.String("connect.amazonaws.com"), nil),
				SourceAccount: b.stack.Account(),
			}
			if b.cfg.ConnectInstanceARN != "" {
				perm.SourceArn = jsii.String(b.cfg.ConnectInstanceARN)
			}
			b.fns[f.Name].AddPermission(jsii.String("ConnectContactFlow"), perm)
		}
	}
}

// alarmTopic makes the SNS topic every alarm notifies.
func (b *builder) alarmTopic() {
	b.topic = awssns.NewTopic(b.stack, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String("Concierge " + b.cfg.Stage + " alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	if b.cfg.AlarmEmail != "" {
		b.topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(b.cfg.AlarmEmail), nil))
	}
}

// alarm fires when metric exceeds threshold in one one-minute period.
func (b *builder) alarm(id, description string, metric awscloudwatch.IMetric, threshold float64) {
	b.alarmOver(id, description, metric, threshold, 1, 1)
}

// alarmOver fires when metric exceeds threshold in datapoints of the last
// periods periods: a blip does not page, an outage does within minutes.
func (b *builder) alarmOver(id, description string, metric awscloudwatch.IMetric, threshold float64, periods, datapoints int) {
	a := awscloudwatch.NewAlarm(b.stack, jsii.String(id+"Alarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String("Concierge " + b.cfg.Stage + ": " + description),
		Metric:             metric,
		Threshold:          jsii.Number(threshold),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(periods),
		DatapointsToAlarm:  jsii.Number(datapoints),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	a.AddAlarmAction(awscloudwatchactions.NewSnsAction(b.topic))
}

// Outage thresholds: what an operator should hear about within minutes.
const (
	// API5xxPercent of requests answered 5xx in a minute (with at least
	// api5xxMinRequests requests, so one failure on a quiet night is no rate).
	API5xxPercent     = 5
	api5xxMinRequests = 5
	// NormalLaneMaxAge is how long a normal routing job may wait (seconds).
	NormalLaneMaxAge = 300
)

// outageAlarms: the HTTP API's 5xx rate, jobs the routers hand back for
// redelivery (the metric routing.BatchFailureMetric they emit), the normal
// lane's oldest message, and DynamoDB throttling on the table.
func (b *builder) outageAlarms() {
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	sum := &awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Sum")}
	rate := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(fmt.Sprintf("IF(requests >= %d, 100 * errors / requests, 0)", api5xxMinRequests)),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"errors": b.api.MetricServerError(sum), "requests": b.api.MetricCount(sum),
		},
		Label:  jsii.String("5xx %"),
		Period: minute,
	})
	b.alarmOver("Api5xxRate", fmt.Sprintf("over %d%% of API requests answered 5xx", API5xxPercent), rate, API5xxPercent, 3, 2)
	b.alarmOver("RoutingFailures", "routers handing jobs back for redelivery (Concierge/"+routing.BatchFailureMetric+")",
		awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("Concierge"), MetricName: jsii.String(routing.BatchFailureMetric),
			Period: minute, Statistic: jsii.String("Sum"),
		}), 0, 3, 2)
	b.alarm("NormalOldestMessage", fmt.Sprintf("a normal routing job has waited over %d s", NormalLaneMaxAge),
		b.lanes[queue.Normal.EnvVar].MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Maximum")}), NormalLaneMaxAge)
	for _, m := range []string{"ReadThrottleEvents", "WriteThrottleEvents"} {
		b.alarmOver("Table"+m, "DynamoDB "+m+" on the table", awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/DynamoDB"), MetricName: jsii.String(m),
			DimensionsMap: &map[string]*string{"TableName": b.table.TableName()},
			Period:        minute, Statistic: jsii.String("Sum"),
		}), 0, 3, 2)
	}
}

// cors allows exactly the agents' console origin (its custom domain, else
// its CloudFront URL) to call the API from the browser with its bearer token.
func (b *builder) cors() *awsapigatewayv2.CorsPreflightOptions {
	return &awsapigatewayv2.CorsPreflightOptions{
		AllowOrigins:  &[]*string{b.console.origin},
		AllowMethods:  &[]awsapigatewayv2.CorsHttpMethod{awsapigatewayv2.CorsHttpMethod_ANY},
		AllowHeaders:  jsii.Strings("authorization", "content-type", "if-match"),
		ExposeHeaders: jsii.Strings("etag"),
		MaxAge:        awscdk.Duration_Hours(jsii.Number(1)),
	}
}

// outputs: each provider's webhook URL, the secret with the keys to fill,
// and the alarm topic (the user pool's are made with the pool).
func (b *builder) outputs(fns []Function) {
	seen := map[string]bool{}
	for _, r := range Routes() {
		if r.JWT || !strings.HasPrefix(r.Path, "/webhooks/") || seen[r.Path] || strings.Contains(r.Path, "{") {
			continue
		}
		seen[r.Path] = true
		awscdk.NewCfnOutput(b.stack, jsii.String(WebhookOutputID(r.Path)), &awscdk.CfnOutputProps{
			Description: jsii.String("Webhook URL to give the provider: " + r.Path),
			Value:       awscdk.Fn_Join(jsii.String(""), &[]*string{b.publicURL, jsii.String(r.Path)}),
		})
	}
	inbound, outbound := SecretKeys(fns)
	awscdk.NewCfnOutput(b.stack, jsii.String("SecretArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("Secrets Manager secret: a JSON object with the keys in SecretKeysInbound and SecretKeysOutbound"),
		Value:       b.secret.SecretArn(),
	})
	awscdk.NewCfnOutput(b.stack, jsii.String("SecretKeysInbound"), &awscdk.CfnOutputProps{
		Description: jsii.String("Secret keys that verify what providers send (webhook signatures and tokens)"),
		Value:       jsii.String(strings.Join(inbound, ",")),
	})
	awscdk.NewCfnOutput(b.stack, jsii.String("SecretKeysOutbound"), &awscdk.CfnOutputProps{
		Description: jsii.String("Secret keys for sending (provider API tokens) and notifying agents"),
		Value:       jsii.String(strings.Join(outbound, ",")),
	})
	for _, f := range fns {
		if f.ConnectEvents {
			awscdk.NewCfnOutput(b.stack, jsii.String("ConnectFunctionArn"), &awscdk.CfnOutputProps{
				Description: jsii.String("aws connect associate-lambda-function --instance-id <id> --function-arn <this>"),
				Value:       b.fns[f.Name].FunctionArn(),
			})
		}
	}
	awscdk.NewCfnOutput(b.stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("SNS topic every alarm notifies; subscribe with -c alarmEmail=... or aws sns subscribe"),
		Value:       b.topic.TopicArn(),
	})
}

// WebhookOutputID is the output id of a webhook path
// ("/webhooks/twilio/voice" -> "WebhookTwilioVoice").
func WebhookOutputID(path string) string {
	id := "Webhook"
	for _, part := range strings.Split(strings.TrimPrefix(path, "/webhooks/"), "/") {
		id += exportName(part)
	}
	return id
}

// SecretKeys are the keys of the one secret the deployed functions read:
// inbound, those the function serving provider webhooks declares (they
// verify what arrives); outbound, every other (senders' tokens, the
// notification webhook). Both sorted.
func SecretKeys(fns []Function) (inbound, outbound []string) {
	webhook := map[string]bool{}
	for _, r := range Routes() {
		if strings.HasPrefix(r.Path, "/webhooks/") {
			webhook[r.Function] = true
		}
	}
	in, out := map[string]bool{}, map[string]bool{}
	for _, f := range fns {
		for _, k := range envconfig.Secrets(f.Config) {
			if webhook[f.Name] {
				in[k] = true
			} else {
				out[k] = true
			}
		}
	}
	for k := range in {
		inbound = append(inbound, k)
	}
	for k := range out {
		if !in[k] {
			outbound = append(outbound, k)
		}
	}
	sort.Strings(inbound)
	sort.Strings(outbound)
	return inbound, outbound
}

// queueAlarms: any message in a DLQ, and an urgent job waiting over a minute.
func (b *builder) queueAlarms() {
	period := awscdk.Duration_Minutes(jsii.Number(1))
	max := &awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Maximum")}
	for _, l := range queue.Lanes() {
		b.alarm(exportName(l.Key)+"DLQDepth", l.Key+" lane dead-letter queue has messages",
			b.laneDLQs[l.EnvVar].MetricApproximateNumberOfMessagesVisible(max), 0)
	}
	if b.asyncDLQ != nil {
		b.alarm("AsyncDLQDepth", "failed asynchronous invocations (mail, schedules, Connect events)",
			b.asyncDLQ.MetricApproximateNumberOfMessagesVisible(max), 0)
	}
	b.alarm("UrgentOldestMessage", "an urgent request has waited over 60 s",
		b.lanes[queue.Urgent.EnvVar].MetricApproximateAgeOfOldestMessage(max), 60)
}

// exportName turns a function name into a construct id ("agentapi" -> "Agentapi").
func exportName(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// grantSend lets the role send email through SES as the stage's sending
// identity: the domain of SES_FROM_ADDRESS (or REPLY_DOMAIN). Without either
// set, any verified identity of the account, which the suppression explains.
func (b *builder) grantSend(role awsiam.Role) {
	domain := b.cfg.Settings["REPLY_DOMAIN"]
	if from := b.cfg.Settings["SES_FROM_ADDRESS"]; from != "" {
		if at := strings.LastIndex(from, "@"); at >= 0 {
			domain = strings.Trim(from[at+1:], "> ")
		}
	}
	resource := "*"
	if domain != "" {
		resource = domain
	}
	arn := b.stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String("identity"), ResourceName: jsii.String(resource)})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("ses:SendEmail", "ses:SendRawEmail"), Resources: &[]*string{arn},
	}))
	if domain == "" {
		cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("SES sending identity not configured for this stage (no SES_FROM_ADDRESS or REPLY_DOMAIN): " +
				"sending is allowed as any identity the account has verified; set -c SES_FROM_ADDRESS=... to scope it to one domain."),
			AppliesTo: &[]interface{}{"Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*"},
		}}, jsii.Bool(true))
	}
}
