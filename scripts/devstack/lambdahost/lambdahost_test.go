package lambdahost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bootstrap is the test function (testdata/fn) built the way a function deploys.
var bootstrap string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdahost-fn-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bootstrap = filepath.Join(dir, "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bootstrap, "./testdata/fn")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building testdata/fn:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// logBuffer collects a host's output; processes write to it concurrently.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type testHost struct {
	*Host
	stdout, stderr *logBuffer
}

func newHost(t *testing.T, cfg Config) testHost {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "fn"
	}
	cfg.Binary = bootstrap
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	th := testHost{stdout: &logBuffer{}, stderr: &logBuffer{}}
	cfg.Stdout, cfg.Stderr = th.stdout, th.stderr
	h, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(h.Stop)
	th.Host = h
	return th
}

// waitUntil polls ok until it holds, failing the test if it does not within limit: tests order events by
// conditions, never by sleeping.
func waitUntil(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
	}
}

// started reports whether the host has handed n invocations to a process (its START lines).
func (th testHost) started(n int) func() bool {
	return func() bool { return strings.Count(th.stdout.String(), "START RequestId: ") >= n }
}

type request struct {
	Mode    string `json:"mode,omitempty"`
	Echo    string `json:"echo,omitempty"`
	SleepMS int    `json:"sleep_ms,omitempty"`
}

type echoed struct {
	Echo       string            `json:"echo"`
	RequestID  string            `json:"request_id"`
	DeadlineMS int64             `json:"deadline_ms"`
	ARN        string            `json:"arn"`
	TraceID    string            `json:"trace_id"`
	PID        int               `json:"pid"`
	Env        map[string]string `json:"env"`
}

type frame struct {
	Path  string `json:"path"`
	Line  int    `json:"line"`
	Label string `json:"label"`
}

func (th testHost) invoke(t *testing.T, req request) Result {
	t.Helper()
	payload, _ := json.Marshal(req)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := th.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("Invoke(%s): %v", payload, err)
	}
	return res
}

// echo invokes the echo mode and requires it to succeed.
func (th testHost) echo(t *testing.T, text string) echoed {
	t.Helper()
	res := th.invoke(t, request{Echo: text})
	if res.FunctionError != "" {
		t.Fatalf("echo failed: %s %s", res.FunctionError, res.Payload)
	}
	var e echoed
	if err := json.Unmarshal(res.Payload, &e); err != nil {
		t.Fatalf("echo payload %s: %v", res.Payload, err)
	}
	if e.Echo != text || e.RequestID != res.RequestID {
		t.Fatalf("echo = %+v, want echo %q and request id %s", e, text, res.RequestID)
	}
	return e
}

// wantError checks a failed invocation's error document.
func wantError(t *testing.T, res Result, errType, msgPart string) {
	t.Helper()
	if res.FunctionError != "Unhandled" || res.ErrorPayload == nil {
		t.Fatalf("result = %+v (payload %s), want an Unhandled function error", res, res.Payload)
	}
	if res.ErrorPayload.ErrorType != errType || !strings.Contains(res.ErrorPayload.ErrorMessage, msgPart) {
		t.Fatalf("error = %s / %q, want %s containing %q", res.ErrorPayload.ErrorType, res.ErrorPayload.ErrorMessage,
			errType, msgPart)
	}
	var doc ErrorPayload
	if err := json.Unmarshal(res.Payload, &doc); err != nil || doc.ErrorType != errType ||
		doc.ErrorMessage != res.ErrorPayload.ErrorMessage {
		t.Fatalf("payload %s is not the error document (%v)", res.Payload, err)
	}
}

// wantRecovered checks that the host serves again, on a new process, counting one restart.
func wantRecovered(t *testing.T, th testHost, oldPID int) {
	t.Helper()
	e := th.echo(t, "again")
	if e.PID == oldPID {
		t.Fatalf("served by the broken process %d", oldPID)
	}
	if s := th.Stats(); s.Restarts != 1 || s.ColdStarts != 2 {
		t.Fatalf("stats = restarts %d, cold starts %d; want 1 and 2", s.Restarts, s.ColdStarts)
	}
}

