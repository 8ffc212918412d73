package lambdahost

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// Runtime API names, as in the Lambda documentation and aws-lambda-go's runtime_api_client.go.
const (
	runtimePrefix = "/2018-06-01/runtime"

	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadlineMS  = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	// headerErrorType arrives as a header on /error and /init/error, and as a trailer on a /response whose
	// streamed body failed part-way (with the error document, base64, in headerErrorBody).
	headerErrorType = "Lambda-Runtime-Function-Error-Type"
	headerErrorBody = "Lambda-Runtime-Function-Error-Body"
)

type serveOutcome int

const (
	outcomeHealthy serveOutcome = iota // answered; the process stays warm
	outcomeBroken                      // crashed, failed to initialise or host stopping; the process is replaced
	outcomeTimeout                     // killed for exceeding its timeout; replaced
	outcomeRetry                       // a warm process died before taking the invocation; try a fresh one
)

// process is one running bootstrap and the Runtime API endpoint that only it talks to.
type process struct {
	h       *Host
	seq     int
	cmd     *exec.Cmd
	srv     *http.Server
	started time.Time
	stdout  *lineWriter
	stderr  *lineWriter

	offer     chan *invocation // unbuffered: a send succeeds when the runtime's /next takes the invocation
	exited    chan struct{}    // closed once the process has exited and been reaped
	initErrCh chan struct{}    // closed when the runtime reports /init/error

	mu          sync.Mutex
	current     *invocation // taken by /next and not yet answered
	firstNext   time.Time
	firstAnswer time.Time
	invocations int
	initErr     *ErrorPayload
	initErrBody []byte
	exitErr     error
	exitedAt    time.Time
}

func startProcess(h *Host, seq int) (*process, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API listener: %w", err)
	}
	p := &process{
		h:         h,
		seq:       seq,
		offer:     make(chan *invocation),
		exited:    make(chan struct{}),
		initErrCh: make(chan struct{}),
	}
	prefix := "[" + h.cfg.Name + "] "
	p.stdout = &lineWriter{dst: h.stdout, prefix: prefix}
	p.stderr = &lineWriter{dst: h.stderr, prefix: prefix}

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimePrefix+"/invocation/next", p.handleNext)
	mux.HandleFunc("POST "+runtimePrefix+"/invocation/{id}/response", p.handleResponse)
	mux.HandleFunc("POST "+runtimePrefix+"/invocation/{id}/error", p.handleError)
	mux.HandleFunc("POST "+runtimePrefix+"/init/error", p.handleInitError)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()

	cmd := exec.Command(h.cfg.Binary)
	cmd.Dir = h.taskRoot
	cmd.Env = append(append([]string(nil), h.env...),
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_LAMBDA_LOG_STREAM_NAME="+time.Now().UTC().Format("2006/01/02")+"/[$LATEST]"+newRequestID()[:8],
	)
	cmd.Stdout = p.stdout
	cmd.Stderr = p.stderr
	// Bounds Wait if something the bootstrap spawned keeps the output pipes open.
	cmd.WaitDelay = time.Second
	setProcessGroup(cmd)
	p.cmd = cmd
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		_ = p.srv.Close()
		return nil, fmt.Errorf("starting bootstrap %s: %w", h.cfg.Binary, err)
	}
	go p.wait()
	return p, nil
}

func (p *process) wait() {
	err := p.cmd.Wait()
	p.stdout.flush()
	p.stderr.flush()
	p.mu.Lock()
	p.exitErr, p.exitedAt = err, time.Now()
	p.mu.Unlock()
	close(p.exited)
	_ = p.srv.Close()
	if !p.h.isStopped() {
		how := "exit status 0"
		if err != nil {
			how = err.Error()
		}
		p.logf(p.h.stderr, "bootstrap (pid %d) exited: %s", p.cmd.Process.Pid, how)
	}
}

func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// kill ends the process (and anything it spawned) and waits until it is reaped.
func (p *process) kill() {
	if !p.hasExited() {
		killProcessGroup(p.cmd)
	}
	<-p.exited
}

func (p *process) logf(w *syncWriter, format string, args ...any) {
	w.writeLine(p.stdout.prefix, []byte(fmt.Sprintf(format, args...)))
}

func (p *process) stats() ProcessStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	ps := ProcessStats{Seq: p.seq, PID: p.cmd.Process.Pid, Started: p.started, Invocations: p.invocations,
		Exited: p.hasExited()}
	if !p.firstNext.IsZero() {
		ps.InitDuration = p.firstNext.Sub(p.started)
	}
	if !p.firstAnswer.IsZero() {
		ps.FirstResponse = p.firstAnswer.Sub(p.started)
	}
	return ps
}

