package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/concierge-cx/concierge/shared/email"
	"github.com/concierge-cx/concierge/shared/envconfig"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// The stack is synthesized once per test binary: a synth costs seconds of
// jsii round trips, and every test reads the same template.
var (
	synthStack *Stack
	template   assertions.Template
	tmpl       cfnTemplate
	nagErrors  []string
	nagWarns   []string
	outDir     string // the tested synth's cloud assembly (staged assets)
)

// Stage context of the tested synth: every optional feature switched on.
var testContext = map[string]any{
	CtxStage:              "test",
	CtxRecipients:         "support@example.vn, help@example.vn",
	CtxAlarmEmail:         "ops@example.vn",
	CtxConnect:            "true",
	CtxDomainName:         "api.example.vn",
	CtxCertificateARN:     "arn:aws:acm:ap-southeast-1:111122223333:certificate/0b1e2a34-5c6d-7e8f-9a0b-1c2d3e4f5a6b",
	CtxConsoleOrigin:      "https://console.example.vn",
	CtxConsoleCertificate: "arn:aws:acm:us-east-1:111122223333:certificate/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
	"BUSINESS_NAME":       "Cửa hàng Example",
	"REPLY_DOMAIN":        "mail.example.vn",
}

func TestMain(m *testing.M) {
	os.Exit(func() int {
		defer jsii.Close()
		start := time.Now()
		if err := synthOnce(); err != nil {
			fmt.Fprintln(os.Stderr, "synth:", err)
			return 1
		}
		fmt.Printf("synthesized %s in %s\n", *synthStack.StackName(), time.Since(start).Round(time.Millisecond))
		return m.Run()
	}())
}

func synthOnce() error {
	tmp, err := os.MkdirTemp("", "concierge-infra-test-")
	if err != nil {
		return err
	}
	// Placeholder binaries: the test checks the stack, not the build, so it
	// needs no cross-compiled functions.
	assets := filepath.Join(tmp, "assets")
	for _, f := range Functions() {
		if err := os.MkdirAll(filepath.Join(assets, f.binary()), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(assets, f.binary(), "bootstrap"), []byte("placeholder "+f.Name), 0o755); err != nil {
			return err
		}
	}
	// A built console: the files BucketDeployment uploads, and a config.json
	// of its own that the stack's must replace.
	dist := filepath.Join(tmp, "dist")
	if err := os.MkdirAll(dist, 0o755); err != nil {
		return err
	}
	for name, body := range map[string]string{"index.html": "<!doctype html><title>Concierge</title>", "app.js": "console.log(1)", ConfigFile: `{"apiBase":"http://127.0.0.1:8787"}`} {
		if err := os.WriteFile(filepath.Join(dist, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	ctx := map[string]any{CtxAssets: assets, CtxConsoleDist: dist}
	for k, v := range testContext {
		ctx[k] = v
	}
	outDir = filepath.Join(tmp, "cdk.out")
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(outDir)})
	cfg, err := ConfigFromContext(app.Node(), SettingNames())
	if err != nil {
		return err
	}
	if synthStack, err = New(app, cfg); err != nil {
		return err
	}
	Check(app)
	template = assertions.Template_FromStack(synthStack.Stack, nil)
	raw, err := json.Marshal(template.ToJSON())
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		return err
	}
	nagErrors, nagWarns = nagFindings(synthStack.Stack)
	return nil
}

// nagFindings lists cdk-nag's AwsSolutions errors and warnings on st.
func nagFindings(st awscdk.Stack) (errs, warns []string) {
	ann := assertions.Annotations_FromStack(st)
	rule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	for _, msg := range *ann.FindError(jsii.String("*"), rule) {
		errs = append(errs, fmt.Sprintf("%s: %v", *msg.Id, msg.Entry.Data))
	}
	for _, msg := range *ann.FindWarning(jsii.String("*"), rule) {
		warns = append(warns, fmt.Sprintf("%s: %v", *msg.Id, msg.Entry.Data))
	}
	return errs, warns
}

type cfnResource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	Metadata       map[string]any `json:"Metadata"`
	DependsOn      any            `json:"DependsOn"`
	DeletionPolicy string         `json:"DeletionPolicy"`
}

type cfnTemplate struct {
	Resources map[string]cfnResource `json:"Resources"`
}

