// Package check is `make smoke`'s walk through a running Concierge, deployed or local, as a customer and an
// agent see it: one signed web-chat message in, found on the customer's timeline through the agent API, the
// caller available, the conversation assigned. Each step prints with its time; the first failure stops the
// walk and is returned.
package check

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
)

// Config is what the walk needs.
type Config struct {
	BaseURL       string // the HTTP API (the stage's invoke URL, or make dev's gateway)
	Token         string // an agent's id token (Bearer); the walk sets this agent available
	WebchatSecret string // WEBCHAT_SIGNING_SECRET of the stack
	// Wait bounds each step that waits for the stack (storage, routing); default 30 s.
	Wait time.Duration
	// Reply also answers the visitor through the agent API, which delivers to WEBCHAT_REPLY_URL.
	Reply bool
	// Resolve closes the smoke conversation at the end, so repeated runs do not fill the agent's capacity.
	Resolve bool
	Out     io.Writer
	HTTP    *http.Client
}

// Result is what the walk saw.
type Result struct {
	VisitorID      string
	CustomerID     string
	ConversationID string
	AssigneeID     string
	Agent          string // the caller, from the token's sub
}

type walker struct {
	Config
	start time.Time
}

// Run walks the stack once.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Wait <= 0 {
		cfg.Wait = 30 * time.Second
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	w := &walker{Config: cfg, start: time.Now()}
	var res Result
	var err error

	if cfg.BaseURL == "" || cfg.Token == "" || cfg.WebchatSecret == "" {
		return res, w.fail("configuration", errors.New("BASE_URL, TOKEN and the web-chat signing secret are all needed"))
	}
	if res.Agent, err = Subject(cfg.Token); err != nil {
		return res, w.fail("token", err)
	}
	w.step("caller is %s, stack %s", res.Agent, cfg.BaseURL)

	// 1. A visitor writes on the site's chat, relayed and signed by the site's backend.
	run := randHex(6)
	res.VisitorID = "smoke-" + run
	text := "Concierge smoke test " + run + ": xin chào, shop còn mở cửa không?"
	msg, _ := json.Marshal(map[string]string{
		"messageId": "smoke-" + run, "visitorId": res.VisitorID, "name": "Smoke Test", "text": text,
		"sentAt": time.Now().UTC().Format(time.RFC3339Nano),
	})
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	status, body, err := w.do(ctx, http.MethodPost, "/webhooks/webchat", msg, map[string]string{
		"X-Concierge-Timestamp": ts, "X-Concierge-Signature": channels.Signature(cfg.WebchatSecret, ts, msg),
	})
	if err = expect(status, body, err, http.StatusOK); err != nil {
		return res, w.fail("send a signed web-chat message", err)
	}
	w.step("sent a signed web-chat message as visitor %s", res.VisitorID)

	// 2. The agent API finds the visitor and the message on their timeline.
	var tp struct {
		ID             string `json:"id"`
		ConversationID string `json:"conversationId"`
		Text           string `json:"text"`
	}
	err = w.until(ctx, func() (bool, error) {
		status, body, err := w.do(ctx, http.MethodGet, "/customers?webchat="+url.QueryEscape(res.VisitorID), nil, nil)
		if err = expect(status, body, err, http.StatusOK); err != nil {
			return false, err
		}
		var found struct {
			Customers []struct {
				ID string `json:"id"`
			} `json:"customers"`
		}
		if err := json.Unmarshal(body, &found); err != nil {
			return false, err
		}
		if len(found.Customers) == 0 {
			return false, nil
		}
		res.CustomerID = found.Customers[0].ID
		status, body, err = w.do(ctx, http.MethodGet, "/customers/"+url.PathEscape(res.CustomerID)+"/timeline?limit=10", nil, nil)
		if err = expect(status, body, err, http.StatusOK); err != nil {
			return false, err
		}
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return false, err
		}
		for _, raw := range page.Items {
			if err := json.Unmarshal(raw, &tp); err == nil && tp.Text == text {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return res, w.fail("find the message on the customer's timeline", err)
	}
	res.ConversationID = tp.ConversationID
	w.step("found it on customer %s's timeline (touchpoint %s, conversation %s)", res.CustomerID, tp.ID, res.ConversationID)
	if res.ConversationID == "" {
		return res, w.fail("conversation", errors.New("the touchpoint belongs to no conversation"))
	}

	// 3. The caller goes available, which also pulls waiting work.
	status, body, err = w.do(ctx, http.MethodPut, "/agents/me/status", []byte(`{"status":"available"}`), nil)
	if err = expect(status, body, err, http.StatusOK); err != nil {
		return res, w.fail("set the caller available", err)
	}
	w.step("%s is available", res.Agent)

	// 4. The conversation is assigned.
	err = w.until(ctx, func() (bool, error) {
		status, body, err := w.do(ctx, http.MethodGet, "/conversations/"+url.PathEscape(res.ConversationID), nil, nil)
		if err = expect(status, body, err, http.StatusOK); err != nil {
			return false, err
		}
		var got struct {
			AssigneeID   string `json:"assigneeId"`
			Conversation *struct {
				AssigneeID string `json:"assigneeId"`
			} `json:"conversation"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			return false, err
		}
		res.AssigneeID = got.AssigneeID
		if got.Conversation != nil {
			res.AssigneeID = got.Conversation.AssigneeID
		}
		return res.AssigneeID != "", nil
	})
	if err != nil {
		return res, w.fail("see the conversation assigned", err)
	}
	who := res.AssigneeID
	if who == res.Agent {
		who += " (the caller)"
	}
	w.step("conversation %s is assigned to %s", res.ConversationID, who)

	if cfg.Reply {
		status, body, err = w.do(ctx, http.MethodPost, "/conversations/"+url.PathEscape(res.ConversationID)+"/messages",
			[]byte(`{"text":"Smoke test reply `+run+`: dạ, shop mở cửa đến 21 giờ ạ."}`), nil)
		if err = expect(status, body, err, http.StatusCreated); err != nil {
			return res, w.fail("reply to the visitor (WEBCHAT_REPLY_URL)", err)
		}
		var sent struct {
			Touchpoint struct {
				Status            string `json:"status"`
				Provider          string `json:"provider"`
				ProviderMessageID string `json:"providerMessageId"`
			} `json:"touchpoint"`
		}
		_ = json.Unmarshal(body, &sent)
		w.step("replied through %s: %s (%s)", sent.Touchpoint.Provider, sent.Touchpoint.Status, sent.Touchpoint.ProviderMessageID)
	}
	if cfg.Resolve {
		status, body, err = w.do(ctx, http.MethodPost, "/conversations/"+url.PathEscape(res.ConversationID)+"/resolve", nil, nil)
		if err = expect(status, body, err, http.StatusOK); err != nil {
			return res, w.fail("resolve the smoke conversation", err)
		}
		w.step("resolved the smoke conversation")
	}
	w.step("smoke passed")
	return res, nil
}

func (w *walker) step(f string, a ...any) {
	now := time.Now()
	fmt.Fprintf(w.Out, "%s  +%5.2fs  ok    %s\n", now.UTC().Format("15:04:05.000Z"), now.Sub(w.start).Seconds(), fmt.Sprintf(f, a...))
}

func (w *walker) fail(what string, err error) error {
	now := time.Now()
	fmt.Fprintf(w.Out, "%s  +%5.2fs  FAIL  %s: %v\n", now.UTC().Format("15:04:05.000Z"), now.Sub(w.start).Seconds(), what, err)
	return fmt.Errorf("%s: %w", what, err)
}

// until polls check every 250 ms until it reports done, fails, or Wait runs out.
func (w *walker) until(ctx context.Context, check func() (bool, error)) error {
	deadline := time.Now().Add(w.Wait)
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not seen within %s", w.Wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (w *walker) do(ctx context.Context, method, path string, body []byte, headers map[string]string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.BaseURL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !strings.HasPrefix(path, "/webhooks/") {
		req.Header.Set("Authorization", "Bearer "+w.Token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := w.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

func expect(status int, body []byte, err error, want int) error {
	if err != nil {
		return err
	}
	if status != want {
		b := strings.Join(strings.Fields(string(body)), " ")
		if len(b) > 300 {
			b = b[:300] + "…"
		}
		return fmt.Errorf("HTTP %d, want %d: %s", status, want, b)
	}
	return nil
}

// Subject reads the sub claim of a JWT without checking it (the stack checks it).
func Subject(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("TOKEN is not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", errors.New("TOKEN's payload is not base64url")
	}
	var c struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.Sub == "" {
		return "", errors.New("TOKEN carries no sub claim")
	}
	return c.Sub, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
