package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func buildHarness(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "withemulators")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var endpointLine = regexp.MustCompile(`emulators: (\w+)\s+(http://\S+)`)

// watch collects the emulator endpoints the harness announces and everything the command prints.
func watch(t *testing.T, r io.Reader) (endpoints chan string, lines chan string) {
	endpoints, lines = make(chan string, 2), make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if m := endpointLine.FindStringSubmatch(sc.Text()); m != nil {
				endpoints <- m[2]
				continue
			}
			lines <- sc.Text()
		}
		close(lines)
	}()
	return endpoints, lines
}

func assertClosed(t *testing.T, endpoints ...string) {
	t.Helper()
	for _, ep := range endpoints {
		u, err := url.Parse(ep)
		if err != nil {
			t.Fatal(err)
		}
		if conn, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
			conn.Close()
			t.Errorf("emulator %s still running after the harness exited", ep)
		}
	}
}

func TestFailingCommandExitsWithItsCodeAndStopsEmulators(t *testing.T) {
	bin := buildHarness(t)
	cmd := exec.Command(bin, "--", "sh", "-c", `echo "ddb=$DYNAMODB_ENDPOINT sqs=$SQS_ENDPOINT flag=$CONCIERGE_EMULATORS"; exit 42`)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 42 {
		t.Fatalf("harness exit = %v, want status 42\n%s", err, out)
	}
	m := regexp.MustCompile(`ddb=(http://127\.0\.0\.1:\d+) sqs=(http://127\.0\.0\.1:\d+) flag=1`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("command did not see the emulator endpoints:\n%s", out)
	}
	assertClosed(t, string(m[1]), string(m[2]))
}

func TestSignalIsForwardedAndEverythingStops(t *testing.T) {
	bin := buildHarness(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			// The command's pid is printed, then replaced by a long sleep, so the test can check
			// that the process the signal was meant for is gone.
			cmd := exec.Command(bin, "--", "sh", "-c", `echo "pid=$$"; exec sleep 120`)
			pr, pw := io.Pipe()
			cmd.Stdout, cmd.Stderr = pw, pw
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				done <- cmd.Wait()
				pw.Close() // ends watch, also when the harness fails before the command runs
			}()
			endpoints, lines := watch(t, pr)
			var childPID int
			for line := range lines {
				if v, ok := strings.CutPrefix(line, "pid="); ok {
					childPID, _ = strconv.Atoi(v)
					break
				}
			}
			if childPID == 0 {
				t.Fatal("the command never started")
			}
			eps := []string{<-endpoints, <-endpoints}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 128+int(sig) {
					t.Errorf("harness exit = %v, want %d (128+signal, as the command died of it)", err, 128+int(sig))
				}
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("harness still running 30s after %s", sig)
			}
			if err := syscall.Kill(childPID, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("command (pid %d) still running after the harness exited: %v", childPID, err)
				_ = syscall.Kill(childPID, syscall.SIGKILL)
			}
			assertClosed(t, eps...)
		})
	}
}