// ofType lists the logical ids of resources of one type, sorted.
func ofType(typ string) []string {
	var ids []string
	for id, r := range tmpl.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func fnID(name string) string {
	return *synthStack.GetLogicalId(synthStack.Functions[name].Node().DefaultChild().(awscdk.CfnElement))
}

// refs lists the logical ids a CloudFormation value refers to (Ref, GetAtt,
// and inside Join/Sub).
func refs(v any) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		if r, ok := t["Ref"].(string); ok {
			out = append(out, r)
		}
		if g, ok := t["Fn::GetAtt"].([]any); ok && len(g) > 0 {
			out = append(out, g[0].(string))
		}
		for k, x := range t {
			if k != "Ref" && k != "Fn::GetAtt" {
				out = append(out, refs(x)...)
			}
		}
	case []any:
		for _, x := range t {
			out = append(out, refs(x)...)
		}
	}
	return out
}

// hasProps and hasResource run CDK's matchers, which panic on a mismatch,
// and report the mismatch as a test error.
func hasProps(t *testing.T, typ string, props map[string]any) {
	t.Helper()
	defer reportPanic(t)
	template.HasResourceProperties(jsii.String(typ), props)
}

func hasResource(t *testing.T, typ string, props map[string]any) {
	t.Helper()
	defer reportPanic(t)
	template.HasResource(jsii.String(typ), props)
}

func reportPanic(t *testing.T) {
	if r := recover(); r != nil {
		t.Errorf("%v", r)
	}
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// outageAlarms: API 5xx rate, routing failures, normal lane age, read and write throttles.
const outageAlarms = 5

func TestResourceCounts(t *testing.T) {
	fns := Functions()
	if len(synthStack.Deployed) != len(fns) {
		t.Fatalf("the tested synth deploys %d of %d functions; it should switch every feature on", len(synthStack.Deployed), len(fns))
	}
	async, schedules, connect := 0, 0, 0
	for _, f := range fns {
		if f.async() {
			async = 1
		}
		if f.schedule() != "" {
			schedules++
		}
		if f.ConnectEvents {
			connect++
		}
	}
	jwt := 0
	for _, r := range Routes() {
		if r.JWT {
			jwt = 1
		}
	}
	want := map[string]int{
		"AWS::DynamoDB::Table":                            1,
		"AWS::SQS::Queue":                                 2*len(queue.Lanes()) + async,
		"AWS::Lambda::Function":                           len(fns) + 1, // + CDK's BucketDeployment upload
		"AWS::IAM::Role":                                  len(fns) + 1,
		"AWS::Logs::LogGroup":                             len(fns) + 2, // + API access logs, console upload
		"AWS::Cognito::UserPool":                          1,
		"AWS::Cognito::UserPoolClient":                    1,
		"AWS::Cognito::UserPoolDomain":                    1,
		"AWS::CloudFront::Distribution":                   1,
		"AWS::CloudFront::OriginAccessControl":            1,
		"AWS::CloudFront::ResponseHeadersPolicy":          1,
		"AWS::CloudFront::CloudFrontOriginAccessIdentity": 0,
		"Custom::CDKBucketDeployment":                     1,
		"AWS::Cognito::UserPoolGroup":                     3,
		"AWS::ApiGatewayV2::Api":                          1,
		"AWS::ApiGatewayV2::Stage":                        1,
		"AWS::ApiGatewayV2::Route":                        len(Routes()),
		"AWS::ApiGatewayV2::Authorizer":                   jwt,
		"AWS::ApiGatewayV2::DomainName":                   1,
		"AWS::ApiGatewayV2::ApiMapping":                   1,
		"AWS::SES::ReceiptRuleSet":                        1,
		"AWS::SES::ReceiptRule":                           1,
		"AWS::S3::Bucket":                                 4, // mail, attachments, console, console logs
		"AWS::SecretsManager::Secret":                     2, // provider secrets, Zalo tokens
		"AWS::SNS::Topic":                                 1,
		"AWS::SNS::Subscription":                          1,
		"AWS::Events::Rule":                               schedules + connect,
		"AWS::CloudWatch::Alarm":                          2*len(fns) + len(queue.Lanes()) + async + 1 + outageAlarms + 2 + len(AuthAlarmProviders),
		"AWS::Lambda::EventSourceMapping":                 consumedLanes(fns),
		"AWS::ApiGatewayV2::Integration":                  routeFunctions(),
		"AWS::KMS::Key":                                   0,
		"AWS::IAM::ManagedPolicy":                         0,
		"Custom::S3AutoDeleteObjects":                     0,
		"AWS::CloudFormation::CustomResource":             0,
	}
	for typ, n := range want {
		if got := len(ofType(typ)); got != n {
			t.Errorf("%d %s, want %d", got, typ, n)
		}
	}
	t.Logf("%d resources in the template", len(tmpl.Resources))
}

// consumedLanes counts the lanes whose consumer is deployed.
func consumedLanes(fns []Function) int {
	n := 0
	for _, f := range fns {
		n += len(f.consumes())
	}
	return n
}

func routeFunctions() int {
	seen := map[string]bool{}
	for _, r := range Routes() {
		seen[r.Function] = true
	}
	return len(seen)
}

func TestEveryFunctionIsArm64AL2023(t *testing.T) {
	for _, f := range Functions() {
		id := fnID(f.Name)
		p := tmpl.Resources[id].Properties
		if fmt.Sprint(p["Architectures"]) != "[arm64]" || p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" {
			t.Errorf("%s: architectures %v runtime %v handler %v, want [arm64] provided.al2023 bootstrap", id, p["Architectures"], p["Runtime"], p["Handler"])
		}
		if p["LoggingConfig"] == nil {
			t.Errorf("%s logs to no log group of its own", id)
		}
	}
}

