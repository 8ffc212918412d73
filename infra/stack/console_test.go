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

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

func logicalID(c constructs.IConstruct) string {
	return *synthStack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// flat renders a CloudFormation value as one string: joins joined, a Ref as
// ${Id}, a GetAtt as ${Id.Attr}, a Sub as its template.
func flat(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		if r, ok := t["Ref"].(string); ok {
			return "${" + r + "}"
		}
		if g, ok := t["Fn::GetAtt"].([]any); ok {
			return "${" + fmt.Sprint(g[0]) + "." + fmt.Sprint(g[1]) + "}"
		}
		if s, ok := t["Fn::Sub"].(string); ok {
			return s
		}
		if j, ok := t["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, flat(p))
			}
			return strings.Join(parts, j[0].(string))
		}
	}
	return fmt.Sprintf("%v", v)
}

// cspDirectives splits a policy into its directives' source lists.
func cspDirectives(csp string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

// cycle returns a dependency cycle among the template's resources (through
// Ref, GetAtt and DependsOn), which CloudFormation refuses, or nil.
func cycle(tpl cfnTemplate) []string {
	deps := map[string][]string{}
	for id, r := range tpl.Resources {
		on := refs(r.Properties)
		for _, d := range list(r.DependsOn) {
			on = append(on, fmt.Sprint(d))
		}
		for _, x := range on {
			if _, ok := tpl.Resources[x]; ok && x != id {
				deps[id] = append(deps[id], x)
			}
		}
	}
	state := map[string]int{} // 1 visiting, 2 done
	var path []string
	var visit func(string) []string
	visit = func(id string) []string {
		switch state[id] {
		case 1:
			i := slices.Index(path, id)
			return append(slices.Clone(path[i:]), id)
		case 2:
			return nil
		}
		state[id] = 1
		path = append(path, id)
		for _, d := range deps[id] {
			if c := visit(d); c != nil {
				return c
			}
		}
		path = path[:len(path)-1]
		state[id] = 2
		return nil
	}
	ids := make([]string, 0, len(tpl.Resources))
	for id := range tpl.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if c := visit(id); c != nil {
			return c
		}
	}
	return nil
}

