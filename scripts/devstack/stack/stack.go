// Package stack runs the whole contact center on one machine: the emulators (started, or reused when
// already running), the table, queues and buckets from their shared definitions, every functions/* binary
// built as it deploys and run under lambdahost, the HTTP gateway, the SQS pollers, the SMTP listener, the
// schedules and the provider sandbox. `make dev` (scripts/devstack) and the end-to-end test both use it.
package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/scripts/devstack/lambdahost"
	"github.com/concierge-cx/concierge/scripts/emulators"
	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/connect"
	"github.com/concierge-cx/concierge/shared/email"
	"github.com/concierge-cx/concierge/shared/envconfig"
	"github.com/concierge-cx/concierge/shared/httpapi"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store/table"
	"github.com/concierge-cx/concierge/shared/tokens"
	"github.com/concierge-cx/concierge/shared/webhook"
)

// Defaults of the local stack.
const (
	DefaultGatewayAddr      = "127.0.0.1:8787"
	DefaultSMTPAddr         = "127.0.0.1:2525"
	DefaultSupportAddresses = "support@concierge.local"
	DefaultConcurrency      = 8
	DefaultTimeout          = 10 * time.Second
	accountID               = "000000000000" // the account id the emulators use
	apiID                   = "local"
)

// Options configures Start. Zero values take the defaults of `make dev`.
type Options struct {
	Root string // repository root; found from the working directory when empty
	// DataDir keeps the emulators' data (when Persist), the builds and state.json; default <Root>/.local/dev.
	DataDir string
	// Persist keeps DynamoDB Local's and fauxqs's data in DataDir across runs.
	Persist bool
	// Prefix is put before every table, queue and bucket name, so a test's stack never meets a developer's.
	Prefix      string
	GatewayAddr string // default 127.0.0.1:8787; port 0 picks a free one
	SMTPAddr    string // default 127.0.0.1:2525
	// PublicBaseURL is what providers sign; default the gateway's URL.
	PublicBaseURL string
	// Concurrency caps the instances of a function Lambda would scale without limit (default 8); functions
	// and lanes with a limit in the deployed stack keep theirs (laneConcurrency, reservedConcurrency), capped by this too.
	Concurrency int
	// Getenv reads secrets and settings; default os.LookupEnv.
	Getenv func(string) (string, bool)
	// Out receives the stack's and the functions' log lines; default os.Stdout.
	Out io.Writer
	// WriteState records the running stack in DataDir/state.json for `make demo` and a later `make dev`.
	WriteState bool
	// Quiet drops the functions' START/END/REPORT lines and the HTTP access log.
	Quiet bool
}

// State is what state.json records.
type State struct {
	PID              int               `json:"pid"`
	GatewayURL       string            `json:"gatewayUrl"`
	PublicBaseURL    string            `json:"publicBaseUrl"`
	SMTPAddr         string            `json:"smtpAddr"`
	DynamoDBEndpoint string            `json:"dynamodbEndpoint"`
	FauxqsEndpoint   string            `json:"fauxqsEndpoint"`
	EmulatorsOwned   bool              `json:"emulatorsOwned"`
	Table            string            `json:"table"`
	Queues           map[string]string `json:"queues"`
	Buckets          map[string]string `json:"buckets"`
	Functions        []string          `json:"functions"`
	SupportAddresses []string          `json:"supportAddresses"`
	// Agents are the day-one agents and whether this run seeded them or found them.
	Agents    []SeededAgent `json:"agents,omitempty"`
	StartedAt time.Time     `json:"startedAt"`
}

// Stack is a running local contact center.
type Stack struct {
	State
	Root      string
	BuildDir  string
	Hosts     map[string]*lambdahost.Host
	Binaries  map[string]string // function → bootstrap path
	Sandbox   *Sandbox
	Pollers   map[string]*Poller // by lane key; absent when the consumer is not built
	Mail      *MailReceiver
	FuncEnv   []string
	Emulators string   // "started", "reused from the environment", "reused from state.json"
	Timings   *Timings // the gateway's and the pollers' hops, for `make bench-dev`

	opts     Options
	log      *slog.Logger
	emu      *emulators.Running
	ddb      *dynamodb.Client
	sqs      *sqs.Client
	s3       *s3.Client
	http     *http.Server
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once
	sched    map[string]*scheduleStats
}