func TestTableFromTabledef(t *testing.T) {
	def := table.Table()
	var gsis []map[string]any
	for _, ix := range def.Indexes {
		proj := map[string]any{"ProjectionType": "KEYS_ONLY"}
		if len(ix.Include) > 0 {
			attrs := make([]any, len(ix.Include))
			for i, a := range ix.Include {
				attrs[i] = a
			}
			proj = map[string]any{"ProjectionType": "INCLUDE", "NonKeyAttributes": attrs}
		}
		gsis = append(gsis, map[string]any{
			"IndexName":  ix.Name,
			"KeySchema":  []any{map[string]any{"AttributeName": ix.PartitionKey, "KeyType": "HASH"}, map[string]any{"AttributeName": ix.SortKey, "KeyType": "RANGE"}},
			"Projection": proj,
		})
	}
	hasResource(t, ("AWS::DynamoDB::Table"), map[string]any{
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
		"Properties": map[string]any{
			"BillingMode":                      "PAY_PER_REQUEST",
			"DeletionProtectionEnabled":        true,
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"SSESpecification":                 map[string]any{"SSEEnabled": true},
			"TimeToLiveSpecification":          map[string]any{"AttributeName": def.TTLAttribute, "Enabled": true},
			"KeySchema":                        []any{map[string]any{"AttributeName": def.PartitionKey, "KeyType": "HASH"}, map[string]any{"AttributeName": def.SortKey, "KeyType": "RANGE"}},
			"GlobalSecondaryIndexes":           gsis,
		},
	})
}

func TestQueuesHaveDLQsEncryptionAndVisibility(t *testing.T) {
	dlqs := map[string]bool{}
	for _, id := range ofType("AWS::SQS::Queue") {
		if rp, ok := tmpl.Resources[id].Properties["RedrivePolicy"].(map[string]any); ok {
			dlqs[refs(rp["deadLetterTargetArn"])[0]] = true
		}
	}
	for _, id := range ofType("AWS::SQS::Queue") {
		p := tmpl.Resources[id].Properties
		if p["SqsManagedSseEnabled"] != true {
			t.Errorf("%s is not encrypted (SSE-SQS)", id)
		}
		if dlqs[id] || strings.HasPrefix(id, "AsyncDLQ") {
			continue
		}
		lane, ok := laneOf([]string{id})
		if !ok {
			t.Errorf("queue %s is neither a lane nor a DLQ", id)
			continue
		}
		rp, _ := p["RedrivePolicy"].(map[string]any)
		if rp["maxReceiveCount"] != float64(5) || !strings.HasPrefix(refs(rp["deadLetterTargetArn"])[0], exportName(lane.Key)+"DLQ") {
			t.Errorf("%s: redrive policy %v, want its DLQ after 5 receives", id, p["RedrivePolicy"])
		}
		// At least 6x the timeout of the consumer as deployed (or as the
		// lane plans it while the consumer is not deployed yet).
		timeout := lane.ConsumerTimeout
		for _, f := range Functions() {
			if f.Name == lane.Deployment {
				timeout = f.Timeout
			}
		}
		if v, _ := p["VisibilityTimeout"].(float64); v < 6*timeout.Seconds() {
			t.Errorf("%s: visibility %v s, want at least 6 x %s", id, p["VisibilityTimeout"], timeout)
		}
	}
	if len(dlqs) != len(queue.Lanes()) {
		t.Errorf("%d lane DLQs, want one per lane (%d)", len(dlqs), len(queue.Lanes()))
	}
	// Every queue refuses unencrypted transport.
	if n := len(ofType("AWS::SQS::QueuePolicy")); n != len(ofType("AWS::SQS::Queue")) {
		t.Errorf("%d queue policies for %d queues", n, len(ofType("AWS::SQS::Queue")))
	}
}