func TestConsoleBucketIsPrivateBehindOAC(t *testing.T) {
	c := synthStack.b.console
	bucket, logs, dist := logicalID(c.bucket), logicalID(c.logs), logicalID(c.dist)
	p := tmpl.Resources[bucket].Properties
	if fmt.Sprint(p["PublicAccessBlockConfiguration"]) != "map[BlockPublicAcls:true BlockPublicPolicy:true IgnorePublicAcls:true RestrictPublicBuckets:true]" {
		t.Errorf("console bucket public access block %v", p["PublicAccessBlockConfiguration"])
	}
	if !strings.Contains(fmt.Sprint(p["BucketEncryption"]), "AES256") {
		t.Errorf("console bucket encryption %v", p["BucketEncryption"])
	}
	if !strings.Contains(fmt.Sprint(p["OwnershipControls"]), "BucketOwnerEnforced") || p["AccessControl"] != nil || p["WebsiteConfiguration"] != nil {
		t.Errorf("console bucket: ownership %v, ACL %v, website %v: want owner-enforced, no ACL, no website endpoint", p["OwnershipControls"], p["AccessControl"], p["WebsiteConfiguration"])
	}
	if lc, _ := p["LoggingConfiguration"].(map[string]any); !slices.Equal(refs(lc["DestinationBucketName"]), []string{logs}) {
		t.Errorf("console bucket access logs go to %v, want the console log bucket", p["LoggingConfiguration"])
	}
	// Its policy: TLS only, and reads by this distribution only.
	var allows, tlsDeny int
	for _, s := range statements() {
		owner := tmpl.Resources[s.owner]
		if owner.Type != "AWS::S3::BucketPolicy" || !slices.Equal(refs(owner.Properties["Bucket"]), []string{bucket}) {
			continue
		}
		if s.effect == "Deny" && strings.Contains(fmt.Sprint(s.raw["Condition"]), "aws:SecureTransport:false") {
			tlsDeny++
			continue
		}
		allows++
		principal := fmt.Sprint(s.raw["Principal"])
		if principal != "map[Service:cloudfront.amazonaws.com]" || !slices.Equal(s.actions, []string{"s3:GetObject"}) ||
			!slices.Contains(refs(s.raw["Condition"]), dist) || !strings.Contains(fmt.Sprint(s.raw["Condition"]), "AWS:SourceArn") {
			t.Errorf("console bucket allows %v %v to %s under %v; want only s3:GetObject by CloudFront for this distribution", s.actions, s.resources, principal, s.raw["Condition"])
		}
	}
	if allows != 1 || tlsDeny != 1 {
		t.Errorf("console bucket policy: %d allows, %d TLS denies; want one of each", allows, tlsDeny)
	}
	oacs := ofType("AWS::CloudFront::OriginAccessControl")
	if len(oacs) != 1 {
		t.Fatalf("%d origin access controls", len(oacs))
	}
	oac := tmpl.Resources[oacs[0]].Properties["OriginAccessControlConfig"].(map[string]any)
	if oac["OriginAccessControlOriginType"] != "s3" || oac["SigningBehavior"] != "always" || oac["SigningProtocol"] != "sigv4" {
		t.Errorf("origin access control %v: want s3, always, sigv4", oac)
	}
	cfg := tmpl.Resources[dist].Properties["DistributionConfig"].(map[string]any)
	origins := list(cfg["Origins"])
	if len(origins) != 1 {
		t.Fatalf("distribution origins %v: want the console bucket only", origins)
	}
	o := origins[0].(map[string]any)
	if !slices.Equal(refs(o["OriginAccessControlId"]), []string{oacs[0]}) || !slices.Contains(refs(o["DomainName"]), bucket) {
		t.Errorf("origin %v: want the console bucket through the OAC", o)
	}
	if s3, _ := o["S3OriginConfig"].(map[string]any); s3["OriginAccessIdentity"] != "" {
		t.Errorf("origin uses an origin access identity %v; want OAC only", s3["OriginAccessIdentity"])
	}
	def := cfg["DefaultCacheBehavior"].(map[string]any)
	if def["ViewerProtocolPolicy"] != "redirect-to-https" || !slices.Equal(refs(def["ResponseHeadersPolicyId"]), []string{logicalID(c.headers)}) {
		t.Errorf("default behavior: viewer protocol %v, headers %v", def["ViewerProtocolPolicy"], def["ResponseHeadersPolicyId"])
	}
	if fmt.Sprint(def["AllowedMethods"]) != "[GET HEAD]" {
		t.Errorf("allowed methods %v, want GET and HEAD", def["AllowedMethods"])
	}
	if cfg["DefaultRootObject"] != "index.html" {
		t.Errorf("default root object %v", cfg["DefaultRootObject"])
	}
	var fallbacks []string
	for _, e := range list(cfg["CustomErrorResponses"]) {
		m := e.(map[string]any)
		fallbacks = append(fallbacks, fmt.Sprintf("%v->%v %v", m["ErrorCode"], m["ResponseCode"], m["ResponsePagePath"]))
	}
	if fmt.Sprint(fallbacks) != "[403->200 /index.html 404->200 /index.html]" {
		t.Errorf("error responses %v: want 403 and 404 served as the app (SPA fallback)", fallbacks)
	}
	if lg, _ := cfg["Logging"].(map[string]any); !slices.Equal(refs(lg["Bucket"]), []string{logs}) {
		t.Errorf("distribution logging %v, want the console log bucket", cfg["Logging"])
	}
	// With the custom console domain: its alias and TLS 1.2 at least.
	vc, _ := cfg["ViewerCertificate"].(map[string]any)
	if fmt.Sprint(cfg["Aliases"]) != "[console.example.vn]" || vc["MinimumProtocolVersion"] != "TLSv1.2_2021" || vc["SslSupportMethod"] != "sni-only" || vc["AcmCertificateArn"] != testContext[CtxConsoleCertificate] {
		t.Errorf("aliases %v, certificate %v", cfg["Aliases"], vc)
	}
	lp := tmpl.Resources[logs].Properties
	if fmt.Sprint(lp["PublicAccessBlockConfiguration"]) != "map[BlockPublicAcls:true BlockPublicPolicy:true IgnorePublicAcls:true RestrictPublicBuckets:true]" ||
		!strings.Contains(fmt.Sprint(lp["LifecycleConfiguration"]), "ExpirationInDays:90") {
		t.Errorf("log bucket: public access %v, lifecycle %v", lp["PublicAccessBlockConfiguration"], lp["LifecycleConfiguration"])
	}
}