func TestEchoSeesLambdaEnvironmentAndStaysWarm(t *testing.T) {
	th := newHost(t, Config{Name: "echo", MemoryMB: 256, Timeout: 2 * time.Second, Env: []string{"FN_CONFIG=table-1"}})

	before := time.Now()
	first := th.invoke(t, request{Echo: "hello"})
	after := time.Now()
	if first.FunctionError != "" || !first.ColdStart || first.InitDuration <= 0 {
		t.Fatalf("first invocation = %+v, want a successful cold start with an init duration", first)
	}
	var e echoed
	if err := json.Unmarshal(first.Payload, &e); err != nil {
		t.Fatal(err)
	}
	if e.Echo != "hello" || e.RequestID != first.RequestID {
		t.Fatalf("echo = %+v, result request id %s", e, first.RequestID)
	}
	// The deadline is the handoff time plus the timeout, which lies between before and after.
	lo, hi := before.Add(2*time.Second).UnixMilli()-1, after.Add(2*time.Second).UnixMilli()+1
	if e.DeadlineMS < lo || e.DeadlineMS > hi {
		t.Fatalf("deadline %d not within [%d, %d]", e.DeadlineMS, lo, hi)
	}
	if !strings.HasPrefix(e.ARN, "arn:aws:lambda:") || !strings.HasSuffix(e.ARN, ":function:echo") {
		t.Fatalf("function ARN = %q", e.ARN)
	}
	if !strings.HasPrefix(e.TraceID, "Root=1-") {
		t.Fatalf("trace id = %q", e.TraceID)
	}
	wantEnv := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME": "echo", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "_HANDLER": "bootstrap", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/echo",
		"LAMBDA_TASK_ROOT": filepath.Dir(bootstrap), "FN_CONFIG": "table-1",
	}
	for k, v := range wantEnv {
		if e.Env[k] != v {
			t.Errorf("%s = %q, want %q", k, e.Env[k], v)
		}
	}
	if e.Env["AWS_REGION"] == "" {
		t.Error("AWS_REGION is empty")
	}

	second := th.invoke(t, request{Echo: "again"})
	var e2 echoed
	if err := json.Unmarshal(second.Payload, &e2); err != nil {
		t.Fatal(err)
	}
	if second.ColdStart || second.InitDuration != 0 || e2.PID != e.PID || second.RequestID == first.RequestID {
		t.Fatalf("second invocation = %+v on pid %d, want a warm start on pid %d with a new request id",
			second, e2.PID, e.PID)
	}

	s := th.Stats()
	if s.Invocations != 2 || s.Errors != 0 || s.ColdStarts != 1 || s.Restarts != 0 || len(s.Processes) != 1 {
		t.Fatalf("stats = %+v", s)
	}
	p := s.Processes[0]
	if p.PID != e.PID || p.Invocations != 2 || p.InitDuration <= 0 || p.FirstResponse < p.InitDuration ||
		s.FirstResponse != p.FirstResponse {
		t.Fatalf("process stats = %+v, first response %v", p, s.FirstResponse)
	}
	out := th.stdout.String()
	for _, want := range []string{"[echo] START RequestId: " + first.RequestID, "[echo] END RequestId: " + first.RequestID,
		"[echo] REPORT RequestId: " + first.RequestID, "Init Duration: "} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

