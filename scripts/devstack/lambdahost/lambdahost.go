// Package lambdahost runs a function's deployable `bootstrap` binary locally behind its own implementation of
// the AWS Lambda Runtime API (2018-06-01), so the local stack exercises the very binaries that deploy.
//
// Each process gets its own 127.0.0.1 listener, so the process's /next call only ever receives the invocation
// meant for it. Processes start on demand (a cold start), stay warm between invocations, and are replaced on
// the next use after they crash, time out or fail to initialise, the way Lambda resets an execution
// environment.
package lambdahost

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	defaultTimeout     = 3 * time.Second  // Lambda's default function timeout
	defaultInitTimeout = 10 * time.Second // Lambda's init phase limit for on-demand functions
	defaultMemoryMB    = 128
	defaultRegion      = "us-east-1"
	localAccountID     = "000000000000" // the account id local AWS emulators use

	// maxPayloadBytes is Lambda's limit on a synchronous request and response payload.
	maxPayloadBytes = 6 * 1024 * 1024
)

var (
	// ErrStopped is returned by Invoke once the host has been stopped.
	ErrStopped = errors.New("lambdahost: host stopped")
	// ErrPayloadTooLarge is returned by Invoke for a payload over Lambda's 6 MB synchronous limit, which
	// Lambda rejects before running the function (RequestEntityTooLargeException).
	ErrPayloadTooLarge = errors.New("lambdahost: request payload exceeds 6291456 bytes")
)

// Config describes one function.
type Config struct {
	Name        string        // function name: log prefix, AWS_LAMBDA_FUNCTION_NAME, ARN
	Binary      string        // path to the built bootstrap
	Env         []string      // the function's configured environment, KEY=VALUE
	Concurrency int           // maximum concurrent invocations, hence processes (default 1)
	Timeout     time.Duration // function timeout (default 3s)
	InitTimeout time.Duration // time a new process has to reach its first /next (default 10s, like Lambda)
	MemoryMB    int           // reported in AWS_LAMBDA_FUNCTION_MEMORY_SIZE (default 128)
	Stdout      io.Writer     // process stdout and the START/END/REPORT lines; nil discards
	Stderr      io.Writer     // process stderr and host notices; nil discards
}

// ErrorPayload is the error document of a failed invocation, as Lambda's Invoke returns it.
type ErrorPayload struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
	// StackTrace is kept raw: aws-lambda-go sends [{path,line,label}], other runtimes send strings.
	StackTrace json.RawMessage `json:"stackTrace,omitempty"`
}

// Result is the outcome of one invocation.
type Result struct {
	RequestID string
	// Payload is the function's response; on a function error it is the error document, as in Lambda's Invoke.
	Payload []byte
	// FunctionError is "" on success and "Unhandled" on any function error, like Invoke's X-Amz-Function-Error;
	// ErrorPayload.ErrorType says which error it was.
	FunctionError string
	ErrorPayload  *ErrorPayload
	Duration      time.Duration // from the handoff to the runtime (/next) to its response
	// Waited is Invoke's call to the runtime's /next taking the invocation: waiting for a concurrency slot,
	// a cold start's init, the handoff itself.
	Waited       time.Duration
	ColdStart    bool          // served by a process started for this invocation
	InitDuration time.Duration // on a cold start: process start to its first /next
}

// ProcessStats describes one bootstrap process the host has started.
type ProcessStats struct {
	Seq     int // 1 for the first process the host started, 2 for the next, ...
	PID     int
	Started time.Time
	// InitDuration is process start to its first /next call (0 if it never made one).
	InitDuration time.Duration
	// FirstResponse is process start to its first /response or /error (0 if it never answered).
	FirstResponse time.Duration
	Invocations   int
	Exited        bool
}

// Stats are the host's counters since Start.
type Stats struct {
	Invocations int // invocations that reached a process or failed trying to start one
	Errors      int // invocations that ended in a function error (timeouts and crashes included)
	Timeouts    int
	Restarts    int // processes started to replace one that crashed, timed out or failed to initialise
	ColdStarts  int // processes started
	// FirstResponse is the first process's start to its first response: the bootstrap's cold-start latency
	// as `make bench` reports it. 0 until a process has answered.
	FirstResponse time.Duration
	Processes     []ProcessStats // every process started, oldest first
}

