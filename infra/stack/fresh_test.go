package stack

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/concierge-cx/concierge/shared/envconfig"
	"github.com/concierge-cx/concierge/shared/httpapi"
)

// synthWith synthesizes a stage from context alone, as `make synth` does.
func synthWith(t *testing.T, ctx map[string]any) (*Stack, cfnTemplate, []string, error) {
	t.Helper()
	// The console is not built in a fresh checkout: its placeholder is deployed.
	all := map[string]any{CtxAssets: synthStack.Config.AssetDir, CtxConsoleDist: filepath.Join(t.TempDir(), "missing")}
	for k, v := range ctx {
		all[k] = v
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &all, Outdir: jsii.String(t.TempDir())})
	cfg, err := ConfigFromContext(app.Node(), SettingNames())
	if err != nil {
		return nil, cfnTemplate{}, nil, err
	}
	st, err := New(app, cfg)
	if err != nil {
		return nil, cfnTemplate{}, nil, err
	}
	Check(app)
	tpl := assertions.Template_FromStack(st.Stack, nil)
	raw, _ := json.Marshal(tpl.ToJSON())
	var out cfnTemplate
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	errs, warns := nagFindings(st.Stack)
	return st, out, append(errs, warns...), nil
}

func TestFreshAccountSynthWithNoFlags(t *testing.T) {
	st, tpl, nag, err := synthWith(t, nil)
	if err != nil {
		t.Fatalf("synth with no flags: %v", err)
	}
	if len(nag) > 0 {
		t.Errorf("cdk-nag:\n%s", strings.Join(nag, "\n"))
	}
	count := func(typ string) int {
		n := 0
		for _, r := range tpl.Resources {
			if r.Type == typ {
				n++
			}
		}
		return n
	}
	// The buckets: the console's two and the attachments bucket, which
	// holds the media customers send on chat channels, email or not.
	if n := count("AWS::SES::ReceiptRule") + count("AWS::SES::ReceiptRuleSet") + count("AWS::S3::Bucket") - 3; n != 0 {
		t.Errorf("%d SES rules, rule sets and buckets besides the console's two and the attachments bucket without email configured, want none", n)
	}
	if _, ok := st.Functions["email"]; ok {
		t.Error("the email function is deployed without email configured")
	}
	if len(st.Notes) != 2 || !strings.Contains(st.Notes[0], "email receiving off") || !strings.Contains(st.Notes[0], "-c "+CtxRecipients+"=") {
		t.Errorf("notes %q, want one saying email receiving is off and how to turn it on, and the console placeholder's", st.Notes)
	}
	checkDefaultConsole(t, st, tpl)
	for id, r := range tpl.Resources {
		if r.Type == "AWS::Lambda::Function" && r.Properties["ReservedConcurrentExecutions"] != nil {
			t.Errorf("%s reserves concurrency %v by default", id, r.Properties["ReservedConcurrentExecutions"])
		}
	}
	t.Logf("%d resources without email", len(tpl.Resources))
}

func TestEmailSettingsNameTheContextKeys(t *testing.T) {
	for _, c := range []struct {
		ctx  map[string]any
		want []string
	}{
		{map[string]any{CtxRecipients: "support@shop.vn"}, []string{"-c REPLY_DOMAIN=", "-c email=false"}},
		{map[string]any{"REPLY_DOMAIN": "mail.shop.vn"}, []string{"-c recipients=", "-c email=false"}},
		{map[string]any{CtxEmail: "true"}, []string{"-c recipients=", "-c REPLY_DOMAIN="}},
	} {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &c.ctx})
		cfg, err := ConfigFromContext(app.Node(), SettingNames())
		if err == nil {
			_, err = New(app, cfg)
		}
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("context %v: error %v, want it to name %q", c.ctx, err, w)
			}
		}
	}
	// Switched off explicitly, half a configuration is fine.
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{CtxEmail: "false", CtxRecipients: "support@shop.vn", CtxAssets: synthStack.Config.AssetDir}})
	cfg, err := ConfigFromContext(app.Node(), SettingNames())
	if err == nil {
		_, err = New(app, cfg)
	}
	if err != nil {
		t.Errorf("-c email=false: %v", err)
	}
}

func TestNoReservedConcurrencyUnlessAskedFor(t *testing.T) {
	for _, id := range ofType("AWS::Lambda::Function") {
		if v := tmpl.Resources[id].Properties["ReservedConcurrentExecutions"]; v != nil {
			t.Errorf("%s reserves %v without -c %s=true", id, v, CtxReservedConcurrency)
		}
	}
	var lanesBounded int
	for _, f := range Functions() {
		if len(f.consumes()) > 0 && f.MaxConcurrency >= 2 {
			lanesBounded++
		}
	}
	if lanesBounded != 2 {
		t.Errorf("%d lane routers bounded by maximum concurrency, want both", lanesBounded)
	}
}