type scheduleStats struct {
	mu      sync.Mutex
	Every   string
	Runs    int
	Errors  int
	LastRun time.Time
}

// Start brings the stack up. On error everything it started is stopped.
func Start(ctx context.Context, opts Options) (st *Stack, err error) {
	if opts.Root == "" {
		if opts.Root, err = emulators.FindRoot(); err != nil {
			return nil, err
		}
	}
	if opts.DataDir == "" {
		opts.DataDir = filepath.Join(opts.Root, ".local", "dev")
	}
	if opts.GatewayAddr == "" {
		opts.GatewayAddr = DefaultGatewayAddr
	}
	if opts.SMTPAddr == "" {
		opts.SMTPAddr = DefaultSMTPAddr
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Getenv == nil {
		opts.Getenv = os.LookupEnv
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Stack{
		Root: opts.Root, BuildDir: filepath.Join(opts.DataDir, "build"),
		Hosts: map[string]*lambdahost.Host{}, Binaries: map[string]string{}, Pollers: map[string]*Poller{},
		Sandbox: &Sandbox{File: filepath.Join(opts.DataDir, "sandbox", "outbox.jsonl")}, opts: opts, cancel: cancel, sched: map[string]*scheduleStats{},
		Timings: &Timings{},
		log:     slog.New(slog.NewTextHandler(opts.Out, &slog.HandlerOptions{Level: slog.LevelInfo})).With("part", "devstack"),
	}
	s.PID = os.Getpid()
	s.StartedAt = time.Now().UTC()
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()

	// The gateway's port first: if it is taken, say so before spending a minute on the emulators.
	gl, err := net.Listen("tcp", opts.GatewayAddr)
	if err != nil {
		return nil, fmt.Errorf("gateway: cannot listen on %s (is another `make dev` running? DEV_PORT picks another port): %w", opts.GatewayAddr, err)
	}
	s.GatewayURL = "http://" + gl.Addr().String()
	s.PublicBaseURL = strings.TrimRight(opts.PublicBaseURL, "/")
	if s.PublicBaseURL == "" {
		s.PublicBaseURL = s.GatewayURL
	}
	s.http = &http.Server{ReadHeaderTimeout: 10 * time.Second}

	if err := s.startEmulators(ctx); err != nil {
		gl.Close()
		return nil, err
	}
	if err := s.ensureResources(ctx); err != nil {
		gl.Close()
		return nil, err
	}
	if err := s.seed(ctx); err != nil {
		gl.Close()
		return nil, err
	}
	if err := s.build(ctx); err != nil {
		gl.Close()
		return nil, err
	}
	s.FuncEnv = s.functionEnv()
	// The sandbox checks what it receives the way the real receivers do, with the functions' keys.
	s.Sandbox.WebchatSecret, s.Sandbox.NotifySecret = s.Secret("WEBCHAT_SIGNING_SECRET"), s.Secret("NOTIFY_WEBHOOK_SECRET")
	if err := s.Sandbox.Load(); err != nil {
		gl.Close()
		return nil, err
	}
	for _, name := range s.Functions {
		timeout := DefaultTimeout
		if name == queue.Urgent.Consumer {
			timeout = queue.Urgent.ConsumerTimeout
		}
		cfg := lambdahost.Config{
			Name: name, Binary: s.Binaries[name], Env: s.FuncEnv, Concurrency: functionConcurrency(name, opts.Concurrency),
			Timeout: timeout, MemoryMB: 256, Stdout: s.fnWriter(), Stderr: opts.Out,
		}
		h, err := lambdahost.Start(runCtx, cfg)
		if err != nil {
			gl.Close()
			return nil, err
		}
		s.Hosts[name] = h
	}

	// Gateway.
	fns := map[string]Invoker{}
	for name, h := range s.Hosts {
		fns[name] = h
	}
	gw := &Gateway{
		Routes: httpapi.NewRouteTable(httpapi.Routes()), Functions: fns, JWTSecret: s.jwtSecret(), APIID: apiID,
		AccountID: accountID, Sandbox: s.Sandbox, Health: s.health, Timings: s.Timings,
	}
	if !opts.Quiet {
		gw.Log = slog.New(slog.NewTextHandler(opts.Out, nil)).With("part", "gateway")
	}
	s.http.Handler = s.withConsole(gw)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(gl); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("gateway stopped", "error", err.Error())
		}
	}()

	// SMTP.
	s.Mail = &MailReceiver{
		Addresses: s.SupportAddresses, Bucket: s.Buckets[email.RawMail.Name], Prefix: email.RawMailPrefix,
		S3: s.s3, Region: s.region(), Log: s.log.With("part", "smtp"),
		EmailARN: fmt.Sprintf("arn:aws:lambda:%s:%s:function:email", s.region(), accountID),
	}
	if h := s.Hosts["email"]; h != nil {
		s.Mail.Email = h
	}
	if err := s.Mail.Listen(opts.SMTPAddr); err != nil {
		return nil, fmt.Errorf("%w (SMTP_PORT picks another port)", err)
	}
	s.SMTPAddr = s.Mail.Addr()

	// Pollers, when their consumer exists.
	for _, l := range queue.Lanes() {
		h := s.Hosts[l.Consumer]
		if h == nil {
			continue
		}
		p := NewPoller(PollerConfig{
			Name: l.Key + " → " + l.Consumer, QueueURL: s.Queues[l.Key], QueueARN: s.queueARN(l.Queue), Region: s.region(),
			BatchSize: l.BatchSize, Window: l.MaxBatchingWindow, Pollers: min(laneConcurrency[l.Key], opts.Concurrency),
			ReportBatchItemFailures: l.ReportBatchItemFailures, Timings: s.Timings, Key: l.Key,
		}, s.sqs, h, s.log.With("part", "poller"))
		p.Start(runCtx)
		s.Pollers[l.Key] = p
	}

	// Schedules.
	for _, sc := range sla.Schedules() {
		if h := s.Hosts[sc.Function]; h != nil {
			s.startSchedule(runCtx, sc, h)
		}
	}

	if opts.WriteState {
		if err := s.writeState(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// The concurrency limits of the deployed stack (infra/stack/functions.go), kept locally so a flood on one
// lane cannot hold up another and nothing runs one invocation at a time where Lambda runs several: each
// lane's event source mapping runs at most its MaximumConcurrency batches at once (the router is deployed
// once per lane; locally one host serves both, with room for both lanes at once), and a function with
// reserved concurrency never runs more instances. Every other function scales with its requests in
// Lambda; locally it is capped at Options.Concurrency.
var (
	laneConcurrency     = map[string]int{queue.Urgent.Key: 5, queue.Normal.Key: 2}
	reservedConcurrency = map[string]int{"email": 5}
)

// functionConcurrency is how many instances of a function run at once locally, at most limit.
func functionConcurrency(name string, limit int) int {
	n := 0
	for _, l := range queue.Lanes() {
		if l.Consumer == name {
			n += min(laneConcurrency[l.Key], limit)
		}
	}
	if n > 0 {
		return n
	}
	if r := reservedConcurrency[name]; r > 0 {
		return min(r, limit)
	}
	return limit
}

// Stop stops everything Start started, emulators included; reused emulators keep running.
func (s *Stack) Stop() {
	s.stopOnce.Do(func() {
		s.cancel()
		if s.http != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = s.http.Shutdown(ctx)
			cancel()
		}
		if s.Mail != nil {
			s.Mail.Close()
		}
		for _, p := range s.Pollers {
			p.Wait()
		}
		for _, h := range s.Hosts {
			h.Stop()
		}
		s.wg.Wait()
		if s.opts.WriteState {
			s.removeState()
		}
		if s.emu != nil {
			s.emu.Stop()
		}
	})
}

// Env returns the variables a client of this stack needs (the emulators' endpoints and credentials).
func (s *Stack) Env() []string {
	return []string{
		"DYNAMODB_ENDPOINT=" + s.DynamoDBEndpoint, "SQS_ENDPOINT=" + s.FauxqsEndpoint, "S3_ENDPOINT=" + s.FauxqsEndpoint,
		"AWS_REGION=" + s.region(), "AWS_ACCESS_KEY_ID=" + s.getenv("AWS_ACCESS_KEY_ID", "local"),
		"AWS_SECRET_ACCESS_KEY=" + s.getenv("AWS_SECRET_ACCESS_KEY", "local"),
	}
}

// DynamoDB returns the stack's DynamoDB client.
func (s *Stack) DynamoDB() *dynamodb.Client { return s.ddb }

// SQS returns the stack's SQS client.
func (s *Stack) SQS() *sqs.Client { return s.sqs }

// S3 returns the stack's S3 client.
func (s *Stack) S3() *s3.Client { return s.s3 }

func (s *Stack) getenv(k, def string) string {
	if v, ok := s.opts.Getenv(k); ok && v != "" {
		return v
	}
	return def
}

func (s *Stack) region() string {
	return s.getenv("AWS_REGION", s.getenv("AWS_DEFAULT_REGION", emulators.Region))
}

// JWTSecret is the secret the gateway checks agent tokens with.
func (s *Stack) JWTSecret() string { return s.jwtSecret() }

func (s *Stack) jwtSecret() string { return s.getenv("LOCAL_JWT_SECRET", devjwt.DefaultSecret) }

func (s *Stack) awsConfig() aws.Config {
	return aws.Config{
		Region: s.region(),
		Credentials: credentials.NewStaticCredentialsProvider(
			s.getenv("AWS_ACCESS_KEY_ID", "local"), s.getenv("AWS_SECRET_ACCESS_KEY", "local"), s.getenv("AWS_SESSION_TOKEN", "")),
		RetryMaxAttempts: 3,
	}
}

// startEmulators reuses emulators named by the environment or by a previous run's state.json when they
// answer, and starts new ones otherwise.
func (s *Stack) startEmulators(ctx context.Context) error {
	try := func(ddbEP, fqEP string) bool {
		if ddbEP == "" || fqEP == "" {
			return false
		}
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		s.connect(ddbEP, fqEP)
		if _, err := s.ddb.ListTables(pctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)}); err != nil {
			return false
		}
		_, err := s.sqs.ListQueues(pctx, &sqs.ListQueuesInput{})
		return err == nil
	}
	ddbEP, _ := s.opts.Getenv("DYNAMODB_ENDPOINT")
	sqsEP, _ := s.opts.Getenv("SQS_ENDPOINT")
	if try(ddbEP, sqsEP) {
		s.Emulators = "reused from the environment (DYNAMODB_ENDPOINT, SQS_ENDPOINT)"
		return nil
	}
	if old, err := ReadState(s.opts.DataDir); err == nil && try(old.DynamoDBEndpoint, old.FauxqsEndpoint) {
		s.Emulators = "reused from " + filepath.Join(s.opts.DataDir, "state.json")
		return nil
	}
	eo := emulators.Options{Root: s.Root, Out: s.opts.Out}
	if s.opts.Persist {
		eo.PersistDir = s.opts.DataDir
	}
	r, err := emulators.Start(ctx, eo)
	if err != nil {
		return err
	}
	s.emu = r
	s.EmulatorsOwned = true
	s.Emulators = "started"
	if s.opts.Persist {
		s.Emulators += " (data kept in " + s.opts.DataDir + ")"
	}
	s.connect(r.DynamoDBEndpoint, r.FauxqsEndpoint)
	return nil
}