func TestReturnedErrorKeepsProcessWarm(t *testing.T) {
	th := newHost(t, Config{})
	pid := th.echo(t, "warm").PID

	res := th.invoke(t, request{Mode: "error", Echo: "widget"})
	wantError(t, res, "NotFoundError", "widget not found")
	if string(res.Payload) != `{"errorMessage":"widget not found","errorType":"NotFoundError"}` {
		t.Fatalf("payload = %s", res.Payload)
	}
	if e := th.echo(t, "after"); e.PID != pid {
		t.Fatalf("pid after a returned error = %d, want the warm %d", e.PID, pid)
	}
	if s := th.Stats(); s.Invocations != 3 || s.Errors != 1 || s.Restarts != 0 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestPanicIsReportedThenProcessReplaced(t *testing.T) {
	th := newHost(t, Config{})
	pid := th.echo(t, "warm").PID

	res := th.invoke(t, request{Mode: "panic", Echo: "x"})
	// aws-lambda-go names the panic value's type and sends the stack, then exits.
	wantError(t, res, "string", "boom: x")
	var frames []frame
	if err := json.Unmarshal(res.ErrorPayload.StackTrace, &frames); err != nil || len(frames) == 0 {
		t.Fatalf("stack trace %s: %v", res.ErrorPayload.StackTrace, err)
	}
	found := false
	for _, f := range frames {
		found = found || (f.Label == "handle" && strings.HasSuffix(f.Path, "main.go"))
	}
	if !found {
		t.Fatalf("stack trace %s lacks the handler frame", res.ErrorPayload.StackTrace)
	}
	wantRecovered(t, th, pid)
}

func TestExitMidInvocationIsRuntimeExitError(t *testing.T) {
	th := newHost(t, Config{})
	pid := th.echo(t, "warm").PID

	res := th.invoke(t, request{Mode: "exit"})
	wantError(t, res, "Runtime.ExitError", "RequestId: "+res.RequestID+" Error: Runtime exited with error: exit status 3")
	if !strings.Contains(th.stdout.String(), "[fn] exiting mid-invocation") {
		t.Fatalf("process output missing:\n%s", th.stdout.String())
	}
	wantRecovered(t, th, pid)
}

func TestTimeoutKillsAndRestarts(t *testing.T) {
	th := newHost(t, Config{Timeout: 300 * time.Millisecond})
	pid := th.echo(t, "warm").PID

	start := time.Now()
	// The function sleeps past its timeout: the timeout is what is under test.
	res := th.invoke(t, request{Mode: "sleep", SleepMS: 5000})
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("timed-out invocation took %v", took)
	}
	wantError(t, res, "Sandbox.Timedout", "RequestId: "+res.RequestID+" Error: Task timed out after 0.30 seconds")
	if res.Duration != 300*time.Millisecond {
		t.Fatalf("duration = %v", res.Duration)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("timed-out process %d still exists (kill 0: %v)", pid, err)
	}
	if s := th.Stats(); s.Timeouts != 1 || s.Errors != 1 {
		t.Fatalf("stats = %+v", s)
	}
	wantRecovered(t, th, pid)
}