// serve hands inv to this process and waits for its answer, a crash, the timeout or the host stopping.
func (p *process) serve(inv *invocation, cold bool) (Result, serveOutcome) {
	h := p.h
	var initExpired <-chan time.Time
	if cold {
		t := time.NewTimer(h.cfg.InitTimeout - time.Since(p.started))
		defer t.Stop()
		initExpired = t.C
	}
	select {
	case p.offer <- inv:
	case <-p.initErrCh:
		p.kill()
		return p.initFailure(inv), outcomeBroken
	case <-p.exited:
		if p.initError() != nil {
			return p.initFailure(inv), outcomeBroken
		}
		if !cold {
			return Result{}, outcomeRetry
		}
		return p.exitFailure(inv, 0, true), outcomeBroken
	case <-initExpired:
		p.kill()
		res := h.failure(inv, "Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Init timed out after %.2f seconds",
			inv.id, h.cfg.InitTimeout.Seconds()))
		res.ColdStart, res.InitDuration = true, h.cfg.InitTimeout
		p.logf(h.stdout, "INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: timeout",
			float64(h.cfg.InitTimeout)/float64(time.Millisecond))
		return res, outcomeTimeout
	case <-h.stopCh:
		return Result{}, outcomeBroken
	}

	<-inv.taken
	p.logf(h.stdout, "START RequestId: %s Version: $LATEST", inv.id)
	takenAt := inv.deadline.Add(-h.cfg.Timeout)
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()

	answered := func(a answer) Result {
		res := Result{RequestID: inv.id, Payload: a.payload, Duration: a.at.Sub(takenAt), Waited: takenAt.Sub(inv.called)}
		if a.errDoc != nil {
			res.FunctionError = "Unhandled"
			res.ErrorPayload = a.errDoc
		}
		return p.coldFields(res, cold)
	}
	select {
	case a := <-inv.done:
		return answered(a), outcomeHealthy
	case <-p.exited:
		// aws-lambda-go reports a panic through /error and then exits: the answer counts, the process does not.
		select {
		case a := <-inv.done:
			return answered(a), outcomeBroken
		default:
		}
		return p.exitFailure(inv, time.Since(takenAt), cold), outcomeBroken
	case <-timer.C:
		select {
		case a := <-inv.done:
			return answered(a), outcomeHealthy
		default:
		}
		p.kill()
		res := h.failure(inv, "Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds",
			inv.id, h.cfg.Timeout.Seconds()))
		res.Duration = h.cfg.Timeout
		p.logf(h.stdout, "%s %s Task timed out after %.2f seconds",
			time.Now().UTC().Format(time.RFC3339Nano), inv.id, h.cfg.Timeout.Seconds())
		return p.coldFields(res, cold), outcomeTimeout
	case <-h.stopCh:
		return Result{}, outcomeBroken
	}
}

func (p *process) coldFields(res Result, cold bool) Result {
	if cold {
		res.ColdStart = true
		p.mu.Lock()
		if !p.firstNext.IsZero() {
			res.InitDuration = p.firstNext.Sub(p.started)
		}
		p.mu.Unlock()
	}
	return res
}

func (p *process) initError() *ErrorPayload {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.initErr
}

// initFailure fails inv with what the runtime reported to /init/error.
func (p *process) initFailure(inv *invocation) Result {
	p.mu.Lock()
	ep, body := p.initErr, p.initErrBody
	p.mu.Unlock()
	res := Result{RequestID: inv.id, Payload: body, FunctionError: "Unhandled", ErrorPayload: ep, ColdStart: true,
		InitDuration: time.Since(p.started)}
	p.logf(p.h.stdout, "INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: error\tError Type: %s",
		float64(res.InitDuration)/float64(time.Millisecond), ep.ErrorType)
	return res
}

// exitFailure fails inv because the process exited without answering it, as Lambda reports Runtime.ExitError.
func (p *process) exitFailure(inv *invocation, ran time.Duration, cold bool) Result {
	<-p.exited
	p.mu.Lock()
	err, exitedAt := p.exitErr, p.exitedAt
	p.mu.Unlock()
	res := p.h.failure(inv, "Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: %s", inv.id, exitReason(err)))
	res.Duration = ran
	res = p.coldFields(res, cold)
	if cold && res.InitDuration == 0 {
		// It never reached /next: its whole life was the init phase.
		res.InitDuration = exitedAt.Sub(p.started)
	}
	return res
}