func TestEventSourceMappings(t *testing.T) {
	esms := ofType("AWS::Lambda::EventSourceMapping")
	if consumedLanes(Functions()) == 0 {
		t.Logf("the lanes' consumer (%s) is not deployed yet; %d mappings", queue.Urgent.Consumer, len(esms))
	}
	for _, id := range esms {
		p := tmpl.Resources[id].Properties
		queue := refs(p["EventSourceArn"])[0]
		if fmt.Sprint(p["FunctionResponseTypes"]) != "[ReportBatchItemFailures]" {
			t.Errorf("%s: response types %v, want ReportBatchItemFailures", id, p["FunctionResponseTypes"])
		}
		sc, _ := p["ScalingConfig"].(map[string]any)
		if m, _ := sc["MaximumConcurrency"].(float64); m < 2 {
			t.Errorf("%s on %s: maximum concurrency %v, want the lane's router bounded (2 or more)", id, queue, p["ScalingConfig"])
		}
		switch {
		case strings.HasPrefix(queue, "UrgentQueue"):
			if p["BatchSize"] != float64(1) || p["MaximumBatchingWindowInSeconds"] != nil {
				t.Errorf("urgent lane: batch %v window %v, want 1 and none", p["BatchSize"], p["MaximumBatchingWindowInSeconds"])
			}
		case strings.HasPrefix(queue, "NormalQueue"):
			if w, _ := p["MaximumBatchingWindowInSeconds"].(float64); p["BatchSize"] != float64(10) || w > 2 {
				t.Errorf("normal lane: batch %v window %v, want 10 and at most 2 s", p["BatchSize"], p["MaximumBatchingWindowInSeconds"])
			}
		default:
			t.Errorf("%s reads %s, which is no lane", id, queue)
		}
	}
}

func TestJWTOnEveryAgentRouteAndNoWebhookRoute(t *testing.T) {
	want := map[string]bool{}
	for _, r := range Routes() {
		want[r.Key()] = r.JWT
	}
	got := map[string]bool{}
	for _, id := range ofType("AWS::ApiGatewayV2::Route") {
		p := tmpl.Resources[id].Properties
		key := p["RouteKey"].(string)
		jwt := p["AuthorizationType"] == "JWT" && p["AuthorizerId"] != nil
		if !jwt && p["AuthorizationType"] != nil && p["AuthorizationType"] != "NONE" {
			t.Errorf("%s: authorization %v", key, p["AuthorizationType"])
		}
		got[key] = jwt
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("routes (key: JWT)\n got %v\nwant %v", got, want)
	}
	for _, r := range PendingRoutes() {
		t.Logf("not deployed until function %s has an entry in Functions(): %s (JWT %v)", r.Function, r.Key(), r.JWT)
	}
	for key, jwt := range got {
		if strings.HasPrefix(strings.SplitN(key, " ", 2)[1], "/webhooks/") && jwt {
			t.Errorf("webhook route %s is behind the JWT authorizer; providers cannot send a token", key)
		}
	}
	for _, id := range ofType("AWS::ApiGatewayV2::Authorizer") {
		p := tmpl.Resources[id].Properties
		if p["AuthorizerType"] != "JWT" || len(refs(p["JwtConfiguration"])) == 0 {
			t.Errorf("authorizer %s: %v, want JWT from the Cognito pool", id, p)
		}
	}
}

// policyStatements lists every statement of every policy in the template
// with the resource it belongs to: identity policies, inline role policies,
// and resource policies.
type stmt struct {
	owner     string
	effect    string
	actions   []string
	resources []any
	raw       map[string]any
}

func statements() []stmt {
	var out []stmt
	add := func(owner string, doc any) {
		d, _ := doc.(map[string]any)
		for _, s := range list(d["Statement"]) {
			m := s.(map[string]any)
			var actions []string
			for _, a := range list(m["Action"]) {
				actions = append(actions, a.(string))
			}
			out = append(out, stmt{owner: owner, effect: fmt.Sprint(m["Effect"]), actions: actions, resources: list(m["Resource"]), raw: m})
		}
	}
	for id, r := range tmpl.Resources {
		switch r.Type {
		case "AWS::IAM::Policy":
			for _, role := range refs(r.Properties["Roles"]) {
				add(role, r.Properties["PolicyDocument"])
			}
		case "AWS::IAM::Role":
			for _, p := range list(r.Properties["Policies"]) {
				add(id, p.(map[string]any)["PolicyDocument"])
			}
		case "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy":
			add(id, r.Properties["PolicyDocument"])
		}
	}
	return out
}

