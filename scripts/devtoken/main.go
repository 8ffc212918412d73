// Command devtoken prints an agent token for the local stack: an HS256 JWT signed with LOCAL_JWT_SECRET
// (default "concierge-dev-jwt-secret") that the local gateway accepts on the agent API routes.
//
//	go run ./scripts/devtoken -sub agent-lan -groups agent,supervisor -ttl 12h
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
)

func main() {
	sub := flag.String("sub", "agent-minh-anh", "the agent's id (the sub claim)")
	groups := flag.String("groups", "agent,supervisor", "comma-separated Cognito groups: agent, supervisor, partner")
	partner := flag.String("partner", "", "partner id (custom:partnerId claim) for a partner token")
	ttl := flag.Duration("ttl", 12*time.Hour, "validity")
	flag.Parse()
	var gs []string
	for _, g := range strings.Split(*groups, ",") {
		if g = strings.TrimSpace(g); g != "" {
			gs = append(gs, g)
		}
	}
	var extra map[string]any
	if *partner != "" {
		extra = map[string]any{"custom:partnerId": *partner}
	}
	tok, err := devjwt.Mint(devjwt.Secret(), *sub, gs, extra, time.Now(), *ttl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devtoken:", err)
		os.Exit(1)
	}
	fmt.Println(tok)
}
