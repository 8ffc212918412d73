package agentapi_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// sesCapture speaks SES v2 SendEmail (POST /v2/email/outbound-emails) and
// keeps the recipients of every raw message.
type sesCapture struct {
	srv *httptest.Server
	mu  sync.Mutex
	to  []string
}

func newSES(t testing.TB) *sesCapture {
	s := &sesCapture{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Content struct{ Raw struct{ Data string } }
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &in); err != nil || r.URL.Path != "/v2/email/outbound-emails" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		raw, err := base64.StdEncoding.DecodeString(in.Content.Raw.Data)
		if err != nil {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		m, err := netmail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		to := m.Header.Get("To")
		if a, err := netmail.ParseAddress(to); err == nil {
			to = a.Address
		}
		s.mu.Lock()
		s.to = append(s.to, to)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"MessageId":"010e0195a2b1c3d4-5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9-000000"}`)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sesCapture) client() *sesv2.Client {
	return sesv2.New(sesv2.Options{Region: "ap-southeast-1", BaseEndpoint: aws.String(s.srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
}

func (s *sesCapture) recipients() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.to...)
}