// Host runs one function.
type Host struct {
	cfg       Config
	env       []string // environment shared by every process, without AWS_LAMBDA_RUNTIME_API
	arn       string
	taskRoot  string
	stdout    *syncWriter
	stderr    *syncWriter
	slots     chan struct{} // one token per concurrent invocation
	stopCh    chan struct{}
	stopOnce  sync.Once
	runs      sync.WaitGroup
	ctxCancel context.CancelFunc

	mu              sync.Mutex
	stopped         bool
	idle            []*process
	live            map[*process]struct{}
	procs           []*process // every process started, for Stats
	nextSeq         int
	pendingRestarts int // discarded processes whose replacement counts as a restart
	stats           Stats
}

// reserved are the variables the host sets itself; Lambda rejects them in a function's configuration too.
var reserved = map[string]bool{
	"AWS_LAMBDA_RUNTIME_API":          true,
	"AWS_LAMBDA_FUNCTION_NAME":        true,
	"AWS_LAMBDA_FUNCTION_VERSION":     true,
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_LOG_GROUP_NAME":       true,
	"AWS_LAMBDA_LOG_STREAM_NAME":      true,
	"AWS_LAMBDA_INITIALIZATION_TYPE":  true,
	"AWS_LAMBDA_MAX_CONCURRENCY":      true,
	"_HANDLER":                        true,
	"LAMBDA_TASK_ROOT":                true,
	"LAMBDA_RUNTIME_DIR":              true,
}

// Start validates cfg and returns a host ready to invoke. Processes start on the first invocations that need
// them. Cancelling ctx stops the host, as Stop does.
func Start(ctx context.Context, cfg Config) (*Host, error) {
	if cfg.Name == "" {
		return nil, errors.New("lambdahost: Config.Name is required")
	}
	if cfg.Binary == "" {
		return nil, fmt.Errorf("lambdahost: %s: Config.Binary is required", cfg.Name)
	}
	bin, err := filepath.Abs(cfg.Binary)
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %s: %w", cfg.Name, err)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %s: bootstrap: %w", cfg.Name, err)
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("lambdahost: %s: bootstrap %s is not an executable file", cfg.Name, bin)
	}
	cfg.Binary = bin
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.InitTimeout <= 0 {
		cfg.InitTimeout = defaultInitTimeout
	}
	if cfg.MemoryMB <= 0 {
		cfg.MemoryMB = defaultMemoryMB
	}
	for _, kv := range cfg.Env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("lambdahost: %s: environment entry %q is not KEY=VALUE", cfg.Name, kv)
		}
		if reserved[k] {
			return nil, fmt.Errorf("lambdahost: %s: environment variable %s is reserved by the Lambda runtime", cfg.Name, k)
		}
	}

	h := &Host{
		cfg:      cfg,
		taskRoot: filepath.Dir(bin),
		stdout:   newSyncWriter(cfg.Stdout),
		stderr:   newSyncWriter(cfg.Stderr),
		slots:    make(chan struct{}, cfg.Concurrency),
		stopCh:   make(chan struct{}),
		live:     make(map[*process]struct{}),
	}
	region := h.buildEnv()
	h.arn = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, localAccountID, cfg.Name)

	ctx, h.ctxCancel = context.WithCancel(ctx)
	go func() {
		select {
		case <-ctx.Done():
			h.Stop()
		case <-h.stopCh:
		}
	}()
	return h, nil
}