func TestLeastPrivilege(t *testing.T) {
	for _, id := range ofType("AWS::IAM::Role") {
		if p := tmpl.Resources[id].Properties["ManagedPolicyArns"]; p != nil {
			t.Errorf("role %s attaches managed policies %v", id, p)
		}
	}
	tableID := *synthStack.GetLogicalId(synthStack.b.table.Node().DefaultChild().(awscdk.CfnElement))
	zaloTokensID := *synthStack.GetLogicalId(synthStack.b.zaloTok.Node().DefaultChild().(awscdk.CfnElement))
	indexSuffixes := map[string]bool{}
	for _, ix := range table.Table().Indexes {
		indexSuffixes["/index/"+ix.Name] = true
	}
	roleOf := map[string]Function{}
	for _, f := range Functions() {
		roleOf[refs(tmpl.Resources[fnID(f.Name)].Properties["Role"])[0]] = f
	}
	upload := logicalID(synthStack.Stack.Node().FindChild(jsii.String("ConsoleDeploymentRole")))
	for _, s := range statements() {
		// CDK's upload role has its own test (TestConsoleUploadRole).
		if s.effect != "Allow" || s.owner == upload {
			continue
		}
		for _, a := range s.actions {
			if strings.Contains(a, "*") {
				t.Errorf("%s allows wildcard action %q", s.owner, a)
			}
		}
		f, isFn := roleOf[s.owner]
		if !isFn {
			continue
		}
		names := envconfig.Names(f.Config)
		for _, a := range s.actions {
			service := strings.SplitN(a, ":", 2)[0]
			for _, res := range s.resources {
				targets := refs(res)
				switch service {
				case "dynamodb":
					if !slices.Equal(targets, []string{tableID}) {
						t.Errorf("%s: %s on %v, want the table only", f.Name, a, res)
					}
					if j, ok := res.(map[string]any)["Fn::Join"]; ok {
						parts := j.([]any)[1].([]any)
						if !indexSuffixes[fmt.Sprint(parts[len(parts)-1])] || a != "dynamodb:Query" {
							t.Errorf("%s: %s on %v: only Query, only on the table's named indexes", f.Name, a, res)
						}
					}
					if !slices.Contains(TableActions(f.Table), a) {
						t.Errorf("%s may %s but its entry does not ask for it", f.Name, a)
					}
				case "sqs":
					lane, ok := laneOf(targets)
					switch {
					case !ok && !(f.async() && strings.HasPrefix(targets[0], "AsyncDLQ") && a == "sqs:SendMessage"):
						t.Errorf("%s: %s on %v, which is no queue it uses", f.Name, a, targets)
					case ok && a == "sqs:SendMessage" && !slices.Contains(names, lane.EnvVar):
						t.Errorf("%s may send to the %s lane but does not read %s", f.Name, lane.Key, lane.EnvVar)
					case ok && a != "sqs:SendMessage" && lane.Deployment != f.Name:
						t.Errorf("%s may %s on the %s lane but does not consume it", f.Name, a, lane.Key)
					}
				case "s3":
					bucket := map[string]string{"MailBucket": email.RawMail.EnvVar, "AttachmentsBucket": email.Attachments.EnvVar}[strings.TrimRight(targets[0], "0123456789ABCDEF")]
					if bucket == "" || !slices.Contains(names, bucket) {
						t.Errorf("%s may %s on %v, a bucket it does not read (%q)", f.Name, a, targets, bucket)
					}
					if bucket == email.RawMail.EnvVar && a != "s3:GetObject" && !(a == "s3:DeleteObject" && f.ErasesFiles) {
						t.Errorf("%s may %s on the raw mail, which it should only read", f.Name, a)
					}
					if bucket == email.Attachments.EnvVar && a != "s3:GetObject" && !(a == "s3:PutObject" && f.WritesAttachments) &&
						!(a == "s3:DeleteObject" && f.ErasesFiles) {
						t.Errorf("%s may %s on the attachments, which it should only read", f.Name, a)
					}
				case "secretsmanager":
					zalo := slices.Equal(targets, []string{zaloTokensID})
					switch {
					case zalo && !slices.Contains(names, ZaloTokenSecretEnv):
						t.Errorf("%s may %s the Zalo tokens but does not read %s", f.Name, a, ZaloTokenSecretEnv)
					case zalo && a != "secretsmanager:GetSecretValue" && !(a == "secretsmanager:PutSecretValue" && f.Name == TokensFunction):
						t.Errorf("%s may %s the Zalo tokens, which only the tokens function writes", f.Name, a)
					case !zalo && len(envconfig.Secrets(f.Config)) == 0:
						t.Errorf("%s may read the secret but has no secret settings", f.Name)
					case !zalo && a != "secretsmanager:GetSecretValue":
						t.Errorf("%s may %s the provider secret, which functions only read", f.Name, a)
					}
				case "ses":
					// Only the functions that send email (their config reads
					// SES_FROM_ADDRESS) may send, and only send.
					if !slices.Contains(envconfig.Names(f.Config), "SES_FROM_ADDRESS") || (a != "ses:SendEmail" && a != "ses:SendRawEmail") {
						t.Errorf("%s may %s but sends no email", f.Name, a)
					}
				case "logs":
					if !slices.Equal(targets, []string{fnLogGroup(f.Name)}) {
						t.Errorf("%s writes logs to %v, want its own log group", f.Name, targets)
					}
				default:
					t.Errorf("%s: unexpected action %s", f.Name, a)
				}
			}
		}
	}
}