func (s *Stack) connect(ddbEP, fqEP string) {
	s.DynamoDBEndpoint, s.FauxqsEndpoint = ddbEP, fqEP
	cfg := s.awsConfig()
	s.ddb = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(ddbEP) })
	s.sqs = sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(fqEP) })
	s.s3 = s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(fqEP); o.UsePathStyle = true })
}

// ensureResources creates the table, the queues with their DLQs and the buckets, idempotently.
func (s *Stack) ensureResources(ctx context.Context) error {
	s.Table = s.opts.Prefix + table.DefaultName
	if err := table.EnsureTable(ctx, s.ddb, s.Table); err != nil {
		return err
	}
	s.Queues = map[string]string{}
	for _, l := range queue.Lanes() {
		dlqURL, err := s.ensureQueue(ctx, s.opts.Prefix+l.DLQ(), map[string]string{
			// Fourteen days, the most SQS keeps a message: a dead letter is there to be looked at.
			string(sqstypes.QueueAttributeNameMessageRetentionPeriod): "1209600",
		})
		if err != nil {
			return err
		}
		s.Queues[l.Key+"-dlq"] = dlqURL
		redrive, _ := json.Marshal(map[string]any{"deadLetterTargetArn": s.queueARN(l.DLQ()), "maxReceiveCount": l.MaxReceiveCount})
		url, err := s.ensureQueue(ctx, s.opts.Prefix+l.Queue, map[string]string{
			string(sqstypes.QueueAttributeNameVisibilityTimeout): strconv.Itoa(int(l.VisibilityTimeout() / time.Second)),
			string(sqstypes.QueueAttributeNameRedrivePolicy):     string(redrive),
		})
		if err != nil {
			return err
		}
		s.Queues[l.Key] = url
	}
	s.Buckets = map[string]string{}
	for _, b := range email.Buckets() {
		name := s.opts.Prefix + b.Name
		if _, err := s.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			if _, herr := s.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)}); herr != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		s.Buckets[b.Name] = name
	}
	for _, a := range strings.Split(s.getenv("SUPPORT_ADDRESSES", DefaultSupportAddresses), ",") {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			s.SupportAddresses = append(s.SupportAddresses, a)
		}
	}
	return nil
}

