package stack

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/jsii-runtime-go"
)

// The agents' console in AWS: its static files in a private bucket that
// only the CloudFront distribution reads (origin access control), served
// over HTTPS with security headers, signing in through the Cognito hosted
// UI; the API allows exactly its origin by CORS.
type consoleHosting struct {
	bucket  awss3.Bucket
	logs    awss3.Bucket
	dist    awscloudfront.Distribution
	headers awscloudfront.ResponseHeadersPolicy
	// origin is the console's origin without a trailing slash: the
	// consoleOrigin context, else https://<distribution domain> (a token).
	origin *string
	// authPrefix and authURL name the hosted UI's domain.
	authPrefix *string
	authURL    *string
	domain     awscognito.UserPoolDomain
	deployment awss3deployment.BucketDeployment
	// placeholder: console/dist was not built, a placeholder page is deployed.
	placeholder bool
}

// ConfigFile is the object the console reads at start to find the API and
// the hosted UI (its contract with the console app).
const ConfigFile = "config.json"

var (
	authPrefixRe   = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	usEast1CertARN = regexp.MustCompile(`^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+$`)
)

// checkConsole validates the console's context before anything is built.
func checkConsole(cfg Config) error {
	if cfg.ConsoleOrigin != "" {
		u, err := url.Parse(cfg.ConsoleOrigin)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("context %s: %q is not an origin (https://console.shop.vn)", CtxConsoleOrigin, cfg.ConsoleOrigin)
		}
		// Cognito accepts plain http callbacks only for localhost.
		if u.Scheme == "http" && u.Hostname() != "localhost" {
			return fmt.Errorf("context %s: %q: the hosted UI redirects only to https (or http://localhost)", CtxConsoleOrigin, cfg.ConsoleOrigin)
		}
	}
	if cfg.ConsoleCertificateARN != "" {
		if cfg.ConsoleOrigin == "" || !strings.HasPrefix(cfg.ConsoleOrigin, "https://") {
			return fmt.Errorf("context %s needs %s=https://<the certificate's host>", CtxConsoleCertificate, CtxConsoleOrigin)
		}
		if !usEast1CertARN.MatchString(cfg.ConsoleCertificateARN) {
			return fmt.Errorf("context %s: %q: CloudFront needs an ACM certificate in us-east-1", CtxConsoleCertificate, cfg.ConsoleCertificateARN)
		}
	}
	if p := cfg.AuthDomainPrefix; p != "" {
		if !authPrefixRe.MatchString(p) || reservedInPrefix(p) {
			return fmt.Errorf("context %s: %q: want lower-case letters, digits and dashes (at most 63), without aws, amazon or cognito", CtxAuthDomainPrefix, p)
		}
	} else if reservedInPrefix(cfg.Stage) {
		// The default prefix embeds the stage: Cognito would refuse it at deploy, so say so at synth.
		return fmt.Errorf("stage %q contains aws, amazon or cognito, which a hosted-UI domain prefix may not: set -c %s=<prefix>", cfg.Stage, CtxAuthDomainPrefix)
	}
	return nil
}

// apiOrigin is the API's origin as the console's CSP names it. With a
// custom API domain it is exact. Without one it is the region's
// execute-api hosts: the API's own id cannot appear in the distribution's
// headers while the API's CORS names the distribution's domain, as
// CloudFormation refuses the dependency cycle; -c domainName makes it exact.
func (b *builder) apiOrigin() *string {
	if b.cfg.DomainName != "" {
		return jsii.String("https://" + b.cfg.DomainName)
	}
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://*.execute-api."), awscdk.Aws_REGION(), jsii.String("."), awscdk.Aws_URL_SUFFIX(),
	})
}

// ContentSecurityPolicy is the console's policy: everything from its own
// origin; fetches also to the API and to the hosted UI's token endpoint;
// no framing, plugins or foreign form targets. Parts are CloudFormation
// values, so the result is joined by the template.
func ContentSecurityPolicy(api, auth *string) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' data:; " +
			"font-src 'self'; connect-src 'self' "), api, jsii.String(" "), auth,
		jsii.String("; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'; upgrade-insecure-requests"),
	})
}