// The agent API signs download links for attachments and raw mail (the
// customer's export) and deletes them when she is erased: it may get and
// delete objects of those two buckets, nothing more in S3; the email
// function, which stores them, may also put.
func TestAgentAPIMayOnlyReadAndEraseCustomerFiles(t *testing.T) {
	attach := *synthStack.GetLogicalId(synthStack.b.attach.Node().DefaultChild().(awscdk.CfnElement))
	mail := *synthStack.GetLogicalId(synthStack.b.mail.Node().DefaultChild().(awscdk.CfnElement))
	vars := tmpl.Resources[fnID("agentapi")].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if !slices.Equal(refs(vars[email.Attachments.EnvVar]), []string{attach}) {
		t.Errorf("agentapi %s = %v, want the attachments bucket", email.Attachments.EnvVar, vars[email.Attachments.EnvVar])
	}
	s3Actions := map[string][]string{}
	roles := map[string]string{refs(tmpl.Resources[fnID("agentapi")].Properties["Role"])[0]: "agentapi", refs(tmpl.Resources[fnID("email")].Properties["Role"])[0]: "email"}
	for _, s := range statements() {
		fn, ok := roles[s.owner]
		if !ok || s.effect != "Allow" {
			continue
		}
		for _, a := range s.actions {
			if !strings.HasPrefix(a, "s3:") {
				continue
			}
			for _, res := range s.resources {
				switch {
				case slices.Equal(refs(res), []string{attach}):
					s3Actions[fn] = append(s3Actions[fn], a)
				case fn == "agentapi" && slices.Equal(refs(res), []string{mail}):
					s3Actions["agentapi mail"] = append(s3Actions["agentapi mail"], a)
				case fn == "agentapi":
					t.Errorf("agentapi may %s on %v, which is neither the attachments nor the mail bucket", a, res)
				}
			}
		}
	}
	slices.Sort(s3Actions["email"])
	for _, k := range []string{"agentapi", "agentapi mail"} {
		slices.Sort(s3Actions[k])
		if !slices.Equal(s3Actions[k], []string{"s3:DeleteObject", "s3:GetObject"}) {
			t.Errorf("%s S3 actions %v, want s3:GetObject and s3:DeleteObject only", k, s3Actions[k])
		}
	}
	vars = tmpl.Resources[fnID("agentapi")].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if !slices.Equal(refs(vars[email.RawMail.EnvVar]), []string{mail}) {
		t.Errorf("agentapi %s = %v, want the mail bucket", email.RawMail.EnvVar, vars[email.RawMail.EnvVar])
	}
	if !slices.Contains(s3Actions["email"], "s3:PutObject") || !slices.Contains(s3Actions["email"], "s3:GetObject") {
		t.Errorf("email S3 actions %v, want it to store attachments", s3Actions["email"])
	}
}

func laneOf(targets []string) (queue.Lane, bool) {
	if len(targets) != 1 {
		return queue.Lane{}, false
	}
	for _, l := range queue.Lanes() {
		if strings.HasPrefix(targets[0], exportName(l.Key)+"Queue") {
			return l, true
		}
	}
	return queue.Lane{}, false
}

func fnLogGroup(name string) string {
	cfg := tmpl.Resources[fnID(name)].Properties["LoggingConfig"].(map[string]any)
	return refs(cfg["LogGroup"])[0]
}