func TestConsoleSecurityHeaders(t *testing.T) {
	cfg := tmpl.Resources[logicalID(synthStack.b.console.headers)].Properties["ResponseHeadersPolicyConfig"].(map[string]any)
	sec := cfg["SecurityHeadersConfig"].(map[string]any)
	for name, h := range sec {
		if h.(map[string]any)["Override"] != true {
			t.Errorf("%s does not override the origin's header", name)
		}
	}
	csp := flat(sec["ContentSecurityPolicy"].(map[string]any)["ContentSecurityPolicy"])
	d := cspDirectives(csp)
	auth := "https://concierge-test-${AWS::AccountId}.auth.${AWS::Region}.amazoncognito.com"
	want := map[string][]string{
		"default-src":     {"'self'"},
		"script-src":      {"'self'"},
		"connect-src":     {"'self'", "https://api.example.vn", auth},
		"frame-ancestors": {"'none'"},
		"object-src":      {"'none'"},
		"base-uri":        {"'none'"},
		"form-action":     {"'self'"},
	}
	for k, v := range want {
		if !slices.Equal(d[k], v) {
			t.Errorf("CSP %s %v, want %v (policy: %s)", k, d[k], v, csp)
		}
	}
	if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "*") {
		t.Errorf("CSP allows unsafe sources or wildcards: %s", csp)
	}
	for k, v := range d {
		for _, src := range v {
			if src != "'self'" && src != "'none'" && src != "data:" && !(k == "connect-src" && slices.Contains(want[k], src)) {
				t.Errorf("CSP %s allows %s: only its own origin, the API and the hosted UI", k, src)
			}
		}
	}
	hsts := sec["StrictTransportSecurity"].(map[string]any)
	if age, _ := hsts["AccessControlMaxAgeSec"].(float64); age < 365*24*3600 || hsts["IncludeSubdomains"] != true {
		t.Errorf("HSTS %v: want at least a year, subdomains included", hsts)
	}
	if sec["FrameOptions"].(map[string]any)["FrameOption"] != "DENY" {
		t.Errorf("frame options %v", sec["FrameOptions"])
	}
	if sec["ContentTypeOptions"] == nil {
		t.Error("no X-Content-Type-Options: nosniff")
	}
	if rp := sec["ReferrerPolicy"].(map[string]any)["ReferrerPolicy"]; rp != "same-origin" && rp != "no-referrer" && rp != "strict-origin-when-cross-origin" {
		t.Errorf("referrer policy %v", rp)
	}
}

