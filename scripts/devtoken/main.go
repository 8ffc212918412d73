// Command devtoken prints an agent token for the local stack: an HS256 JWT signed with LOCAL_JWT_SECRET
// (default "concierge-dev-jwt-secret") that the local gateway accepts on the agent API routes. It carries the
// claims a Cognito id token carries: sub, cognito:groups, name and email when given, and for a partner the
// partner id under the claim the agent API reads (custom:partner_id, agentapi.ClaimPartnerID).
//
//	go run ./scripts/devtoken -sub agent-lan -groups agent,supervisor -ttl 12h
//	go run ./scripts/devtoken -sub partner-p1 -groups partner -partner p1
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/shared/agentapi"
)

func main() {
	sub := flag.String("sub", "agent-minh-anh", "the agent's id (the sub claim)")
	groups := flag.String("groups", "agent,supervisor", "comma-separated Cognito groups: agent, supervisor, partner")
	partner := flag.String("partner", "", "partner id ("+agentapi.ClaimPartnerID+" claim) for a partner token")
	name := flag.String("name", "", "the user's name (name claim)")
	email := flag.String("email", "", "the user's email address (email claim)")
	ttl := flag.Duration("ttl", 12*time.Hour, "validity")
	flag.Parse()
	tok, err := devjwt.Mint(devjwt.Secret(), *sub, splitList(*groups), Claims(*partner, *name, *email), time.Now(), *ttl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devtoken:", err)
		os.Exit(1)
	}
	fmt.Println(tok)
}

// Claims are the optional claims of a token, under the names Cognito (and so the agent API) uses.
func Claims(partner, name, email string) map[string]any {
	extra := map[string]any{}
	if partner != "" {
		extra[agentapi.ClaimPartnerID] = partner
	}
	if name != "" {
		extra["name"] = name
	}
	if email != "" {
		extra["email"] = email
	}
	return extra
}

func splitList(s string) []string {
	var out []string
	for _, g := range strings.Split(s, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}