// buildConsole makes the console's buckets, headers and distribution. It
// runs before the API: the API's CORS and the app client's redirect URLs
// need the console's origin.
func (b *builder) buildConsole() {
	c := &consoleHosting{}
	b.console = c
	// Access logs of the distribution and of the console bucket. CloudFront's
	// standard logs are written with ACLs, so this bucket keeps them enabled
	// (bucket-owner preferred); nothing here is public.
	c.logs = awss3.NewBucket(b.stack, jsii.String("ConsoleLogsBucket"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		RemovalPolicy:     b.removal(),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-logs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(b.cfg.LogRetentionDays)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
	c.bucket = awss3.NewBucket(b.stack, jsii.String("ConsoleBucket"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:          b.removal(),
		ServerAccessLogsBucket: c.logs,
		ServerAccessLogsPrefix: jsii.String("s3/console/"),
	})

	if b.cfg.AuthDomainPrefix != "" {
		c.authPrefix = jsii.String(b.cfg.AuthDomainPrefix)
	} else {
		// Hosted-UI prefixes are global within a region: the account id
		// keeps the default unique without a lookup at synth.
		c.authPrefix = awscdk.Fn_Join(jsii.String("-"), &[]*string{jsii.String("concierge"), jsii.String(b.cfg.Stage), awscdk.Aws_ACCOUNT_ID()})
	}
	c.authURL = awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://"), c.authPrefix, jsii.String(".auth."), awscdk.Aws_REGION(), jsii.String(".amazoncognito.com"),
	})

	override := jsii.Bool(true)
	c.headers = awscloudfront.NewResponseHeadersPolicy(b.stack, jsii.String("ConsoleHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("Concierge " + b.cfg.Stage + " console: CSP, HSTS, no framing, nosniff, referrer"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: ContentSecurityPolicy(b.apiOrigin(), c.authURL), Override: override,
			},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(730)), IncludeSubdomains: jsii.Bool(true), Override: override,
			},
			FrameOptions:       &awscloudfront.ResponseHeadersFrameOptions{FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: override},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: override},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_SAME_ORIGIN, Override: override,
			},
		},
		CustomHeadersBehavior: &awscloudfront.ResponseCustomHeadersBehavior{CustomHeaders: &[]*awscloudfront.ResponseCustomHeader{
			{Header: jsii.String("Permissions-Policy"), Value: jsii.String("camera=(), microphone=(), geolocation=(), payment=()"), Override: override},
			{Header: jsii.String("Cross-Origin-Opener-Policy"), Value: jsii.String("same-origin"), Override: override},
		}},
	})

	// With private objects and no ListBucket, S3 answers a missing key with
	// 403: both 403 and 404 fall back to the app, whose router reads the path.
	fallback := func(status float64) *awscloudfront.ErrorResponse {
		return &awscloudfront.ErrorResponse{
			HttpStatus: jsii.Number(status), ResponseHttpStatus: jsii.Number(200),
			ResponsePagePath: jsii.String("/index.html"), Ttl: awscdk.Duration_Seconds(jsii.Number(10)),
		}
	}
	props := &awscloudfront.DistributionProps{
		Comment: jsii.String("Concierge " + b.cfg.Stage + " agent console"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(c.bucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: c.headers,
			Compress:              jsii.Bool(true),
		},
		DefaultRootObject: jsii.String("index.html"),
		ErrorResponses:    &[]*awscloudfront.ErrorResponse{fallback(403), fallback(404)},
		EnableLogging:     jsii.Bool(true),
		LogBucket:         c.logs,
		LogFilePrefix:     jsii.String("cloudfront/"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
	}
	if b.cfg.ConsoleCertificateARN != "" {
		host := strings.TrimPrefix(b.cfg.ConsoleOrigin, "https://")
		props.DomainNames = jsii.Strings(host)
		props.Certificate = awscertificatemanager.Certificate_FromCertificateArn(b.stack, jsii.String("ConsoleCertificate"), jsii.String(b.cfg.ConsoleCertificateARN))
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	c.dist = awscloudfront.NewDistribution(b.stack, jsii.String("Console"), props)

	if b.cfg.ConsoleOrigin != "" {
		c.origin = jsii.String(b.cfg.ConsoleOrigin)
		if b.cfg.ConsoleCertificateARN == "" {
			b.notes = append(b.notes, fmt.Sprintf("console origin %s without -c %s: the distribution answers on its cloudfront.net name only; "+
				"point %s at ConsoleDistributionDomain through your own proxy or give the us-east-1 certificate", b.cfg.ConsoleOrigin, CtxConsoleCertificate, b.cfg.ConsoleOrigin))
		}
	} else {
		c.origin = awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), c.dist.DistributionDomainName()})
	}
	awscdk.NewCfnOutput(b.stack, jsii.String("ConsoleUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("The agents' console"),
		Value:       awscdk.Fn_Join(jsii.String(""), &[]*string{c.origin, jsii.String("/")}),
	})
	awscdk.NewCfnOutput(b.stack, jsii.String("ConsoleDistributionDomain"), &awscdk.CfnOutputProps{
		Description: jsii.String("CloudFront domain of the console (the CNAME target of a custom console domain)"),
		Value:       c.dist.DistributionDomainName(),
	})
}