func TestHostedUIClientHasOnlyTheCodeFlow(t *testing.T) {
	clients := ofType("AWS::Cognito::UserPoolClient")
	if len(clients) != 1 {
		t.Fatalf("%d app clients", len(clients))
	}
	p := tmpl.Resources[clients[0]].Properties
	if fmt.Sprint(p["AllowedOAuthFlows"]) != "[code]" || p["AllowedOAuthFlowsUserPoolClient"] != true {
		t.Errorf("OAuth flows %v (enabled %v): want the authorization-code grant only", p["AllowedOAuthFlows"], p["AllowedOAuthFlowsUserPoolClient"])
	}
	scopes := fmt.Sprint(p["AllowedOAuthScopes"])
	if scopes != "[openid email profile]" {
		t.Errorf("scopes %s, want openid email profile", scopes)
	}
	if p["GenerateSecret"] != false {
		t.Errorf("GenerateSecret %v: the console is a public client (PKCE)", p["GenerateSecret"])
	}
	for _, f := range list(p["ExplicitAuthFlows"]) {
		if f != "ALLOW_REFRESH_TOKEN_AUTH" && f != "ALLOW_ADMIN_USER_PASSWORD_AUTH" {
			t.Errorf("explicit auth flow %v: the browser signs in through the hosted UI only", f)
		}
	}
	if fmt.Sprint(p["CallbackURLs"]) != "[https://console.example.vn/]" || fmt.Sprint(p["LogoutURLs"]) != "[https://console.example.vn/]" {
		t.Errorf("callback %v logout %v: want the console origin only", p["CallbackURLs"], p["LogoutURLs"])
	}
	if fmt.Sprint(p["SupportedIdentityProviders"]) != "[COGNITO]" {
		t.Errorf("identity providers %v", p["SupportedIdentityProviders"])
	}
	if v, _ := p["RefreshTokenValidity"].(float64); v <= 0 || v > 7*24*60 || p["EnableTokenRevocation"] != true {
		t.Errorf("refresh tokens valid %v minutes (revocation %v): want at most a week, revocable", p["RefreshTokenValidity"], p["EnableTokenRevocation"])
	}
	domains := ofType("AWS::Cognito::UserPoolDomain")
	if len(domains) != 1 {
		t.Fatalf("%d user pool domains, want the hosted UI's", len(domains))
	}
	dp := tmpl.Resources[domains[0]].Properties
	if flat(dp["Domain"]) != "concierge-test-${AWS::AccountId}" || !slices.Equal(refs(dp["UserPoolId"]), refs(p["UserPoolId"])) || dp["CustomDomainConfig"] != nil {
		t.Errorf("hosted UI domain %v on pool %v", flat(dp["Domain"]), dp["UserPoolId"])
	}
	// The API's authorizer accepts this client's tokens (audience = its id).
	for _, id := range ofType("AWS::ApiGatewayV2::Authorizer") {
		jwt := tmpl.Resources[id].Properties["JwtConfiguration"].(map[string]any)
		if !slices.Equal(refs(jwt["Audience"]), []string{clients[0]}) {
			t.Errorf("authorizer audience %v, want the console's client", jwt["Audience"])
		}
	}
}

