// Command withemulators runs a command with DynamoDB Local and fauxqs started on free loopback
// ports, their endpoints in the environment, and stops them afterwards whatever happens.
//
//	go run ./scripts/withemulators [-persist DIR] -- CMD ARGS...
//
// It exits with the command's exit code (128+N when the command died of signal N).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/concierge-cx/concierge/scripts/emulators"
)

func main() {
	os.Exit(run())
}

func run() int {
	persist := flag.String("persist", "", "keep emulator data in `DIR` across runs (default: in memory)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: withemulators [-persist DIR] -- CMD ARGS...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		flag.Usage()
		return 2
	}

	// Catch signals from the start, so a Ctrl-C during start-up still stops what was started.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	startCtx, cancelStart := context.WithCancel(context.Background())
	startupDone := make(chan struct{})
	var startupSignal os.Signal
	go func() {
		select {
		case s := <-sigs:
			startupSignal = s
			cancelStart()
		case <-startupDone:
		}
	}()

	r, err := emulators.Start(startCtx, emulators.Options{PersistDir: *persist})
	close(startupDone)
	cancelStart()
	if err != nil {
		fmt.Fprintln(os.Stderr, "withemulators:", err)
		if s, ok := startupSignal.(syscall.Signal); ok {
			return 128 + int(s)
		}
		return 1
	}
	defer r.Stop()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), r.Env()...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// On a terminal the command stays in our process group so it can use the terminal and gets
	// Ctrl-C from it directly. Elsewhere (CI, a supervisor sending SIGTERM to us alone) it gets
	// its own group, so a forwarded signal reaches everything it spawned (sh -> go -> test binary).
	ownGroup := !isTerminal(os.Stdin)
	if ownGroup {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "withemulators:", err)
		return 127
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	for {
		select {
		case s := <-sigs:
			target := cmd.Process.Pid
			if ownGroup {
				target = -target
			}
			_ = syscall.Kill(target, s.(syscall.Signal))
		case err := <-waited:
			r.Stop()
			return exitStatus(err)
		}
	}
}

func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	fmt.Fprintln(os.Stderr, "withemulators:", err)
	return 1
}