func TestEnvironmentMatchesConfigLoaders(t *testing.T) {
	for _, f := range Functions() {
		p := tmpl.Resources[fnID(f.Name)].Properties
		vars, _ := p["Environment"].(map[string]any)["Variables"].(map[string]any)
		secrets := envconfig.Secrets(f.Config)
		var want []string
		for _, n := range envconfig.Names(f.Config) {
			if !slices.Contains(secrets, n) && !lambdaReserved[n] {
				want = append(want, n)
			}
		}
		if len(secrets) > 0 {
			want = append(want, SecretsARNEnv) // documented extra: where the secrets are
		}
		var got []string
		for k := range vars {
			got = append(got, k)
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s environment\n got %v\nwant %v (envconfig names minus secrets, plus %s)", f.Name, got, want, SecretsARNEnv)
		}
		for _, n := range envconfig.Required(f.Config) {
			if v, ok := vars[n]; !ok || v == "" {
				t.Errorf("%s: required %s has no value", f.Name, n)
			}
		}
		for _, n := range secrets {
			if _, ok := vars[n]; ok {
				t.Errorf("%s: secret %s is in the environment in plain text", f.Name, n)
			}
		}
		if len(secrets) > 0 && !slices.Equal(refs(vars[SecretsARNEnv]), []string{*synthStack.GetLogicalId(synthStack.b.secret.Node().DefaultChild().(awscdk.CfnElement))}) {
			t.Errorf("%s: %s = %v, want the provider secret", f.Name, SecretsARNEnv, vars[SecretsARNEnv])
		}
	}
	webhooks := tmpl.Resources[fnID("webhooks")].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if webhooks["PUBLIC_BASE_URL"] != "https://api.example.vn" || webhooks["BUSINESS_NAME"] != "Cửa hàng Example" {
		t.Errorf("stage settings not applied: PUBLIC_BASE_URL %v BUSINESS_NAME %v", webhooks["PUBLIC_BASE_URL"], webhooks["BUSINESS_NAME"])
	}
}

func TestSecretIsGeneratedNotPlaintext(t *testing.T) {
	for _, id := range ofType("AWS::SecretsManager::Secret") {
		p := tmpl.Resources[id].Properties
		if p["SecretString"] != nil || p["GenerateSecretString"] == nil {
			t.Errorf("secret %s: %v, want a generated value and no SecretString in the template", id, p)
		}
	}
}

func TestMailReceiving(t *testing.T) {
	rules := ofType("AWS::SES::ReceiptRule")
	if len(rules) != 1 {
		t.Fatalf("%d receipt rules", len(rules))
	}
	rule := tmpl.Resources[rules[0]].Properties["Rule"].(map[string]any)
	actions := list(rule["Actions"])
	if len(actions) == 0 || actions[0].(map[string]any)["S3Action"] == nil {
		t.Fatalf("first action %v, want the S3 action", actions)
	}
	s3 := actions[0].(map[string]any)["S3Action"].(map[string]any)
	if s3["ObjectKeyPrefix"] != email.RawMailPrefix {
		t.Errorf("S3 action prefix %v, want %s", s3["ObjectKeyPrefix"], email.RawMailPrefix)
	}
	lambdas := 0
	for _, a := range actions[1:] {
		if a.(map[string]any)["LambdaAction"] != nil {
			lambdas++
		}
	}
	mailFns := 0
	for _, f := range Functions() {
		if f.ReceivesMail {
			mailFns++
		}
	}
	if lambdas != mailFns {
		t.Errorf("%d Lambda actions after the S3 action, want %d (one per mail function)", lambdas, mailFns)
	}
	if fmt.Sprint(rule["Recipients"]) != "[support@example.vn help@example.vn]" || rule["TlsPolicy"] != "Require" || rule["ScanEnabled"] != true {
		t.Errorf("rule %v", rule)
	}
	hasProps(t, ("AWS::S3::BucketPolicy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action":    "s3:PutObject",
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": "ses.amazonaws.com"},
			"Condition": assertions.Match_AnyValue(),
		})})},
	})
	hasProps(t, ("AWS::S3::Bucket"), map[string]any{
		"BucketEncryption":               map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}},
		"LifecycleConfiguration":         map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"ExpirationInDays": 365, "Prefix": email.RawMailPrefix})})},
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
	})
}

func TestAPIStageLogsThrottlesAndDomain(t *testing.T) {
	hasProps(t, ("AWS::ApiGatewayV2::Stage"), map[string]any{
		"StageName":            "$default",
		"AccessLogSettings":    map[string]any{"DestinationArn": assertions.Match_AnyValue(), "Format": assertions.Match_StringLikeRegexp(jsii.String(`\$context\.requestId`))},
		"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100},
	})
	hasProps(t, ("AWS::ApiGatewayV2::DomainName"), map[string]any{
		"DomainName": "api.example.vn",
		"DomainNameConfigurations": []any{assertions.Match_ObjectLike(&map[string]any{
			"CertificateArn": testContext[CtxCertificateARN], "SecurityPolicy": "TLS_1_2",
		})},
	})
	// With a custom domain, the execute-api URL is off: providers sign the domain's URLs.
	hasProps(t, ("AWS::ApiGatewayV2::Api"), map[string]any{"DisableExecuteApiEndpoint": true})
}