// hostedUI gives the user pool its hosted-UI domain and returns the OAuth
// settings of the console's app client: the authorization-code grant only
// (the console is a public client and uses PKCE), redirecting to the
// console's origin and nowhere else.
func (b *builder) hostedUI(pool awscognito.UserPool) *awscognito.OAuthSettings {
	c := b.console
	c.domain = pool.AddDomain(jsii.String("HostedUi"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: c.authPrefix},
	})
	back := awscdk.Fn_Join(jsii.String(""), &[]*string{c.origin, jsii.String("/")})
	awscdk.NewCfnOutput(b.stack, jsii.String("AuthDomainUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Cognito hosted UI (sign-in for the console)"),
		Value:       c.authURL,
	})
	return &awscognito.OAuthSettings{
		Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true), ImplicitCodeGrant: jsii.Bool(false), ClientCredentials: jsii.Bool(false)},
		Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
		CallbackUrls: &[]*string{back},
		LogoutUrls:   &[]*string{back},
	}
}

// deployConsole uploads the built console and its config.json (the API,
// the hosted UI and the client id, resolved at deploy) and invalidates the
// distribution. The copying function gets its own role and log group.
func (b *builder) deployConsole(client awscognito.UserPoolClient) error {
	c := b.console
	dir, placeholder, err := consoleFiles(b.cfg.ConsoleDist)
	if err != nil {
		return err
	}
	c.placeholder = placeholder
	if placeholder {
		b.notes = append(b.notes, fmt.Sprintf("console not built (%s has no index.html): deploying a placeholder page; "+
			"`make deploy` builds it when console/ exists", b.cfg.ConsoleDist))
	}
	back := awscdk.Fn_Join(jsii.String(""), &[]*string{c.origin, jsii.String("/")})
	config := map[string]any{
		"apiBase": b.publicURL,
		"auth": map[string]any{
			"mode":        "cognito",
			"domain":      c.domain.BaseUrl(nil),
			"clientId":    client.UserPoolClientId(),
			"redirectUri": back,
			"logoutUri":   back,
		},
	}
	logs := awslogs.NewLogGroup(b.stack, jsii.String("ConsoleDeploymentLogs"), &awslogs.LogGroupProps{
		Retention: b.retention(), RemovalPolicy: b.removal(),
	})
	role := awsiam.NewRole(b.stack, jsii.String("ConsoleDeploymentRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Concierge console upload (CDK BucketDeployment)"),
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logs.LogGroupArn()},
	}))
	c.deployment = awss3deployment.NewBucketDeployment(b.stack, jsii.String("ConsoleDeployment"), &awss3deployment.BucketDeploymentProps{
		Sources: &[]awss3deployment.ISource{
			awss3deployment.Source_Asset(jsii.String(dir), nil),
			// Last, so the stack's config wins over any file of that name in dist.
			awss3deployment.Source_JsonData(jsii.String(ConfigFile), config, nil),
		},
		DestinationBucket: c.bucket,
		// Every response is revalidated (ETag): a deploy is visible at the
		// next load, and config.json never outlives the stack it describes.
		CacheControl:      &[]awss3deployment.CacheControl{awss3deployment.CacheControl_NoCache()},
		Distribution:      c.dist,
		DistributionPaths: jsii.Strings("/*"),
		Prune:             jsii.Bool(true),
		Role:              role,
		LogGroup:          logs,
		MemoryLimit:       jsii.Number(256),
	})
	c.deployment.Node().AddDependency(c.domain)
	return nil
}

// consoleFiles is the directory to upload: dist when it holds an
// index.html, else a directory with a placeholder page (so synth works
// before the console is built).
func consoleFiles(dist string) (dir string, placeholder bool, err error) {
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err == nil {
		abs, err := filepath.Abs(dist)
		return abs, false, err
	}
	// One fixed directory, rewritten each synth: the same page hashes to the
	// same asset, and runs leave nothing behind.
	dir = filepath.Join(os.TempDir(), "concierge-console-placeholder")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	page := `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Concierge</title></head>
<body><main><h1>Concierge</h1><p>The console has not been built for this deployment. Run <code>make deploy</code> from a checkout with <code>console/</code>.</p></main></body></html>
`
	return dir, true, os.WriteFile(filepath.Join(dir, "index.html"), []byte(page), 0o644)
}

// reservedInPrefix says whether s holds a word Cognito refuses in a hosted-UI domain prefix.
func reservedInPrefix(s string) bool {
	return strings.Contains(s, "aws") || strings.Contains(s, "amazon") || strings.Contains(s, "cognito")
}
