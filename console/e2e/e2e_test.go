// Package e2e drives the console in a real browser (the Debian chromium, through playwright-core from
// console/node_modules; nothing downloads a browser) against one local stack this test starts as `make dev`
// does: the story of `make demo` is told, then browser.mjs signs in as the day-one agent, a second agent and
// a partner and walks every screen, with axe-core on each, screenshots under .local/console/, and the
// figures console.js_gzip_kb and console.inbox_interactive_ms printed as "name: value unit" lines.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/concierge-cx/concierge/scripts/demo/story"
	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/scripts/devstack/stack"
	"github.com/concierge-cx/concierge/scripts/emulators"
	"github.com/concierge-cx/concierge/shared/channels/meta"
	"github.com/concierge-cx/concierge/shared/store"
)

// The agent's reply through the console, looked for in the provider sandbox's outbox.
const replyText = "Chào chị Lan, đơn DH1024 sẽ được giao trong hôm nay ạ. Em xin lỗi vì để chị chờ!"

// A second address of Lan's that writes with her phone in the signature: a possible duplicate.
const workEmail = "lan.work@example.com"

// Her last message, after the email: the conversation's latest inbound is on WhatsApp again.
const lastWhatsApp = "Mình vừa gửi email cho shop rồi nhé, shop xem giúp mình với."

// metaPhoneID is the business number's id on the WhatsApp Cloud API, as the demo story uses it.
const metaPhoneID = "106540352242922"

func TestConsoleInBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no browser at %s (apt-get install chromium; CHROMIUM names another): %v", chromium, err)
	}
	root, err := emulators.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"console/dist/index.html", "console/node_modules/playwright-core/package.json", "console/node_modules/axe-core/axe.min.js"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Fatalf("%s is missing: run `make console` first (make test does)", f)
		}
	}

	// The functions' builds are kept between runs (go build relinks only what changed); the provider
	// sandbox's outbox is not, so every message this test looks for was sent by this run.
	dataDir := filepath.Join(root, ".local", "console-e2e")
	if err := os.RemoveAll(filepath.Join(dataDir, "sandbox")); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	out := &syncBuffer{}
	st, err := stack.Start(ctx, stack.Options{
		Root: root, DataDir: dataDir, Prefix: fmt.Sprintf("con%d-", time.Now().UnixNano()%1e9),
		GatewayAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0", Out: out, Quiet: true,
		// The emulators of `make test` (or its own); every secret is the documented development default.
		Getenv: func(k string) (string, bool) {
			switch k {
			case "DYNAMODB_ENDPOINT", "SQS_ENDPOINT", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY":
				return os.LookupEnv(k)
			}
			return "", false
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Stop()
		cleanup(st)
		if t.Failed() {
			t.Logf("stack output:\n%s", out.String())
		}
	})
	t.Logf("stack started in %.1fs at %s", time.Since(began).Seconds(), st.GatewayURL)

	// make demo's story, told before anyone is available: her urgent conversation waits in the queue.
	token, err := devjwt.Mint(st.JWTSecret(), stack.BannerAgentID, []string{"agent", "supervisor"}, nil, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Runs before the stack stops (cleanups run last first): what the queues held when the test failed.
	t.Cleanup(func() {
		if t.Failed() {
			dumpViews(t, st.GatewayURL, token)
		}
	})
	res, err := story.Tell(ctx, story.Target{
		Token: token, GatewayURL: st.GatewayURL, PublicBaseURL: st.PublicBaseURL, SMTPAddr: st.SMTPAddr, Secret: st.Secret,
		HasFunction: func(name string) bool { return st.Hosts[name] != nil },
		Store:       store.New(st.DynamoDB(), st.Table), Gap: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Customer.OpenConversationID == "" {
		t.Fatalf("Lan has no open conversation after the story: %+v", res.Customer)
	}
	// A mail from another of her addresses, her phone in the signature: a customer of its own, suggested
	// as her duplicate, for the supervisor to merge in the console.
	msg := "From: Lan <" + workEmail + ">\r\nTo: support@concierge.local\r\nSubject: DH1024\r\n" +
		"Message-ID: <" + fmt.Sprint(time.Now().UnixNano()) + ".work@example.com>\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nShop ơi, đơn DH1024 của mình sao rồi?\r\nLan - 0912 345 678\r\n"
	if err := smtp.SendMail(st.SMTPAddr, nil, workEmail, []string{"support@concierge.local"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	var workCustomer string // the customer the work address made, the suggestion's other side
	waitFor(ctx, t, "the duplicate suggestion for "+workEmail, 30*time.Second, func() bool {
		var page struct {
			Items []struct{ CustomerIDs []string } `json:"items"`
		}
		if getJSON(st.GatewayURL+"/duplicates", token, &page) != nil {
			return false
		}
		for _, s := range page.Items {
			if len(s.CustomerIDs) == 2 && slices.Contains(s.CustomerIDs, res.Customer.ID) {
				workCustomer = s.CustomerIDs[0]
				if workCustomer == res.Customer.ID {
					workCustomer = s.CustomerIDs[1]
				}
				return true
			}
		}
		return false
	})

	// Then she writes on WhatsApp again: her latest message, so the console's reply goes there.
	// WhatsApp stamps messages in whole seconds, and the story's email may share this second: stamp her last
	// message in the next second, so it is strictly her latest whatever the machine's speed.
	lastAt := time.Now().Truncate(time.Second).Add(time.Second)
	if status, body := whatsApp(ctx, st, "wamid.console"+fmt.Sprint(time.Now().UnixNano()), lastWhatsApp, lastAt); status != http.StatusOK {
		t.Fatalf("her last WhatsApp message: %d %s", status, body)
	}

	// The walk starts once routing has placed what it looks at: Lan's urgent conversation, routed with her
	// last message, and the work address's conversation (the inbox's row after the merge), both in the
	// team's view. A loaded machine may take a while to route them; the walk tests the console, so it
	// waits here, where a routing stall is named, and not in a browser timeout.
	var workConv string
	waitFor(ctx, t, "routing of Lan's conversation and of "+workEmail+"'s", 60*time.Second, func() bool {
		if workConv == "" {
			var c struct {
				OpenConversationID string `json:"openConversationId"`
			}
			if getJSON(st.GatewayURL+"/customers/"+workCustomer, token, &c) != nil {
				return false
			}
			workConv = c.OpenConversationID
		}
		var page struct {
			Items []struct {
				ID            string    `json:"id"`
				LastInboundAt time.Time `json:"lastInboundAt"`
			} `json:"items"`
		}
		if workConv == "" || getJSON(st.GatewayURL+"/conversations?view=team", token, &page) != nil {
			return false
		}
		var lan, work bool
		for _, c := range page.Items {
			switch c.ID {
			case res.Customer.OpenConversationID:
				// The provider's timestamp has whole seconds; routing her message moves lastInboundAt to it.
				lan = !c.LastInboundAt.Before(lastAt.Truncate(time.Second))
			case workConv:
				work = true
			}
		}
		return lan && work
	})

	// The browser walk.
	shots := filepath.Join(root, ".local", "console")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "node", filepath.Join(root, "console", "e2e", "browser.mjs"))
	cmd.Dir = filepath.Join(root, "console")
	cmd.Env = append(os.Environ(),
		"BASE_URL="+st.GatewayURL, "CHROMIUM="+chromium, "SHOTS="+shots,
		"LAN_ID="+res.Customer.ID, "LAN_CONVERSATION="+res.Customer.OpenConversationID, "REPLY_TEXT="+replyText,
		"WEBCHAT_SECRET="+st.Secret("WEBCHAT_SIGNING_SECRET"), "PARTNER_ID="+stack.DevPartnerID,
		"META_APP_SECRET="+st.Secret("META_APP_SECRET"), "META_PHONE_ID="+metaPhoneID, "LAN_WA_ID="+story.WaID, "JWT_SECRET="+st.JWTSecret())
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	walkStart := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		// Straight to stdout, so `make console-bench` and `go test -v` show the figures and axe results.
		fmt.Println(sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("browser walk: %v", err)
	}
	t.Logf("browser walk took %.1fs", time.Since(walkStart).Seconds())

	// What the provider saw: the console's reply on WhatsApp to her number, then the survey.
	var reply, survey bool
	for _, m := range st.Sandbox.Outbox() {
		if m.Channel == "whatsapp" && strings.TrimPrefix(m.To, "+") == story.WaID {
			if m.Text == replyText {
				reply = true
			} else if reply {
				survey = true
			}
		}
	}
	if !reply || !survey {
		t.Errorf("sandbox outbox: reply on WhatsApp %v, survey after it %v: %+v", reply, survey, st.Sandbox.Outbox())
	}
}

// whatsApp posts one message from Lan as the WhatsApp Cloud API signs it.
func whatsApp(ctx context.Context, st *stack.Stack, wamid, text string, at time.Time) (int, string) {
	msg := map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{"id": "102290129340398", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]string{"display_phone_number": "18335550143", "phone_number_id": metaPhoneID},
			"contacts":          []any{map[string]any{"profile": map[string]string{"name": story.Name}, "wa_id": story.WaID}},
			"messages": []any{map[string]any{"from": story.WaID, "id": wamid, "timestamp": fmt.Sprint(at.Unix()),
				"type": "text", "text": map[string]string{"body": text}}},
		}}}}},
	}
	body, _ := json.Marshal(msg)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, st.GatewayURL+"/webhooks/meta", bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", meta.Signature(st.Secret("META_APP_SECRET"), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitFor(ctx context.Context, t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waited %s for %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// dumpViews logs the work queues as the agent API shows them: a failed walk says whether routing had placed
// the conversations it looked for.
func dumpViews(t *testing.T, gatewayURL, token string) {
	for _, view := range []string{"unassigned", "mine", "team"} {
		var page json.RawMessage
		if err := getJSON(gatewayURL+"/conversations?view="+view, token, &page); err != nil {
			t.Logf("GET /conversations?view=%s: %v", view, err)
			continue
		}
		t.Logf("GET /conversations?view=%s: %s", view, page)
	}
}

func getJSON(url, token string, v any) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return json.Unmarshal(body, v)
}

func cleanup(st *stack.Stack) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = st.DynamoDB().DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(st.Table)})
	for _, url := range st.Queues {
		_, _ = st.SQS().DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
