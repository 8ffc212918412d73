// Command devstack is `make dev`: the whole contact center on one machine. It starts (or reuses) DynamoDB
// Local and fauxqs with their data in .local/dev, creates the table, queues and buckets, builds every
// functions/* binary as it deploys and runs them under the local Lambda Runtime API host, and serves the
// HTTP gateway, the SQS pollers, the SMTP listener, the schedules and the provider sandbox until Ctrl-C.
// See scripts/devstack/README.md.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/scripts/devstack/stack"
	"github.com/concierge-cx/concierge/shared/httpapi"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	opts := stack.Options{
		Persist: true, WriteState: true,
		GatewayAddr:   "127.0.0.1:" + envOr("DEV_PORT", "8787"),
		SMTPAddr:      "127.0.0.1:" + envOr("SMTP_PORT", "2525"),
		PublicBaseURL: os.Getenv("PUBLIC_BASE_URL"),
		Quiet:         os.Getenv("DEV_VERBOSE") == "",
	}
	if n, err := strconv.Atoi(os.Getenv("DEV_CONCURRENCY")); err == nil {
		opts.Concurrency = n
	}
	if addr := os.Getenv("DEV_PPROF"); addr != "" {
		if err := servePprof(addr); err != nil {
			fmt.Fprintln(os.Stderr, "devstack: DEV_PPROF:", err)
			return 1
		}
	}
	began := time.Now()
	st, err := stack.Start(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		return 1
	}
	defer st.Stop()
	banner(st, time.Since(began))
	<-ctx.Done()
	fmt.Println("\ndevstack: stopping (functions, gateway, pollers, smtp" + map[bool]string{true: ", emulators", false: ""}[st.EmulatorsOwned] + ")")
	st.Stop()
	fmt.Println("devstack: stopped")
	return 0
}

func banner(st *stack.Stack, took time.Duration) {
	tok, _ := devjwt.Mint(devjwt.Secret(), stack.BannerAgentID, []string{"agent", "supervisor"}, map[string]any{"name": stack.BannerAgentName}, time.Now(), 12*time.Hour)
	var b strings.Builder
	line := func(f string, a ...any) { fmt.Fprintf(&b, f+"\n", a...) }
	line("")
	line("Concierge is running locally (ready in %.0fs). Ctrl-C stops it.", took.Seconds())
	line("")
	line("  HTTP API        %s   (public base URL %s)", st.GatewayURL, st.PublicBaseURL)
	line("  health          %s%s", st.GatewayURL, httpapi.HealthPath)
	line("  provider outbox %s/_sandbox/outbox", st.GatewayURL)
	line("  agent console   %s%s   (one click signs in as a seeded agent)", st.GatewayURL, stack.ConsolePrefix)
	line("  SMTP            %s   (accepts mail for %s)", st.SMTPAddr, strings.Join(st.SupportAddresses, ", "))
	line("  DynamoDB Local  %s   table %s", st.DynamoDBEndpoint, st.Table)
	line("  fauxqs          %s   queues %s, %s; buckets %s, %s", st.FauxqsEndpoint,
		last(st.Queues["urgent"]), last(st.Queues["normal"]), st.Buckets["concierge-raw-mail"], st.Buckets["concierge-attachments"])
	line("  emulators       %s", st.Emulators)
	line("")
	line("  functions:")
	for _, name := range st.Functions {
		line("    %-10s %s", name, st.Binaries[name])
	}
	missing := []string{}
	for _, name := range []string{"email", "router", "sla", "agentapi", "connect"} {
		if _, ok := st.Hosts[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		line("    not built yet: %s (their routes answer 503, their queues hold jobs until they land)", strings.Join(missing, ", "))
	}
	line("")
	line("  agents (team %s):", envOr("DEFAULT_TEAM", "support"))
	for _, a := range st.Agents {
		what := "already there, left as it is"
		if a.Seeded {
			what = "seeded, offline"
		}
		line("    %-16s %-14s %-6s %s", a.ID, a.Name, strings.Join(a.Languages, "+"), what)
	}
	line("")
	line("  agent token (%s, groups agent+supervisor, 12 h):", stack.BannerAgentName)
	line("    export TOKEN=%s", tok)
	line("")
	line("  try:")
	line("    curl -s %s%s", st.GatewayURL, httpapi.HealthPath)
	line("    curl -s -X PUT -H \"Authorization: Bearer $TOKEN\" -d '{\"status\":\"available\"}' %s/agents/me/status", st.GatewayURL)
	line("    make demo      # Nguyễn Thị Lan's story, signed webhooks through this stack")
	line("    make smoke TOKEN=$TOKEN BASE_URL=%s", st.GatewayURL)
	line("")
	fmt.Print(b.String())
}

// servePprof serves Go's profiles of this process (the gateway, the Runtime API hosts, the pollers, SMTP) on
// addr, e.g. `DEV_PPROF=127.0.0.1:6060 make dev` then `go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10`.
func servePprof(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() { _ = (&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}).Serve(ln) }()
	fmt.Fprintf(os.Stderr, "devstack: pprof on http://%s/debug/pprof/\n", ln.Addr())
	return nil
}

func last(url string) string {
	if i := strings.LastIndex(url, "/"); i >= 0 {
		return url[i+1:]
	}
	return url
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