func (s *Stack) queueARN(base string) string {
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s%s", s.region(), accountID, s.opts.Prefix, base)
}

func (s *Stack) ensureQueue(ctx context.Context, name string, attrs map[string]string) (string, error) {
	out, err := s.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err == nil {
		return s.currentURL(aws.ToString(out.QueueUrl)), nil
	}
	// The queue exists with other attributes (an older definition): bring it in line.
	got, gerr := s.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if gerr != nil {
		return "", fmt.Errorf("creating queue %s: %w", name, err)
	}
	if _, serr := s.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: got.QueueUrl, Attributes: attrs}); serr != nil {
		return "", fmt.Errorf("updating queue %s: %w", name, serr)
	}
	return s.currentURL(aws.ToString(got.QueueUrl)), nil
}

// currentURL puts a queue URL on the emulator's current endpoint. fauxqs keeps, with a persisted queue, the
// URL it was created under, port included; after a restart on another port that URL names a port nobody
// listens on, and the functions and /healthz must not show it.
func (s *Stack) currentURL(queueURL string) string {
	return CurrentQueueURL(queueURL, s.FauxqsEndpoint)
}

// CurrentQueueURL is queueURL's path (account and queue name) on endpoint.
func CurrentQueueURL(queueURL, endpoint string) string {
	rest := queueURL
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
		if j := strings.Index(rest, "/"); j >= 0 {
			rest = rest[j:]
		} else {
			rest = ""
		}
	}
	return strings.TrimRight(endpoint, "/") + rest
}

