// Command fn is the test function for lambdahost: a real aws-lambda-go bootstrap whose behaviour the payload
// (and, for start-up failures, the environment) chooses.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Request picks what the handler does.
type Request struct {
	Mode    string `json:"mode"` // echo (default), error, panic, sleep, exit, stream_error, big, wrong_id
	Echo    string `json:"echo"`
	SleepMS int    `json:"sleep_ms"`
}

// Response tells the test what the function saw.
type Response struct {
	Echo       string            `json:"echo"`
	RequestID  string            `json:"request_id"`
	DeadlineMS int64             `json:"deadline_ms"`
	ARN        string            `json:"arn"`
	TraceID    string            `json:"trace_id"`
	PID        int               `json:"pid"`
	Env        map[string]string `json:"env"`
}

// NotFoundError is returned for mode "error"; aws-lambda-go reports its type name as errorType.
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string { return e.What + " not found" }

// StreamError breaks a streamed response part-way.
type StreamError struct{}

func (StreamError) Error() string { return "stream broke" }

// brokenStream yields some bytes, then fails. Its fields are unexported so aws-lambda-go streams it as a
// reader instead of encoding it as JSON.
type brokenStream struct{ sent bool }

func (b *brokenStream) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "partial"), nil
	}
	return 0, StreamError{}
}

var envKeys = []string{
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION",
	"_HANDLER", "AWS_LAMBDA_LOG_GROUP_NAME", "LAMBDA_TASK_ROOT", "FN_CONFIG",
}

func handle(ctx context.Context, req Request) (any, error) {
	switch req.Mode {
	case "error":
		return nil, &NotFoundError{What: req.Echo}
	case "panic":
		panic("boom: " + req.Echo)
	case "exit":
		fmt.Println("exiting mid-invocation")
		os.Exit(3)
	case "stream_error":
		return &brokenStream{}, nil
	case "big":
		// Over Lambda's 6 MB response limit.
		return strings.Repeat("x", 7<<20), nil
	case "wrong_id":
		// Answers an invocation that does not exist; the echo carries the Runtime API's verdict.
		return Response{Echo: postResponse("not-a-request-id")}, nil
	case "sleep":
		// Ignores ctx on purpose: the host must enforce the timeout itself.
		time.Sleep(time.Duration(req.SleepMS) * time.Millisecond)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	trace, _ := ctx.Value("x-amzn-trace-id").(string)
	resp := Response{Echo: req.Echo, DeadlineMS: deadline.UnixMilli(), TraceID: trace, PID: os.Getpid(),
		Env: map[string]string{}}
	if lc != nil {
		resp.RequestID, resp.ARN = lc.AwsRequestID, lc.InvokedFunctionArn
	}
	for _, k := range envKeys {
		resp.Env[k] = os.Getenv(k)
	}
	return resp, nil
}

func postResponse(id string) string {
	resp, err := http.Post("http://"+os.Getenv("AWS_LAMBDA_RUNTIME_API")+"/2018-06-01/runtime/invocation/"+id+
		"/response", "application/json", strings.NewReader(`"late"`))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var apiErr struct {
		ErrorType string `json:"errorType"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&apiErr)
	return fmt.Sprintf("%d %s", resp.StatusCode, apiErr.ErrorType)
}

func exists(path string) bool {
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}

// reportInitError does what a runtime does when its initialisation fails: POST /runtime/init/error, then exit.
// aws-lambda-go itself never calls this endpoint.
func reportInitError(msg string) {
	body, _ := json.Marshal(map[string]string{"errorMessage": msg, "errorType": "ConfigError"})
	req, _ := http.NewRequest(http.MethodPost,
		"http://"+os.Getenv("AWS_LAMBDA_RUNTIME_API")+"/2018-06-01/runtime/init/error", bytes.NewReader(body))
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ConfigError")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatalf("init error report failed: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	log.Fatalf("init failed: %s (reported, status %d)", msg, resp.StatusCode)
}

func main() {
	if ms := os.Getenv("FN_INIT_SLEEP_MS"); ms != "" {
		d, _ := time.ParseDuration(ms + "ms")
		time.Sleep(d)
	}
	// The files let a test break start-up, then mend it, within one host.
	if exists(os.Getenv("FN_INIT_FAIL_FILE")) {
		log.Fatal(errors.New("config: FN_REQUIRED is missing"))
	}
	if exists(os.Getenv("FN_INIT_REPORT_FILE")) {
		reportInitError("config: TABLE_NAME is missing")
	}
	if strings.EqualFold(os.Getenv("FN_HANDLER"), "notfunc") {
		lambda.Start("not a function")
		return
	}
	lambda.Start(handle)
}