func exitReason(err error) string {
	if err == nil {
		return "Runtime exited without providing a reason"
	}
	return "Runtime exited with error: " + err.Error()
}

func (p *process) handleNext(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if p.firstNext.IsZero() {
		p.firstNext = time.Now()
	}
	p.mu.Unlock()
	select {
	case inv := <-p.offer:
		now := time.Now()
		inv.deadline = now.Add(p.h.cfg.Timeout)
		p.mu.Lock()
		p.current = inv
		p.invocations++
		p.mu.Unlock()
		close(inv.taken)
		hd := w.Header()
		hd.Set(headerRequestID, inv.id)
		hd.Set(headerDeadlineMS, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		hd.Set(headerFunctionARN, p.h.arn)
		hd.Set(headerTraceID, inv.traceID)
		hd.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	case <-p.exited:
	}
}

// pending returns the invocation the runtime is answering, or writes the API's error and returns nil.
func (p *process) pending(w http.ResponseWriter, r *http.Request) *invocation {
	id := r.PathValue("id")
	p.mu.Lock()
	inv := p.current
	p.mu.Unlock()
	if inv == nil || inv.id != id {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "no invocation "+id+" is waiting for an answer")
		return nil
	}
	return inv
}

// answer records the runtime's answer to inv; only the first one counts.
func (p *process) answer(inv *invocation, a answer) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.current != inv {
		return false
	}
	p.current = nil
	if p.firstAnswer.IsZero() {
		p.firstAnswer = a.at
	}
	inv.done <- a
	return true
}

func (p *process) handleResponse(w http.ResponseWriter, r *http.Request) {
	inv := p.pending(w, r)
	if inv == nil {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayloadBytes+1))
	if err != nil {
		// The runtime went away mid-body; the crash path answers the invocation.
		return
	}
	if len(body) > maxPayloadBytes {
		ep := &ErrorPayload{ErrorType: "Function.ResponseSizeTooLarge",
			ErrorMessage: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxPayloadBytes)}
		doc, _ := json.Marshal(ep)
		if p.answer(inv, answer{payload: doc, errDoc: ep, at: time.Now()}) {
			apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", ep.ErrorMessage)
		}
		return
	}
	a := answer{payload: body, at: time.Now()}
	// A streamed response that failed part-way carries its error in trailers (aws-lambda-go's
	// errorCapturingReader); the partial body is not a response.
	if t := r.Trailer.Get(headerErrorType); t != "" {
		raw, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(headerErrorBody))
		a.payload, a.errDoc = errorDocument(raw, t)
	}
	if !p.answer(inv, a) {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "invocation "+inv.id+" was already answered")
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (p *process) handleError(w http.ResponseWriter, r *http.Request) {
	inv := p.pending(w, r)
	if inv == nil {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayloadBytes))
	if err != nil {
		return
	}
	a := answer{at: time.Now()}
	a.payload, a.errDoc = errorDocument(body, r.Header.Get(headerErrorType))
	if !p.answer(inv, a) {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "invocation "+inv.id+" was already answered")
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (p *process) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayloadBytes))
	if err != nil {
		return
	}
	doc, ep := errorDocument(body, r.Header.Get(headerErrorType))
	p.mu.Lock()
	if !p.firstNext.IsZero() || p.initErr != nil {
		p.mu.Unlock()
		apiError(w, http.StatusForbidden, "InvalidStateTransition", "init error reported after initialization")
		return
	}
	p.initErr, p.initErrBody = ep, doc
	p.mu.Unlock()
	close(p.initErrCh)
	w.WriteHeader(http.StatusAccepted)
}

// errorDocument turns a runtime's error body into the document Invoke returns. The body's errorType wins,
// then the Lambda-Runtime-Function-Error-Type header; a body that is not an error document is kept as the
// message.
func errorDocument(body []byte, headerType string) ([]byte, *ErrorPayload) {
	var ep ErrorPayload
	if err := json.Unmarshal(body, &ep); err == nil && ep.ErrorType != "" {
		return body, &ep
	}
	if json.Unmarshal(body, &ep) != nil {
		ep = ErrorPayload{ErrorMessage: string(body)}
	}
	ep.ErrorType = headerType
	if ep.ErrorType == "" {
		ep.ErrorType = "Runtime.Unknown"
	}
	doc, _ := json.Marshal(ep)
	return doc, &ep
}

// apiError writes the Runtime API's error shape.
func apiError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": errType, "errorMessage": msg})
}