// DiscoverFunctions lists functions/<name> folders holding a main.go.
func DiscoverFunctions(root string) ([]string, error) {
	mains, err := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range mains {
		out = append(out, filepath.Base(filepath.Dir(m)))
	}
	sort.Strings(out)
	return out, nil
}

// BuildFunction builds one function exactly as it deploys.
func BuildFunction(ctx context.Context, root, name, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, "./functions/"+name)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building functions/%s: %w\n%s", name, err, b)
	}
	return nil
}

func (s *Stack) build(ctx context.Context) error {
	names, err := DiscoverFunctions(s.Root)
	if err != nil {
		return err
	}
	for _, name := range names {
		out := filepath.Join(s.BuildDir, name, "bootstrap")
		start := time.Now()
		if err := BuildFunction(ctx, s.Root, name, out); err != nil {
			return err
		}
		s.log.Info("built", "function", name, "bootstrap", out, "seconds", fmt.Sprintf("%.1f", time.Since(start).Seconds()))
		s.Binaries[name] = out
		s.Functions = append(s.Functions, name)
	}
	return nil
}

// secretDefaults are the development secrets every function gets when the environment does not set them.
var secretDefaults = [][2]string{
	{"TWILIO_AUTH_TOKEN", testsecrets.TwilioAuthToken},
	{"META_APP_SECRET", testsecrets.MetaAppSecret},
	{"META_VERIFY_TOKEN", testsecrets.MetaVerifyToken},
	{"TELEGRAM_WEBHOOK_SECRET", testsecrets.TelegramSecret},
	{"ZALO_APP_ID", testsecrets.ZaloAppID},
	{"ZALO_OA_SECRET_KEY", testsecrets.ZaloOASecretKey},
	{"VONAGE_SIGNATURE_SECRET", testsecrets.VonageSignatureSecret},
	{"WEBCHAT_SIGNING_SECRET", testsecrets.WebchatSecret},
	{"ORDER_WEBHOOK_SECRET", testsecrets.OrderWebhookSecret},
	{"NOTIFY_WEBHOOK_SECRET", DevNotifySecret},
}