func TestConsoleDeploymentAndConfig(t *testing.T) {
	c := synthStack.b.console
	deps := ofType("Custom::CDKBucketDeployment")
	if len(deps) != 1 {
		t.Fatalf("%d bucket deployments", len(deps))
	}
	p := tmpl.Resources[deps[0]].Properties
	if !slices.Equal(refs(p["DestinationBucketName"]), []string{logicalID(c.bucket)}) || !slices.Equal(refs(p["DistributionId"]), []string{logicalID(c.dist)}) ||
		fmt.Sprint(p["DistributionPaths"]) != "[/*]" || p["Prune"] != true {
		t.Errorf("deployment to %v, invalidating %v %v, prune %v", p["DestinationBucketName"], p["DistributionId"], p["DistributionPaths"], p["Prune"])
	}
	if fmt.Sprint(p["SystemMetadata"]) != "map[cache-control:no-cache]" {
		t.Errorf("system metadata %v, want every file revalidated", p["SystemMetadata"])
	}
	keys := list(p["SourceObjectKeys"])
	markers := list(p["SourceMarkers"])
	if len(keys) != 2 || len(markers) != 2 {
		t.Fatalf("sources %v: want the built console, then config.json", keys)
	}
	// The staged assets: the built console, and config.json with markers
	// CloudFormation fills in at deploy.
	files := map[string]string{}
	err := filepath.Walk(outDir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasPrefix(filepath.Base(filepath.Dir(path)), "asset.") {
			b, _ := os.ReadFile(path)
			files[filepath.Base(filepath.Dir(path))+"/"+info.Name()] = string(b)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hash := func(key any) string { return "asset." + strings.TrimSuffix(fmt.Sprint(key), ".zip") }
	if files[hash(keys[0])+"/index.html"] == "" || files[hash(keys[0])+"/app.js"] == "" {
		t.Errorf("first source %v is not the built console", keys[0])
	}
	raw, ok := files[hash(keys[1])+"/"+ConfigFile]
	if !ok {
		t.Fatalf("second source %v holds no %s", keys[1], ConfigFile)
	}
	for m, v := range markers[1].(map[string]any) {
		raw = strings.ReplaceAll(raw, m, flat(v))
	}
	var cfg struct {
		APIBase string `json:"apiBase"`
		Auth    struct {
			Mode, Domain, ClientID, RedirectURI, LogoutURI string
		} `json:"auth"`
	}
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("%s: %v\n%s", ConfigFile, err, raw)
	}
	client := ofType("AWS::Cognito::UserPoolClient")[0]
	domain := ofType("AWS::Cognito::UserPoolDomain")[0]
	if cfg.APIBase != "https://api.example.vn" || cfg.Auth.Mode != "cognito" || cfg.Auth.ClientID != "${"+client+"}" ||
		cfg.Auth.Domain != "https://${"+domain+"}.auth.${AWS::Region}.amazoncognito.com" ||
		cfg.Auth.RedirectURI != "https://console.example.vn/" || cfg.Auth.LogoutURI != "https://console.example.vn/" {
		t.Errorf("%s = %+v", ConfigFile, cfg)
	}
	if !strings.Contains(fmt.Sprint(tmpl.Resources[deps[0]].DependsOn), domain) {
		t.Errorf("the deployment does not wait for the hosted UI domain (depends on %v)", tmpl.Resources[deps[0]].DependsOn)
	}
	if slices.ContainsFunc(synthStack.Notes, func(n string) bool { return strings.Contains(n, "console not built") }) || c.placeholder {
		t.Errorf("a built console was replaced by the placeholder")
	}
}

// The upload role CDK's BucketDeployment uses: no managed policy, and only
// the console bucket, its own zipped assets, invalidations and its log group.
func TestConsoleUploadRole(t *testing.T) {
	role := logicalID(synthStack.Stack.Node().FindChild(jsii.String("ConsoleDeploymentRole")))
	if tmpl.Resources[role].Properties["ManagedPolicyArns"] != nil {
		t.Errorf("upload role attaches managed policies %v", tmpl.Resources[role].Properties["ManagedPolicyArns"])
	}
	bucket := logicalID(synthStack.b.console.bucket)
	logs := logicalID(synthStack.Stack.Node().FindChild(jsii.String("ConsoleDeploymentLogs")))
	n := 0
	for _, s := range statements() {
		if s.owner != role {
			continue
		}
		n++
		for _, a := range s.actions {
			for _, r := range s.resources {
				res := flat(r)
				ok := false
				switch strings.SplitN(a, ":", 2)[0] {
				case "s3":
					ok = strings.HasPrefix(res, "${"+bucket+".Arn}") || strings.Contains(res, "cdk-hnb659fds-assets-") && !strings.HasPrefix(a, "s3:Put") && !strings.HasPrefix(a, "s3:Delete")
				case "cloudfront":
					ok = a == "cloudfront:CreateInvalidation" || a == "cloudfront:GetInvalidation"
				case "logs":
					ok = res == "${"+logs+".Arn}"
				}
				if !ok {
					t.Errorf("upload role may %s on %s", a, res)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no statements found for the upload role")
	}
}

func TestCORSIsExactlyTheConsoleOrigin(t *testing.T) {
	apis := ofType("AWS::ApiGatewayV2::Api")
	cors, _ := tmpl.Resources[apis[0]].Properties["CorsConfiguration"].(map[string]any)
	if fmt.Sprint(cors["AllowOrigins"]) != "[https://console.example.vn]" || cors["AllowCredentials"] == true {
		t.Errorf("CORS origins %v (credentials %v): want exactly the console origin", cors["AllowOrigins"], cors["AllowCredentials"])
	}
}

func TestConsoleOutputs(t *testing.T) {
	raw, _ := json.Marshal(template.ToJSON())
	var out cfnOutputs
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if v := flat(out.Outputs["ConsoleUrl"].Value); v != "https://console.example.vn/" {
		t.Errorf("ConsoleUrl = %q", v)
	}
	if v := flat(out.Outputs["AuthDomainUrl"].Value); v != "https://concierge-test-${AWS::AccountId}.auth.${AWS::Region}.amazoncognito.com" {
		t.Errorf("AuthDomainUrl = %q", v)
	}
	if c := cycle(tmpl); c != nil {
		t.Errorf("dependency cycle: %v", c)
	}
}

// checkDefaultConsole: with no flags, the console is its CloudFront URL
// everywhere (CORS, redirects, output), the CSP names the region's
// execute-api hosts, a placeholder stands in for an unbuilt console, and
// the template has no dependency cycle.
func checkDefaultConsole(t *testing.T, st *Stack, tpl cfnTemplate) {
	t.Helper()
	dist := *st.GetLogicalId(st.b.console.dist.Node().DefaultChild().(awscdk.CfnElement))
	origin := "https://${" + dist + ".DomainName}"
	for id, r := range tpl.Resources {
		switch r.Type {
		case "AWS::ApiGatewayV2::Api":
			cors, _ := r.Properties["CorsConfiguration"].(map[string]any)
			if o := list(cors["AllowOrigins"]); len(o) != 1 || flat(o[0]) != origin {
				t.Errorf("CORS origins %v, want exactly %s", cors["AllowOrigins"], origin)
			}
		case "AWS::Cognito::UserPoolClient":
			for _, k := range []string{"CallbackURLs", "LogoutURLs"} {
				if u := list(r.Properties[k]); len(u) != 1 || flat(u[0]) != origin+"/" {
					t.Errorf("%s %v, want %s/", k, r.Properties[k], origin)
				}
			}
		case "AWS::CloudFront::ResponseHeadersPolicy":
			sec := r.Properties["ResponseHeadersPolicyConfig"].(map[string]any)["SecurityHeadersConfig"].(map[string]any)
			d := cspDirectives(flat(sec["ContentSecurityPolicy"].(map[string]any)["ContentSecurityPolicy"]))
			if !slices.Equal(d["connect-src"], []string{"'self'", "https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}", "https://concierge-dev-${AWS::AccountId}.auth.${AWS::Region}.amazoncognito.com"}) {
				t.Errorf("%s: connect-src %v", id, d["connect-src"])
			}
		}
	}
	if c := cycle(tpl); c != nil {
		t.Errorf("dependency cycle CloudFormation would refuse: %v", c)
	}
	if !st.b.console.placeholder || !slices.ContainsFunc(st.Notes, func(n string) bool { return strings.Contains(n, "console not built") }) {
		t.Errorf("no placeholder for the missing console build (notes %q)", st.Notes)
	}
}

func TestConsoleContextIsChecked(t *testing.T) {
	for _, c := range []struct {
		ctx  map[string]any
		want string
	}{
		{map[string]any{CtxConsoleCertificate: "arn:aws:acm:us-east-1:111122223333:certificate/1a2b"}, CtxConsoleOrigin},
		{map[string]any{CtxConsoleOrigin: "https://console.shop.vn", CtxConsoleCertificate: "arn:aws:acm:ap-southeast-1:111122223333:certificate/1a2b"}, "us-east-1"},
		{map[string]any{CtxConsoleOrigin: "http://console.shop.vn"}, "https"},
		{map[string]any{CtxConsoleOrigin: "https://console.shop.vn/app"}, "not an origin"},
		{map[string]any{CtxAuthDomainPrefix: "shop-aws-login"}, CtxAuthDomainPrefix},
		{map[string]any{CtxAuthDomainPrefix: "Shop_Login"}, CtxAuthDomainPrefix},
		// The default prefix embeds the stage, so a stage with a reserved word needs a chosen prefix.
		{map[string]any{CtxStage: "aws-test"}, CtxAuthDomainPrefix},
	} {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &c.ctx})
		cfg, err := ConfigFromContext(app.Node(), SettingNames())
		if err == nil {
			_, err = New(app, cfg)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("context %v: error %v, want it to name %q", c.ctx, err, c.want)
		}
	}
	// A chosen prefix, a custom domain with its certificate, a trailing slash.
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
		CtxAuthDomainPrefix: "shop-support", CtxConsoleOrigin: "https://console.shop.vn/",
		CtxConsoleCertificate: "arn:aws:acm:us-east-1:111122223333:certificate/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
	}})
	cfg, err := ConfigFromContext(app.Node(), SettingNames())
	if err == nil {
		err = checkConsole(cfg)
	}
	if err != nil || cfg.AuthDomainPrefix != "shop-support" || cfg.ConsoleOrigin != "https://console.shop.vn" {
		t.Errorf("config %+v, error %v", cfg, err)
	}
}
