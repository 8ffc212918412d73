// Command demo tells Nguyễn Thị Lan's story to a running `make dev`: signed webhooks from Zalo, WhatsApp and
// Twilio Voice (and an email once functions/email exists), then prints her one profile and timeline.
//
//	make demo            # or: go run ./scripts/demo
//
// It finds the stack through .local/dev/state.json, which `make dev` writes.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/concierge-cx/concierge/scripts/demo/story"
	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/scripts/devstack/stack"
	"github.com/concierge-cx/concierge/scripts/emulators"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/store"
)

func main() {
	dir := flag.String("state", "", "the dev stack's data directory (default <repo>/.local/dev)")
	flag.Parse()
	if *dir == "" {
		root, err := emulators.FindRoot()
		if err != nil {
			fail(err)
		}
		*dir = filepath.Join(root, ".local", "dev")
	}
	st, err := stack.ReadState(*dir)
	if err != nil {
		fail(fmt.Errorf("no running dev stack found (%v): start one with `make dev` in another terminal", err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	region := envOr("AWS_REGION", emulators.Region)
	ddb := dynamodb.New(dynamodb.Options{
		Region: region, BaseEndpoint: aws.String(st.DynamoDBEndpoint),
		Credentials: credentials.NewStaticCredentialsProvider(envOr("AWS_ACCESS_KEY_ID", "local"), envOr("AWS_SECRET_ACCESS_KEY", "local"), ""),
	})
	tok, _ := devjwt.Mint(devjwt.Secret(), stack.BannerAgentID, []string{"agent", "supervisor"}, map[string]any{"name": stack.BannerAgentName}, time.Now(), time.Hour)
	defaults := map[string]string{
		"TWILIO_AUTH_TOKEN": testsecrets.TwilioAuthToken, "META_APP_SECRET": testsecrets.MetaAppSecret,
		"ZALO_APP_ID": testsecrets.ZaloAppID, "ZALO_OA_SECRET_KEY": testsecrets.ZaloOASecretKey,
	}
	fmt.Printf("Telling Nguyễn Thị Lan's story to %s\n\n", st.GatewayURL)
	res, err := story.Tell(ctx, story.Target{
		GatewayURL: st.GatewayURL, PublicBaseURL: st.PublicBaseURL, SMTPAddr: st.SMTPAddr,
		Secret:      func(k string) string { return envOr(k, defaults[k]) },
		HasFunction: func(name string) bool { return slices.Contains(st.Functions, name) },
		Store:       store.New(ddb, st.Table), Token: tok, Out: os.Stdout,
	})
	if err != nil {
		fail(err)
	}
	if !slices.Contains(st.Functions, "agentapi") {
		fmt.Println("\n(functions/agentapi is not built yet: the profile and timeline below are read from DynamoDB through shared/store;")
		fmt.Println(" once it lands they come from GET /customers?phone= and GET /customers/{id}/timeline)")
	}
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		loc = time.FixedZone("ICT", 7*3600)
	}
	story.Print(os.Stdout, res, loc)
	target := story.Target{GatewayURL: st.GatewayURL, Token: tok}
	if id := res.Customer.OpenConversationID; id != "" && slices.Contains(st.Functions, "agentapi") && slices.Contains(st.Functions, "router") {
		a, err := target.WaitAssigned(ctx, id, 5*time.Second)
		switch {
		case err != nil:
			fmt.Printf("Her conversation %s: %v\n", id, err)
		case a.AssigneeID != "":
			told := "no assignment notification in the outbox (NOTIFY_WEBHOOK_URL points elsewhere?)"
			if notified(st.GatewayURL, id, a.AssigneeID) {
				told = "the assignment notification is in the outbox"
			}
			fmt.Printf("Her %s conversation %s is assigned to %s (seen after %.1fs); %s.\n", a.Priority, id, a.AssigneeID, a.Waited.Seconds(), told)
		default:
			fmt.Printf("Her %s conversation %s waits in team %s's queue: nobody who speaks her language is available.\n", a.Priority, id, a.Team)
			fmt.Printf("  Go available with the banner's token and it is yours at once:\n")
			fmt.Printf("  curl -s -X PUT -H \"Authorization: Bearer $TOKEN\" -d '{\"status\":\"available\"}' %s/agents/me/status\n", st.GatewayURL)
		}
	}
	fmt.Printf("What she would have received: %s/_sandbox/outbox\n", st.GatewayURL)
	if !slices.Contains(st.Functions, "router") {
		fmt.Printf("Her urgent message waits in the urgent lane for the router: %s/healthz (pollers.urgent.stats.queued)\n", st.GatewayURL)
	}
}

// notified reports whether the sandbox outbox holds the assignment notification of conversation id to agent.
func notified(gateway, id, agent string) bool {
	resp, err := http.Get(gateway + "/_sandbox/outbox")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var out struct {
		Messages []stack.Sent `json:"messages"`
	}
	if json.NewDecoder(resp.Body).Decode(&out) != nil {
		return false
	}
	for _, m := range out.Messages {
		if m.Provider == "notify" && m.Event == "assigned" && m.ConversationID == id && m.To == agent {
			return true
		}
	}
	return false
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "demo:", err)
	os.Exit(1)
}