// buildEnv assembles what Lambda puts in a function's environment, then the function's own configuration.
// It returns the region in effect.
func (h *Host) buildEnv() string {
	cfg := h.cfg
	vars := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		region = defaultRegion
	}
	set("PATH", os.Getenv("PATH"))
	set("LANG", "en_US.UTF-8")
	set("TZ", ":UTC")
	set("AWS_REGION", region)
	set("AWS_DEFAULT_REGION", region)
	// The execution role's credentials in Lambda; locally whatever the developer's shell (or cfg.Env) holds.
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		if v, ok := os.LookupEnv(k); ok {
			set(k, v)
		}
	}
	set("AWS_LAMBDA_FUNCTION_NAME", cfg.Name)
	set("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
	set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", strconv.Itoa(cfg.MemoryMB))
	set("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/"+cfg.Name)
	set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
	set("_HANDLER", filepath.Base(cfg.Binary))
	set("LAMBDA_TASK_ROOT", h.taskRoot)
	set("LAMBDA_RUNTIME_DIR", h.taskRoot)
	for _, kv := range cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		set(k, v)
	}
	if v := vars["AWS_REGION"]; v != "" {
		region = v
	}
	h.env = make([]string, 0, len(order))
	for _, k := range order {
		h.env = append(h.env, k+"="+vars[k])
	}
	return region
}

// Invoke runs one invocation synchronously, like Lambda's RequestResponse Invoke. A function failure (error,
// panic, crash, timeout, init failure) is a Result with FunctionError set and a nil error; the error is for
// the host's side only: ctx ended first, or the host was stopped. If ctx ends while the function runs, the
// invocation still completes in its process (as it would in Lambda) and holds its concurrency slot until then.
func (h *Host) Invoke(ctx context.Context, payload []byte) (Result, error) {
	if len(payload) > maxPayloadBytes {
		return Result{}, ErrPayloadTooLarge
	}
	called := time.Now()
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	case <-h.stopCh:
		return Result{}, ErrStopped
	}
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		<-h.slots
		return Result{}, ErrStopped
	}
	h.runs.Add(1)
	h.mu.Unlock()

	inv := newInvocation(payload)
	inv.called = called
	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer h.runs.Done()
		defer func() { <-h.slots }()
		res, err := h.run(inv)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-ctx.Done():
		return Result{RequestID: inv.id}, ctx.Err()
	}
}

// run serves inv on a warm process if there is one, else on a new one.
func (h *Host) run(inv *invocation) (Result, error) {
	for {
		p, cold, err := h.acquire()
		if err != nil {
			if errors.Is(err, ErrStopped) {
				return Result{RequestID: inv.id}, err
			}
			res := h.failure(inv, "Runtime.InvalidEntrypoint", fmt.Sprintf("RequestId: %s Error: %v", inv.id, err))
			h.record(res, false)
			return res, nil
		}
		res, outcome := p.serve(inv, cold)
		if outcome == outcomeRetry {
			// A warm process that died while idle (aws-lambda-go exits right after reporting a panic) never
			// took the invocation: it goes to another process. This ends, as each retry discards a process and
			// a cold one never asks for a retry.
			h.release(p, false)
			continue
		}
		h.release(p, outcome == outcomeHealthy)
		if h.isStopped() {
			return Result{RequestID: inv.id}, ErrStopped
		}
		h.record(res, outcome == outcomeTimeout)
		h.report(p, res)
		return res, nil
	}
}

// acquire returns an idle warm process, or starts a new one (cold).
func (h *Host) acquire() (*process, bool, error) {
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return nil, false, ErrStopped
	}
	for len(h.idle) > 0 {
		p := h.idle[len(h.idle)-1]
		h.idle = h.idle[:len(h.idle)-1]
		if !p.hasExited() {
			h.mu.Unlock()
			return p, false, nil
		}
		h.discardLocked(p)
	}
	h.nextSeq++
	seq := h.nextSeq
	h.mu.Unlock()

	p, err := startProcess(h, seq)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		return nil, false, err
	}
	h.procs = append(h.procs, p)
	h.live[p] = struct{}{}
	h.stats.ColdStarts++
	if h.pendingRestarts > 0 {
		h.pendingRestarts--
		h.stats.Restarts++
	}
	if h.stopped {
		// Stop ran while the process was starting and could not see it.
		delete(h.live, p)
		go p.kill()
		return nil, false, ErrStopped
	}
	return p, true, nil
}