func TestExitBeforeNextIsInitFailure(t *testing.T) {
	fail := filepath.Join(t.TempDir(), "fail")
	if err := os.WriteFile(fail, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	th := newHost(t, Config{Env: []string{"FN_INIT_FAIL_FILE=" + fail}})

	res := th.invoke(t, request{Echo: "x"})
	wantError(t, res, "Runtime.ExitError", "Runtime exited with error: exit status 1")
	if !res.ColdStart || res.InitDuration <= 0 {
		t.Fatalf("init failure = %+v, want a cold start with its init duration", res)
	}
	if !strings.Contains(th.stderr.String(), "[fn] ") || !strings.Contains(th.stderr.String(), "FN_REQUIRED is missing") {
		t.Fatalf("stderr lacks the function's message:\n%s", th.stderr.String())
	}
	if err := os.Remove(fail); err != nil {
		t.Fatal(err)
	}
	wantRecovered(t, th, -1)
}

func TestReportedInitError(t *testing.T) {
	fail := filepath.Join(t.TempDir(), "report")
	if err := os.WriteFile(fail, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	th := newHost(t, Config{Env: []string{"FN_INIT_REPORT_FILE=" + fail}})

	res := th.invoke(t, request{Echo: "x"})
	// The body's errorType wins over the Lambda-Runtime-Function-Error-Type header, as the document is returned.
	wantError(t, res, "ConfigError", "config: TABLE_NAME is missing")
	if !strings.Contains(th.stdout.String(), "INIT_REPORT") {
		t.Fatalf("stdout lacks INIT_REPORT:\n%s", th.stdout.String())
	}
	if err := os.Remove(fail); err != nil {
		t.Fatal(err)
	}
	wantRecovered(t, th, -1)
}

func TestInitTimeout(t *testing.T) {
	th := newHost(t, Config{InitTimeout: 300 * time.Millisecond, Env: []string{"FN_INIT_SLEEP_MS=5000"}})
	start := time.Now()
	res := th.invoke(t, request{})
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("init timeout took %v", took)
	}
	wantError(t, res, "Sandbox.Timedout", "Init timed out after 0.30 seconds")
	if s := th.Stats(); s.Timeouts != 1 || !s.Processes[0].Exited {
		t.Fatalf("stats = %+v", s)
	}
}

func TestNonFunctionHandlerFailsEveryInvocation(t *testing.T) {
	// aws-lambda-go never posts /init/error: an invalid handler fails each invocation through /error.
	th := newHost(t, Config{Env: []string{"FN_HANDLER=notfunc"}})
	r1 := th.invoke(t, request{})
	wantError(t, r1, "errorString", "handler kind string is not func")
	r2 := th.invoke(t, request{})
	wantError(t, r2, "errorString", "handler kind string is not func")
	if s := th.Stats(); s.ColdStarts != 1 || s.Restarts != 0 || s.Errors != 2 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestStreamedResponseErrorTrailer(t *testing.T) {
	th := newHost(t, Config{})
	res := th.invoke(t, request{Mode: "stream_error"})
	wantError(t, res, "StreamError", "stream broke")
	if s := th.Stats(); s.ColdStarts != 1 {
		t.Fatalf("stats = %+v", s)
	}
	th.echo(t, "still up")
}

func TestOversizedResponse(t *testing.T) {
	th := newHost(t, Config{})
	pid := th.echo(t, "warm").PID
	res := th.invoke(t, request{Mode: "big"})
	wantError(t, res, "Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size")
	// aws-lambda-go exits when the Runtime API refuses its response.
	wantRecovered(t, th, pid)
}

func TestOversizedRequestIsRejected(t *testing.T) {
	th := newHost(t, Config{})
	_, err := th.Invoke(context.Background(), make([]byte, 6*1024*1024+1))
	if !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("err = %v, want ErrPayloadTooLarge", err)
	}
	if s := th.Stats(); s.ColdStarts != 0 || s.Invocations != 0 {
		t.Fatalf("stats = %+v, want nothing started", s)
	}
}

func TestAnswerForUnknownRequestIsRefused(t *testing.T) {
	th := newHost(t, Config{})
	res := th.invoke(t, request{Mode: "wrong_id"})
	var e echoed
	if err := json.Unmarshal(res.Payload, &e); err != nil || res.FunctionError != "" {
		t.Fatalf("result %+v: %v", res, err)
	}
	if e.Echo != "400 InvalidRequestID" {
		t.Fatalf("Runtime API answered %q, want 400 InvalidRequestID", e.Echo)
	}
}

func TestWarmProcessKilledWhileIdleIsReplaced(t *testing.T) {
	th := newHost(t, Config{})
	pid := th.echo(t, "warm").PID
	// As the OOM killer would. Once the host has seen the exit, the next invocation must not go to the corpse.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the host to see the process exit", 2*time.Second, func() bool { return th.Stats().Processes[0].Exited })
	wantRecovered(t, th, pid)
	if s := th.Stats(); s.Errors != 0 || s.Invocations != 2 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestMissingBootstrapIsInvalidEntrypoint(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.Link(bootstrap, bin); err != nil {
		t.Fatal(err)
	}
	h, err := Start(context.Background(), Config{Name: "gone", Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	if err := os.Remove(bin); err != nil {
		t.Fatal(err)
	}
	res, err := h.Invoke(context.Background(), []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, "Runtime.InvalidEntrypoint", "RequestId: "+res.RequestID)
	if s := h.Stats(); s.ColdStarts != 0 || s.Errors != 1 {
		t.Fatalf("stats = %+v", s)
	}
}

// invokeParallel runs n invocations of a function that sleeps: the sleep is the work whose overlap (or
// queueing) the caller measures, not a way of ordering events.
func invokeParallel(t *testing.T, th testHost, n int, sleep time.Duration) (time.Duration, map[int]bool) {
	t.Helper()
	var wg sync.WaitGroup
	pids := make(chan int, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			payload, _ := json.Marshal(request{Mode: "sleep", SleepMS: int(sleep / time.Millisecond), Echo: "p"})
			res, err := th.Invoke(context.Background(), payload)
			if err != nil || res.FunctionError != "" {
				t.Errorf("invoke: %v %s", err, res.Payload)
				return
			}
			var e echoed
			if err := json.Unmarshal(res.Payload, &e); err != nil || e.PID == 0 {
				t.Errorf("result %s: %v", res.Payload, err)
				return
			}
			pids <- e.PID
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(pids)
	seen := map[int]bool{}
	for p := range pids {
		seen[p] = true
	}
	return took, seen
}

func TestConcurrency(t *testing.T) {
	const n, sleep = 3, 600 * time.Millisecond

	parallel := newHost(t, Config{Concurrency: n})
	took, pids := invokeParallel(t, parallel, n, sleep)
	if took >= 2*sleep || len(pids) != n {
		t.Fatalf("Concurrency=%d: %d invocations took %v on %d processes, want about one sleep (%v) on %d",
			n, n, took, len(pids), sleep, n)
	}
	if s := parallel.Stats(); s.ColdStarts != n || len(s.Processes) != n {
		t.Fatalf("stats = %+v", s)
	}

	queued := newHost(t, Config{Concurrency: 1})
	took, pids = invokeParallel(t, queued, n, sleep)
	if took < n*sleep || len(pids) != 1 {
		t.Fatalf("Concurrency=1: %d invocations took %v on %d processes, want at least %v on one", n, took, len(pids),
			n*sleep)
	}
}

func TestQueuedInvokeHonoursContext(t *testing.T) {
	th := newHost(t, Config{})
	busy := make(chan Result, 1)
	go func() {
		payload, _ := json.Marshal(request{Mode: "sleep", SleepMS: 800})
		res, err := th.Invoke(context.Background(), payload)
		if err != nil {
			res.FunctionError = "invoke: " + err.Error()
		}
		busy <- res
	}()
	// The only slot is taken once the sleeping invocation has reached its process.
	waitUntil(t, "the busy invocation to start", 5*time.Second, th.started(1))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := th.Invoke(ctx, []byte(`{}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued invoke err = %v, want deadline exceeded", err)
	}
	if res := <-busy; res.FunctionError != "" {
		t.Fatalf("busy invocation failed: %s", res.Payload)
	}
}

func TestStopKillsProcessesAndFailsInFlight(t *testing.T) {
	th := newHost(t, Config{})
	pid := th.echo(t, "warm").PID
	inFlight := make(chan error, 1)
	go func() {
		payload, _ := json.Marshal(request{Mode: "sleep", SleepMS: 5000})
		_, err := th.Invoke(context.Background(), payload)
		inFlight <- err
	}()
	waitUntil(t, "the sleeping invocation to start", 5*time.Second, th.started(2)) // the warm-up was the first
	th.Stop()
	select {
	case err := <-inFlight:
		if !errors.Is(err, ErrStopped) {
			t.Fatalf("in-flight invoke err = %v, want ErrStopped", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("in-flight invoke did not return after Stop")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d survived Stop (kill 0: %v)", pid, err)
	}
	if _, err := th.Invoke(context.Background(), []byte(`{}`)); !errors.Is(err, ErrStopped) {
		t.Fatalf("invoke after Stop err = %v", err)
	}
	th.Stop()
}

func TestStartRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no name", Config{Binary: bootstrap}, "Name"},
		{"missing binary", Config{Name: "f", Binary: filepath.Join(t.TempDir(), "bootstrap")}, "bootstrap"},
		{"directory", Config{Name: "f", Binary: t.TempDir()}, "not an executable"},
		{"reserved variable", Config{Name: "f", Binary: bootstrap, Env: []string{"AWS_LAMBDA_RUNTIME_API=x"}},
			"AWS_LAMBDA_RUNTIME_API is reserved"},
		{"malformed variable", Config{Name: "f", Binary: bootstrap, Env: []string{"NOEQUALS"}}, "KEY=VALUE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := Start(context.Background(), c.cfg)
			if err == nil {
				h.Stop()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestCancellingStartContextStopsHost(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	h, err := Start(ctx, Config{Name: "fn", Binary: bootstrap})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	res, err := h.Invoke(context.Background(), []byte(`{"echo":"x"}`))
	if err != nil || res.FunctionError != "" {
		t.Fatalf("invoke: %v %s", err, res.Payload)
	}
	pid := h.Stats().Processes[0].PID
	cancel()
	waitUntil(t, "the host to refuse invocations after its context was cancelled", 3*time.Second, func() bool {
		_, err := h.Invoke(context.Background(), []byte(`{}`))
		return errors.Is(err, ErrStopped)
	})
	h.Stop() // waits for the kill to finish
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d survived (kill 0: %v)", pid, err)
	}
}

func TestErrorDocument(t *testing.T) {
	cases := []struct {
		name, body, header string
		wantType, wantMsg  string
		wantBodyKept       bool
	}{
		{"body type wins", `{"errorMessage":"m","errorType":"BodyType"}`, "Runtime.Header", "BodyType", "m", true},
		{"header when body has none", `{"errorMessage":"m"}`, "Runtime.NoSuchHandler", "Runtime.NoSuchHandler", "m", false},
		{"plain text body", `it broke`, "Runtime.Crash", "Runtime.Crash", "it broke", false},
		{"nothing given", ``, "", "Runtime.Unknown", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, ep := errorDocument([]byte(c.body), c.header)
			if ep.ErrorType != c.wantType || ep.ErrorMessage != c.wantMsg {
				t.Fatalf("got %s / %q, want %s / %q", ep.ErrorType, ep.ErrorMessage, c.wantType, c.wantMsg)
			}
			if kept := string(doc) == c.body; kept != c.wantBodyKept {
				t.Fatalf("document %s, body kept = %v", doc, kept)
			}
			var back ErrorPayload
			if err := json.Unmarshal(doc, &back); err != nil || back.ErrorType != c.wantType {
				t.Fatalf("document %s does not decode to the error (%v)", doc, err)
			}
		})
	}
}

// Result.Waited is the time an invocation spent before its runtime took it (here, queued behind another on
// the one instance), and Duration only the function's own time.
func TestResultSaysHowLongTheInvocationWaited(t *testing.T) {
	const sleep = 500 * time.Millisecond
	th := newHost(t, Config{Concurrency: 1})
	busy := make(chan Result, 1)
	go func() {
		payload, _ := json.Marshal(request{Mode: "sleep", SleepMS: int(sleep / time.Millisecond)})
		res, _ := th.Invoke(context.Background(), payload)
		busy <- res
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s := th.Stats(); len(s.Processes) == 1 && s.Processes[0].Invocations == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first invocation never reached its runtime")
		}
		time.Sleep(2 * time.Millisecond) // polling a condition, not ordering
	}
	called := time.Now()
	payload, _ := json.Marshal(request{Echo: "after"})
	res, err := th.Invoke(context.Background(), payload)
	if err != nil || res.FunctionError != "" {
		t.Fatalf("invoke: %v %s", err, res.Payload)
	}
	first := <-busy
	if first.Duration < sleep {
		t.Errorf("the sleeping invocation ran %v, want at least %v", first.Duration, sleep)
	}
	if res.Waited < sleep*6/10 || res.Waited > time.Since(called) {
		t.Errorf("the queued invocation waited %v, want most of the other's %v (and no more than its whole call)", res.Waited, sleep)
	}
	if res.Duration >= sleep {
		t.Errorf("the queued invocation's Duration %v includes its wait", res.Duration)
	}
}