// DevNotifySecret signs agent notifications to the sandbox: public, development only.
const DevNotifySecret = "concierge-dev-notify-secret"

// devDefaults are development settings for the functions' senders and mail handling. Every outbound API
// points at the provider sandbox, so these sender identities and tokens never leave the machine.
var devDefaults = [][2]string{
	{"REPLY_DOMAIN", "concierge.local"},
	{"SES_FROM_ADDRESS", "Concierge Support <support@concierge.local>"},
	{"BUSINESS_NAME", "Concierge Shop"},
	{"TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"},
	{"TWILIO_FROM_NUMBER", "+18335550143"},
	{"TWILIO_WHATSAPP_FROM", "whatsapp:+18335550143"},
	{"META_ACCESS_TOKEN", "concierge-dev-meta-access-token"},
	{"META_PHONE_NUMBER_ID", "106540352242922"},
	{"META_PAGE_ACCESS_TOKEN", "concierge-dev-meta-page-token"},
	{"TELEGRAM_BOT_TOKEN", "123456789:concierge-dev-telegram-bot-token"},
	{"ZALO_OA_ACCESS_TOKEN", "concierge-dev-zalo-oa-access-token"},
	{"VONAGE_API_KEY", "concierge-dev"},
	{"VONAGE_API_SECRET", "concierge-dev-vonage-api-secret"},
	{"VONAGE_FROM", "18335550143"},
}

// Secret returns the value of a provider secret the functions run with.
func (s *Stack) Secret(name string) string {
	for _, kv := range s.FuncEnv {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v
		}
	}
	return ""
}

// functionConfigs are the configuration structs of the functions' mains, as infra/stack/functions.go lists
// them for the deployed stack: every variable any of them reads can be set in the shell.
func functionConfigs() []any {
	return []any{&webhook.Config{}, &routing.FunctionConfig{}, &routing.SweeperConfig{}, &agentapi.FunctionConfig{}, &connect.Config{}, &email.Config{}, &tokens.FunctionConfig{}}
}