// release returns a healthy process to the warm pool; any other is killed and replaced on a later invocation.
func (h *Host) release(p *process, healthy bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if healthy && !h.stopped && !p.hasExited() {
		h.idle = append(h.idle, p)
		return
	}
	h.discardLocked(p)
}

func (h *Host) discardLocked(p *process) {
	if _, ok := h.live[p]; !ok {
		return
	}
	delete(h.live, p)
	if !h.stopped {
		h.pendingRestarts++
	}
	go p.kill()
}

func (h *Host) isStopped() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stopped
}

func (h *Host) record(res Result, timedOut bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stats.Invocations++
	if res.FunctionError != "" {
		h.stats.Errors++
	}
	if timedOut {
		h.stats.Timeouts++
	}
}

// report writes Lambda's END and REPORT lines for an invocation.
func (h *Host) report(p *process, res Result) {
	ms := float64(res.Duration) / float64(time.Millisecond)
	line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB",
		res.RequestID, ms, res.Duration.Milliseconds()+1, h.cfg.MemoryMB)
	if res.ColdStart {
		line += fmt.Sprintf("\tInit Duration: %.2f ms", float64(res.InitDuration)/float64(time.Millisecond))
	}
	if res.ErrorPayload != nil {
		line += "\tStatus: error\tError Type: " + res.ErrorPayload.ErrorType
	}
	p.logf(h.stdout, "END RequestId: %s", res.RequestID)
	p.logf(h.stdout, "%s", line)
}

// failure builds the Result of an invocation that failed on the host's side of the API (timeout, crash).
func (h *Host) failure(inv *invocation, errType, msg string) Result {
	ep := &ErrorPayload{ErrorType: errType, ErrorMessage: msg}
	body, _ := json.Marshal(ep)
	return Result{RequestID: inv.id, Payload: body, FunctionError: "Unhandled", ErrorPayload: ep}
}

// Stop kills every process, closes their listeners and fails invocations still waiting. It is idempotent.
func (h *Host) Stop() {
	h.stopOnce.Do(func() {
		h.mu.Lock()
		h.stopped = true
		close(h.stopCh)
		procs := make([]*process, 0, len(h.live))
		for p := range h.live {
			procs = append(procs, p)
		}
		h.live = map[*process]struct{}{}
		h.idle = nil
		h.mu.Unlock()
		for _, p := range procs {
			p.kill()
		}
		h.runs.Wait()
		h.ctxCancel()
	})
}

// Stats returns a snapshot of the host's counters.
func (h *Host) Stats() Stats {
	h.mu.Lock()
	s := h.stats
	procs := append([]*process(nil), h.procs...)
	h.mu.Unlock()
	s.Processes = make([]ProcessStats, 0, len(procs))
	for _, p := range procs {
		ps := p.stats()
		if s.FirstResponse == 0 && ps.FirstResponse > 0 {
			s.FirstResponse = ps.FirstResponse
		}
		s.Processes = append(s.Processes, ps)
	}
	return s
}

// invocation is one request travelling from Invoke to a process and back.
type invocation struct {
	id       string
	payload  []byte
	traceID  string
	called   time.Time     // when Invoke was called
	deadline time.Time     // set by the /next handler when the runtime takes the invocation
	taken    chan struct{} // closed once deadline is set
	done     chan answer   // the runtime's /response or /error, at most one
}

// answer is what the runtime posted for an invocation.
type answer struct {
	payload []byte
	errDoc  *ErrorPayload // nil on success
	at      time.Time
}

func newInvocation(payload []byte) *invocation {
	return &invocation{
		id:      newRequestID(),
		payload: payload,
		traceID: newTraceID(),
		taken:   make(chan struct{}),
		done:    make(chan answer, 1),
	}
}

// newRequestID returns a random UUID (version 4), the shape of Lambda's request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// newTraceID returns an X-Ray trace header the way Lambda passes it to the runtime.
func newTraceID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0",
		time.Now().Unix(), hex.EncodeToString(b[:12]), hex.EncodeToString(b[12:]))
}