type cfnOutputs struct {
	Outputs map[string]struct {
		Value any `json:"Value"`
	} `json:"Outputs"`
}

func TestOutputsForTheFirstDay(t *testing.T) {
	raw, _ := json.Marshal(template.ToJSON())
	var out cfnOutputs
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	want := []string{"ApiUrl", "SecretArn", "SecretKeysInbound", "SecretKeysOutbound", "AlarmTopicArn", "UserPoolId", "UserPoolClientId", "ReceiptRuleSetName", "ConnectFunctionArn"}
	for _, r := range httpapi.DeployedRoutes() {
		if strings.HasPrefix(r.Path, "/webhooks/") {
			want = append(want, WebhookOutputID(r.Path))
		}
	}
	for _, id := range want {
		if _, ok := out.Outputs[id]; !ok {
			t.Errorf("no output %s", id)
		}
	}
	if v := fmt.Sprint(out.Outputs["WebhookTwilioVoice"].Value); !strings.Contains(v, "https://api.example.vn") || !strings.Contains(v, "/webhooks/twilio/voice") {
		t.Errorf("WebhookTwilioVoice = %v", v)
	}
	in := strings.Split(fmt.Sprint(out.Outputs["SecretKeysInbound"].Value), ",")
	outb := strings.Split(fmt.Sprint(out.Outputs["SecretKeysOutbound"].Value), ",")
	for _, k := range []string{"TWILIO_AUTH_TOKEN", "META_APP_SECRET", "WEBCHAT_SIGNING_SECRET", "TELEGRAM_WEBHOOK_SECRET"} {
		if !slices.Contains(in, k) {
			t.Errorf("inbound keys %v lack %s", in, k)
		}
	}
	for _, k := range []string{"TELEGRAM_BOT_TOKEN", "META_ACCESS_TOKEN", "ZALO_OA_ACCESS_TOKEN", "VONAGE_API_SECRET"} {
		if !slices.Contains(outb, k) {
			t.Errorf("outbound keys %v lack %s", outb, k)
		}
	}
	// Every secret any function declares is listed once.
	all := map[string]bool{}
	for _, f := range Functions() {
		for _, k := range envconfig.Secrets(f.Config) {
			all[k] = true
		}
	}
	if len(in)+len(outb) != len(all) {
		t.Errorf("%d inbound + %d outbound keys, want the %d declared secrets", len(in), len(outb), len(all))
	}
}

func TestPartnerAttributeOnlyASupervisorSets(t *testing.T) {
	hasProps(t, "AWS::Cognito::UserPool", map[string]any{
		"Schema": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Name": PartnerAttribute, "AttributeDataType": "String", "Mutable": true,
		})}),
	})
	client := tmpl.Resources[ofType("AWS::Cognito::UserPoolClient")[0]].Properties
	write := fmt.Sprint(client["WriteAttributes"])
	if client["WriteAttributes"] == nil || strings.Contains(write, "partner_id") {
		t.Errorf("client write attributes %v: want a list without custom:%s", write, PartnerAttribute)
	}
	if !strings.Contains(fmt.Sprint(client["ReadAttributes"]), "custom:"+PartnerAttribute) {
		t.Errorf("client read attributes %v lack custom:%s", client["ReadAttributes"], PartnerAttribute)
	}
}

func TestSweeperAndWebhooksGetOnlyWhatTheyUse(t *testing.T) {
	for _, s := range statements() {
		for _, name := range []string{"sla", "webhooks"} {
			role := refs(tmpl.Resources[fnID(name)].Properties["Role"])[0]
			if s.owner != role {
				continue
			}
			for _, a := range s.actions {
				// The SLA sweeper may send email: it sends the surveys resolves owe.
				// DeleteItem it needs: it removes parked jobs and owed side effects once done.
				if name == "sla" && a == "dynamodb:BatchWriteItem" {
					t.Errorf("the SLA sweeper may %s", a)
				}
				if name == "webhooks" && a == "dynamodb:BatchWriteItem" {
					t.Errorf("the webhooks function may %s", a)
				}
			}
		}
	}
	// The SLA sweeper holds the provider tokens: it sends the surveys that
	// resolves owe and could not send themselves (shared/feedback).
	for _, f := range Functions() {
		if f.Name == "sla" && !slices.Contains(envconfig.Secrets(f.Config), "META_ACCESS_TOKEN") {
			t.Errorf("the SLA sweeper declares no provider tokens; it sends owed surveys")
		}
	}
}