func TestAlarms(t *testing.T) {
	topic := ofType("AWS::SNS::Topic")[0]
	byMetric := map[string]int{}
	for _, id := range ofType("AWS::CloudWatch::Alarm") {
		p := tmpl.Resources[id].Properties
		if !slices.Equal(refs(p["AlarmActions"]), []string{topic}) {
			t.Errorf("alarm %s notifies %v, want the alarm topic", id, p["AlarmActions"])
		}
		metric, _ := p["MetricName"].(string)
		if metric == "" { // a metric math alarm: the API's 5xx rate
			metric = "5xx rate"
			if !strings.Contains(fmt.Sprint(p["Metrics"]), "5xx") || !strings.Contains(fmt.Sprint(p["Metrics"]), "Count") {
				t.Errorf("alarm %s: metrics %v, want 5xx over Count", id, p["Metrics"])
			}
		}
		byMetric[metric]++
		threshold := 0.0
		switch metric {
		case "ApproximateAgeOfOldestMessage":
			threshold = 60
			if strings.HasPrefix(refs(p["Dimensions"])[0], "NormalQueue") {
				threshold = NormalLaneMaxAge
			} else if !strings.HasPrefix(refs(p["Dimensions"])[0], "UrgentQueue") {
				t.Errorf("oldest-message alarm on %v, want a lane", refs(p["Dimensions"]))
			}
		case "5xx rate":
			threshold = API5xxPercent
		}
		if p["Threshold"] != threshold || p["ComparisonOperator"] != "GreaterThanThreshold" {
			t.Errorf("alarm %s on %s: %v %v, want > %v", id, metric, p["ComparisonOperator"], p["Threshold"], threshold)
		}
	}
	n := len(Functions())
	async := 0
	if synthStack.b.asyncDLQ != nil {
		async = 1
	}
	want := map[string]int{"Errors": n, "Throttles": n, "ApproximateNumberOfMessagesVisible": len(queue.Lanes()) + async, "ApproximateAgeOfOldestMessage": 2,
		"5xx rate": 1, "RoutingBatchItemFailures": 1, "ReadThrottleEvents": 1, "WriteThrottleEvents": 1,
		"ZaloTokenRefreshFailures": 1, "ZaloTokenExpiringSoon": 1, "ProviderAuthFailures": len(AuthAlarmProviders)}
	if fmt.Sprint(byMetric) != fmt.Sprint(want) {
		t.Errorf("alarms by metric %v, want %v", byMetric, want)
	}
	hasProps(t, ("AWS::SNS::Subscription"), map[string]any{"Protocol": "email", "Endpoint": "ops@example.vn"})
}

func TestSchedulesAndConnectRule(t *testing.T) {
	rules := ofType("AWS::Events::Rule")
	for _, f := range Functions() {
		id := fnID(f.Name)
		var schedule, connect int
		for _, r := range rules {
			p := tmpl.Resources[r].Properties
			if !slices.Contains(refs(p["Targets"]), id) {
				continue
			}
			if p["ScheduleExpression"] == f.schedule() && f.schedule() != "" {
				schedule++
			}
			if pat, ok := p["EventPattern"].(map[string]any); ok && fmt.Sprint(pat["source"]) == "[aws.connect]" {
				connect++
			}
		}
		if (f.schedule() != "") != (schedule == 1) || f.ConnectEvents != (connect == 1) {
			t.Errorf("%s: %d schedule rules (want %q), %d Connect rules (want %v)", f.Name, schedule, f.schedule(), connect, f.ConnectEvents)
		}
	}
}

func TestNagClean(t *testing.T) {
	if len(nagErrors) > 0 {
		t.Errorf("cdk-nag AwsSolutions errors:\n%s", strings.Join(nagErrors, "\n"))
	}
	if len(nagWarns) > 0 {
		t.Errorf("cdk-nag AwsSolutions warnings:\n%s", strings.Join(nagWarns, "\n"))
	}
	suppressions := 0
	for id, r := range tmpl.Resources {
		nag, _ := r.Metadata["cdk_nag"].(map[string]any)
		for _, s := range list(nag["rules_to_suppress"]) {
			m := s.(map[string]any)
			reason, _ := m["reason"].(string)
			suppressions++
			if len(reason) < 60 || !strings.Contains(reason, " ") {
				t.Errorf("%s: suppression of %v has no specific reason: %q", id, m["id"], reason)
			}
		}
	}
	t.Logf("%d suppressions, each with its reason", suppressions)
}

func TestMissingBinariesAreNamed(t *testing.T) {
	app := awscdk.NewApp(nil)
	_, err := New(app, Config{Stage: "x", AssetDir: t.TempDir(), LogRetentionDays: 90})
	if err == nil || !strings.Contains(err.Error(), filepath.Join("webhooks", "bootstrap")) {
		t.Fatalf("error %v should name the missing webhooks binary", err)
	}
}
