package agentapi_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/domain"
)

func TestInvalidInputIsRefusedWithAJSONError(t *testing.T) {
	e := newEnv(t)
	f := &fixture{e: e}
	agent := e.agent(t, "agent-v")
	c1, v1 := f.customer(t)
	c2, _ := f.customer(t)
	// A cursor that is valid, for another customer's timeline.
	for i := 0; i < 3; i++ {
		e.gw.do(t, "POST", "/conversations/"+v1+"/notes", agent, `{"text":"ghi chú"}`)
	}
	var page struct{ Next string }
	e.gw.do(t, "GET", "/customers/"+c1+"/timeline?limit=1", agent, "").decode(t, &page)
	if page.Next == "" {
		t.Fatal("no cursor")
	}
	long := strings.Repeat("ạ", agentapi.MaxTextChars+1)
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		code                     string
	}{
		{"unknown field", "POST", "/conversations/" + v1 + "/notes", `{"text":"hi","txt":"typo"}`, nil, 400, "invalid"},
		{"text over 4096 characters", "POST", "/conversations/" + v1 + "/messages", fmt.Sprintf(`{"text":%q}`, long), nil, 400, "invalid"},
		{"empty text", "POST", "/conversations/" + v1 + "/notes", `{"text":"   "}`, nil, 400, "invalid"},
		{"wrong type", "POST", "/conversations/" + v1 + "/notes", `{"text":5}`, nil, 400, "invalid"},
		{"malformed JSON", "POST", "/conversations/" + v1 + "/notes", `{"text":`, nil, 400, "invalid"},
		{"trailing data", "POST", "/conversations/" + v1 + "/notes", `{"text":"a"} {}`, nil, 400, "invalid"},
		{"no body", "POST", "/conversations/" + v1 + "/notes", ``, nil, 400, "invalid"},
		{"body over 64 KiB", "POST", "/conversations/" + v1 + "/notes", `{"text":"` + strings.Repeat("a", 70<<10) + `"}`, nil, 413, "too_large"},
		{"malformed customer id", "GET", "/customers/cus_123", "", nil, 400, "invalid"},
		{"customer id of another kind", "GET", "/customers/" + strings.Replace(v1, "con_", "cus_", 1) + "x", "", nil, 400, "invalid"},
		{"malformed conversation id", "POST", "/conversations/con_nope/claim", "", nil, 400, "invalid"},
		{"unknown customer", "GET", "/customers/cus_01KAAAAAAAAAAAAAAAAAAAAAAA", "", nil, 404, "not_found"},
		{"malformed cursor", "GET", "/customers/" + c1 + "/timeline?cursor=%21%21not-base64%21", "", nil, 400, "invalid"},
		{"forged cursor", "GET", "/customers/" + c1 + "/timeline?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("t1.x.E#y")), "", nil, 400, "invalid"},
		{"another customer's cursor", "GET", "/customers/" + c2 + "/timeline?cursor=" + page.Next, "", nil, 400, "invalid"},
		{"malformed queue cursor", "GET", "/conversations?cursor=abc", "", nil, 400, "invalid"},
		{"limit out of range", "GET", "/customers/" + c1 + "/timeline?limit=1000", "", nil, 400, "invalid"},
		{"unknown query parameter", "GET", "/conversations?veiw=mine", "", nil, 400, "invalid"},
		{"unknown view", "GET", "/conversations?view=all", "", nil, 400, "invalid"},
		{"unknown priority", "GET", "/conversations?priority=asap", "", nil, 400, "invalid"},
		{"two lookups at once", "GET", "/customers?phone=0913000001&q=ng", "", nil, 400, "invalid"},
		{"malformed phone", "GET", "/customers?phone=abc", "", nil, 400, "invalid"},
		{"name search too short", "GET", "/customers?q=n", "", nil, 400, "invalid"},
		{"name search of 10,000 characters", "GET", "/customers?q=" + strings.Repeat("nguyen", 1667)[:10000], "", nil, 400, "invalid"},
		{"reply with invalid UTF-8", "POST", "/conversations/" + v1 + "/messages", "{\"text\":\"xin ch\xe0o\xff\"}", nil, 400, "invalid"},
		{"note with invalid UTF-8", "POST", "/conversations/" + v1 + "/notes", "{\"text\":\"\xc3\x28\"}", nil, 400, "invalid"},
		{"PATCH without If-Match", "PATCH", "/customers/" + c1, `{"language":"vi"}`, nil, 400, "invalid"},
		{"PATCH with a stale version", "PATCH", "/customers/" + c1, `{"language":"vi"}`, []string{"If-Match", `"7"`}, 412, "precondition_failed"},
		{"PATCH of the tier by an agent", "PATCH", "/customers/" + c1, `{"tier":"vip"}`, []string{"If-Match", `"1"`}, 403, "forbidden"},
		{"PATCH of partner tags by an agent", "PATCH", "/customers/" + c1, `{"tags":["partner:p9"]}`, []string{"If-Match", `"1"`}, 403, "forbidden"},
		{"bad language", "PATCH", "/customers/" + c1, `{"language":"Vietnamese!"}`, []string{"If-Match", `"1"`}, 400, "invalid"},
		{"status not known", "PUT", "/agents/me/status", `{"status":"busy"}`, nil, 400, "invalid"},
		{"metrics dates", "GET", "/metrics?from=yesterday", "", nil, 403, "forbidden"},
		{"score out of range", "POST", "/feedback/AAAAAAAAAAAAAAAAAAAAAA", `{"score":6}`, nil, 400, "invalid"},
		{"score missing", "POST", "/feedback/AAAAAAAAAAAAAAAAAAAAAA", `{"comment":"ok"}`, nil, 400, "invalid"},
		{"malformed token", "POST", "/feedback/short", `{"score":5}`, nil, 404, "not_found"},
		{"merge into itself", "POST", "/customers/" + c1 + "/merge", fmt.Sprintf(`{"sourceId":%q}`, c1), nil, 403, "forbidden"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := agent
			if strings.HasPrefix(tc.path, "/feedback/") {
				tok = ""
			}
			res := e.gw.do(t, tc.method, tc.path, tok, tc.body, tc.headers...)
			if res.Status != tc.status || res.errorCode() != tc.code {
				t.Fatalf("%d %s, want %d %s", res.Status, res.Body, tc.status, tc.code)
			}
			if strings.Contains(res.Body, "ạạạ") || strings.Contains(res.Body, "aaaa") {
				t.Fatal("the error echoes the body")
			}
		})
	}
	sup := e.supervisor(t, "sup-v")
	for _, tc := range []struct{ path, body string }{
		{"/metrics?from=yesterday", ""},
		{"/metrics?from=2026-01-01&to=2026-11-01", ""},
	} {
		if res := e.gw.do(t, "GET", tc.path, sup, tc.body); res.Status != http.StatusBadRequest || res.errorCode() != "invalid" {
			t.Fatalf("%s: %d %s", tc.path, res.Status, res.Body)
		}
	}
	if res := e.gw.do(t, "POST", "/customers/"+c1+"/merge", sup, fmt.Sprintf(`{"sourceId":%q}`, c1)); res.Status != http.StatusBadRequest {
		t.Fatalf("merge into itself: %d %s", res.Status, res.Body)
	}
	// Exactly 4096 characters is a valid note; a stale edit is still refused
	// after a good one.
	if res := e.gw.do(t, "POST", "/conversations/"+v1+"/notes", agent, fmt.Sprintf(`{"text":%q}`, long[:len(long)-len("ạ")])); res.Status != http.StatusCreated {
		t.Fatalf("4096 characters: %d %s", res.Status, res.Body)
	}
	res := e.gw.do(t, "PATCH", "/customers/"+c1, agent, `{"displayName":"Trần Văn Minh"}`, "If-Match", `"1"`)
	if res.Status != http.StatusOK || res.Headers["etag"] != `"2"` {
		t.Fatalf("edit: %d %v %s", res.Status, res.Headers, res.Body)
	}
	if res = e.gw.do(t, "PATCH", "/customers/"+c1, agent, `{"displayName":"Trần Minh"}`, "If-Match", `"1"`); res.Status != http.StatusPreconditionFailed {
		t.Fatalf("stale edit: %d %s", res.Status, res.Body)
	}
	var found struct {
		Customers []struct{ ID string } `json:"customers"`
	}
	e.gw.do(t, "GET", "/customers?q=tran%20van", agent, "").decode(t, &found)
	if len(found.Customers) != 1 || found.Customers[0].ID != c1 {
		t.Fatalf("name search: %+v", found)
	}
	e.gw.do(t, "GET", "/customers?phone=%2B84%20913%20000%20002", agent, "").decode(t, &found)
	if len(found.Customers) != 1 || found.Customers[0].ID != c2 {
		t.Fatalf("phone lookup: %+v", found)
	}
	e.gw.do(t, "GET", "/customers?email=nobody@example.com", agent, "").decode(t, &found)
	if len(found.Customers) != 0 {
		t.Fatalf("unknown email: %+v", found)
	}
	if _, err := e.st.FindByIdentity(context.Background(), mustPhone(t, "0999999999")); err == nil {
		t.Fatal("a lookup must never create a customer")
	}
}

func mustPhone(t *testing.T, raw string) domain.Identity {
	t.Helper()
	id, err := domain.Normalizer{DefaultRegion: "VN"}.Normalize(domain.KindPhone, raw)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