// FunctionSettings lists, once each, the environment variables the functions read.
func FunctionSettings() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range functionConfigs() {
		for _, n := range envconfig.Names(c) {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// functionEnv is the one environment every function gets; a function ignores what it does not read.
func (s *Stack) functionEnv() []string {
	vars := map[string]string{
		"TABLE_NAME":                s.Table,
		"PUBLIC_BASE_URL":           s.PublicBaseURL,
		"LOCAL_JWT_SECRET":          s.jwtSecret(),
		"SUPPORT_ADDRESSES":         strings.Join(s.SupportAddresses, ","),
		email.RawMailPrefixEnv:      email.RawMailPrefix,
		"DYNAMODB_ENDPOINT":         s.DynamoDBEndpoint,
		"SQS_ENDPOINT":              s.FauxqsEndpoint,
		"S3_ENDPOINT":               s.FauxqsEndpoint,
		"SNS_ENDPOINT":              s.FauxqsEndpoint,
		"AWS_ENDPOINT_URL_DYNAMODB": s.DynamoDBEndpoint,
		"AWS_ENDPOINT_URL_SQS":      s.FauxqsEndpoint,
		"AWS_ENDPOINT_URL_S3":       s.FauxqsEndpoint,
		"AWS_REGION":                s.region(),
		"AWS_ACCESS_KEY_ID":         s.getenv("AWS_ACCESS_KEY_ID", "local"),
		"AWS_SECRET_ACCESS_KEY":     s.getenv("AWS_SECRET_ACCESS_KEY", "local"),
	}
	for _, l := range queue.Lanes() {
		vars[l.EnvVar] = s.Queues[l.Key]
	}
	for _, b := range email.Buckets() {
		vars[b.EnvVar] = s.Buckets[b.Name]
	}
	for k, v := range SandboxBases(s.GatewayURL) {
		vars[k] = v
	}
	// Web-chat replies and agent notifications go to the sandbox too, unless the shell names a real receiver.
	vars["WEBCHAT_REPLY_URL"] = s.getenv("WEBCHAT_REPLY_URL", SandboxURL(s.GatewayURL, "webchat"))
	vars["NOTIFY_WEBHOOK_URL"] = s.getenv("NOTIFY_WEBHOOK_URL", SandboxURL(s.GatewayURL, "notify"))
	for _, kv := range append(append([][2]string{}, secretDefaults...), devDefaults...) {
		vars[kv[0]] = s.getenv(kv[0], kv[1])
	}
	// Every other setting any function reads (SLA_POLICY, DEFAULT_TEAM, NOTIFY_LANGUAGE, ...) is passed
	// through from the shell as it is; what the stack itself provides (table, queues, endpoints) is not.
	for _, k := range FunctionSettings() {
		if _, set := vars[k]; set {
			continue
		}
		if v, ok := s.opts.Getenv(k); ok && v != "" {
			vars[k] = v
		}
	}
	out := make([]string, 0, len(vars))
	for _, k := range sortedKeys(vars) {
		out = append(out, k+"="+vars[k])
	}
	return out
}

// fnWriter is where the functions' stdout goes; with Quiet the runtime's START/END/REPORT lines are dropped.
func (s *Stack) fnWriter() io.Writer {
	if !s.opts.Quiet {
		return s.opts.Out
	}
	return &dropReports{w: s.opts.Out}
}

type dropReports struct{ w io.Writer }

func (d *dropReports) Write(b []byte) (int, error) {
	line := string(b)
	if i := strings.Index(line, "] "); i >= 0 {
		rest := line[i+2:]
		for _, p := range []string{"START RequestId:", "END RequestId:", "REPORT RequestId:"} {
			if strings.HasPrefix(rest, p) {
				return len(b), nil
			}
		}
	}
	return d.w.Write(b)
}

func (s *Stack) startSchedule(ctx context.Context, sc sla.Schedule, fn Invoker) {
	st := &scheduleStats{Every: sc.Expression}
	s.sched[sc.Function] = st
	ruleARN := fmt.Sprintf("arn:aws:events:%s:%s:rule/concierge-%s-schedule", s.region(), accountID, sc.Function)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(sc.Every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				ev := ScheduledEvent(now, s.region(), ruleARN)
				payload, _ := json.Marshal(ev)
				res, err := fn.Invoke(ctx, payload)
				st.mu.Lock()
				st.Runs++
				st.LastRun = now.UTC()
				if err != nil || res.FunctionError != "" {
					st.Errors++
				}
				st.mu.Unlock()
			}
		}
	}()
}

// ScheduledEvent is the event EventBridge sends for a scheduled rule.
func ScheduledEvent(at time.Time, region, ruleARN string) map[string]any {
	return map[string]any{
		"version":     "0",
		"id":          uuid(),
		"detail-type": "Scheduled Event",
		"source":      "aws.events",
		"account":     accountID,
		"time":        at.UTC().Truncate(time.Second).Format(time.RFC3339),
		"region":      region,
		"resources":   []string{ruleARN},
		"detail":      map[string]any{},
	}
}

// ReadState reads dir/state.json.
func ReadState(dir string) (State, error) {
	var st State
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return st, err
	}
	err = json.Unmarshal(b, &st)
	return st, err
}

func (s *Stack) writeState() error {
	b, _ := json.MarshalIndent(s.State, "", "  ")
	tmp := filepath.Join(s.opts.DataDir, "state.json.tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(s.opts.DataDir, "state.json"))
}

func (s *Stack) removeState() {
	if st, err := ReadState(s.opts.DataDir); err == nil && st.PID == s.PID {
		_ = os.Remove(filepath.Join(s.opts.DataDir, "state.json"))
	}
}
