// Command smoke is `make smoke`: one walk through a running Concierge, deployed or `make dev`, as a customer
// and an agent see it (scripts/smoke/check): a signed web-chat message, found on the customer's timeline
// through the agent API, the caller set available, the conversation assigned. Each step prints with its
// time; it exits 1 on the first failure.
//
//	make smoke BASE_URL=https://abc123.execute-api.ap-southeast-1.amazonaws.com TOKEN=eyJ... WEBCHAT_SIGNING_SECRET=...
//	make smoke                      # against `make dev`: its gateway, the banner agent's token, the dev secret
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/scripts/devstack/stack"
	"github.com/concierge-cx/concierge/scripts/emulators"
	"github.com/concierge-cx/concierge/scripts/smoke/check"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
)

func main() {
	base := flag.String("base-url", os.Getenv("BASE_URL"), "the HTTP API's URL (BASE_URL); default the running make dev's gateway")
	token := flag.String("token", os.Getenv("TOKEN"), "an agent's id token (TOKEN); against a local stack, default the banner agent's")
	secret := flag.String("webchat-secret", envOr("WEBCHAT_SIGNING_SECRET", testsecrets.WebchatSecret),
		"the stack's web-chat signing secret (WEBCHAT_SIGNING_SECRET); default the local stack's")
	wait := flag.Duration("wait", 30*time.Second, "how long to wait for each step the stack completes on its own")
	reply := flag.Bool("reply", false, "also reply to the visitor (needs WEBCHAT_REPLY_URL on the stack)")
	keep := flag.Bool("keep", false, "leave the smoke conversation open (default: resolve it at the end)")
	flag.Parse()

	if *base == "" {
		*base = localGateway()
	}
	if *token == "" && isLoopback(*base) {
		// The local stack accepts the development tokens; a deployed one needs a Cognito id token.
		*token, _ = devjwt.Mint(devjwt.Secret(), stack.BannerAgentID, []string{"agent", "supervisor"},
			map[string]any{"name": stack.BannerAgentName}, time.Now(), time.Hour)
	}
	if *token == "" {
		fmt.Fprintln(os.Stderr, "smoke: TOKEN is required against a deployed stack (an agent's Cognito id token; infra/README.md shows how to get one)")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := check.Run(ctx, check.Config{BaseURL: *base, Token: *token, WebchatSecret: *secret, Wait: *wait,
		Reply: *reply, Resolve: !*keep, Out: os.Stdout}); err != nil {
		fmt.Fprintln(os.Stderr, "smoke: FAILED:", err)
		os.Exit(1)
	}
}

// localGateway is the running make dev's gateway (from .local/dev/state.json), else the default address.
func localGateway() string {
	if root, err := emulators.FindRoot(); err == nil {
		if st, err := stack.ReadState(filepath.Join(root, ".local", "dev")); err == nil && st.GatewayURL != "" {
			return st.GatewayURL
		}
	}
	return "http://" + stack.DefaultGatewayAddr
}

func isLoopback(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
