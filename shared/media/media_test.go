package media

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/outbound"
)

func TestHostAllowList(t *testing.T) {
	cases := []struct {
		provider, host string
		ok             bool
	}{
		{"meta", "lookaside.fbsbx.com", true},
		{"meta", "scontent.xx.fbcdn.net", true},
		{"meta", "fbcdn.net.attacker.example", false},
		{"meta", "attackerfbcdn.net", false},
		{"meta", "api.telegram.org", false},
		{"telegram", "api.telegram.org", true},
		{"telegram", "telegram.org.example", false},
		{"twilio", "api.twilio.com", true},
		{"twilio", "media.twiliocdn.com", true},
		{"twilio", "169.254.169.254", false},
		{"zalo", "dl-oa.zadn.vn", true},
		{"zalo", "zadn.vn.example", false},
		{"vonage", "api-us.nexmo.com", true},
		{"vonage", "localhost", false},
		{"webchat", "example.com", false},
	}
	for _, c := range cases {
		if got := HostAllowed(c.provider, c.host); got != c.ok {
			t.Errorf("HostAllowed(%s, %s) = %v, want %v", c.provider, c.host, got, c.ok)
		}
	}
}

// server records how many requests it saw and answers with h.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Clone(context.Background()))
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func client() *http.Client { return &http.Client{Timeout: 5 * time.Second} }

func TestAPayloadURLOffTheProvidersHostsIsNeverFetched(t *testing.T) {
	p := New(outbound.Config{TwilioAccountSID: "AC0001", TwilioAuthToken: "tok"}, client())
	for _, c := range []struct{ provider, url string }{
		{"meta", "https://attacker.example/photo.jpg"},
		{"meta", "http://scontent.xx.fbcdn.net/v/t1.jpg"}, // not https
		{"zalo", "https://169.254.169.254/latest/meta-data/"},
		{"vonage", "https://api-us.nexmo.com/v1/messages"},                                     // not a media path
		{"twilio", "https://api.twilio.com/2010-04-01/Accounts/AC9999/Messages/MM1/Media/ME1"}, // another account
		{"twilio", "https://media.twiliocdn.com/2010-04-01/Accounts/AC0001/x"},                 // not the API host
		{"webchat", "https://example.com/x.png"},
	} {
		_, err := p.Open(context.Background(), c.provider, domain.Attachment{URL: c.url})
		var me *Error
		if !errors.As(err, &me) || !me.Permanent {
			t.Errorf("%s %s: err %v, want a permanent refusal", c.provider, c.url, err)
		}
	}
}

func TestTwilioMediaIsFetchedWithTheAccountsCredentialsAndRedirectsAreHeld(t *testing.T) {
	other := newServer(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "x") })
	tw := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/ME2") {
			http.Redirect(w, r, other.URL+"/elsewhere.jpg", http.StatusTemporaryRedirect)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n0000"))
	})
	p := New(outbound.Config{TwilioAPIBase: tw.URL, TwilioAccountSID: "AC0001", TwilioAuthToken: "tok"}, client())
	b, err := p.Open(context.Background(), "twilio", domain.Attachment{URL: tw.URL + "/2010-04-01/Accounts/AC0001/Messages/MM1/Media/ME1"})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if u, pw, ok := tw.reqs[0].BasicAuth(); !ok || u != "AC0001" || pw != "tok" {
		t.Fatalf("basic auth %q %q %v", u, pw, ok)
	}
	if _, err := p.Open(context.Background(), "twilio", domain.Attachment{URL: tw.URL + "/2010-04-01/Accounts/AC0001/Messages/MM1/Media/ME2"}); err == nil {
		t.Fatal("a redirect off Twilio's hosts was followed")
	}
	if other.count() != 0 {
		t.Fatal("the redirect target was requested")
	}
}

// memStore is an in-memory Touchpoints.
type memStore struct {
	mu  sync.Mutex
	tps map[string]domain.Touchpoint
}

func (m *memStore) GetTouchpoint(_ context.Context, _, id string) (domain.Touchpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	tp, ok := m.tps[id]
	if !ok {
		return tp, domain.Errorf(domain.CodeNotFound, "no %s", id)
	}
	return tp, nil
}

func (m *memStore) SetAttachments(_ context.Context, _, id string, atts []domain.Attachment) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tp := m.tps[id]
	tp.Attachments = atts
	m.tps[id] = tp
	return nil
}

type memObjects struct{ keys []string }

func (o *memObjects) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	o.keys = append(o.keys, aws.ToString(in.Key))
	return &s3.PutObjectOutput{}, nil
}

type authCount struct{ providers []string }

func (a *authCount) AuthFailed(p string) { a.providers = append(a.providers, p) }

func TestDownloaderOutcomes(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("f") {
		case "html":
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<script>alert(1)</script>")
		case "svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			_, _ = io.WriteString(w, "<svg onload=alert(1)></svg>")
		case "gone":
			http.Error(w, "gone", http.StatusNotFound)
		case "denied":
			http.Error(w, "no", http.StatusUnauthorized)
		case "big":
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write(make([]byte, 2048))
		default:
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = io.WriteString(w, "%PDF-1.7 invoice")
		}
	})
	cases := []struct {
		name, query string
		att         domain.Attachment
		want        string
		retry       bool
		requests    int
	}{
		{"a PDF is stored", "pdf", domain.Attachment{Name: "hoá đơn.pdf"}, Stored, false, 1},
		{"HTML is kept as a reference", "html", domain.Attachment{}, Reference, false, 1},
		{"SVG is kept as a reference", "svg", domain.Attachment{}, Reference, false, 1},
		{"a declared size over the cap is never requested", "pdf", domain.Attachment{Size: 5000}, Reference, false, 0},
		{"a declared type not taken is never requested", "pdf", domain.Attachment{ContentType: "application/x-msdownload"}, Reference, false, 0},
		{"a body over the cap is not stored", "big", domain.Attachment{}, Reference, false, 1},
		{"a reference the provider no longer has fails for good", "gone", domain.Attachment{}, Failed, false, 1},
		{"refused credentials are retried and counted", "denied", domain.Attachment{}, Retrying, true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := srv.count()
			a := c.att
			a.URL = srv.URL + "/v/photo?f=" + c.query
			st := &memStore{tps: map[string]domain.Touchpoint{"tp_1": {ID: "tp_1", CustomerID: "cus_1", Provider: "meta", Attachments: []domain.Attachment{a}}}}
			objs, auth := &memObjects{}, &authCount{}
			d := &Downloader{Store: st, S3: objs, Bucket: "b", MaxBytes: 1024, Auth: auth,
				Fetch: New(outbound.Config{MetaGraphBase: srv.URL}, client())}
			err := d.Handle(context.Background(), jobs.Media{CustomerID: "cus_1", TouchpointID: "tp_1"})
			if (err != nil) != c.retry {
				t.Fatalf("err %v, retry %v", err, c.retry)
			}
			got := st.tps["tp_1"].Attachments[0]
			if got.Download != c.want || (c.want != Stored) == (got.Note == "") {
				t.Fatalf("attachment %+v, want %s with a note unless stored", got, c.want)
			}
			if n := srv.count() - before; n != c.requests {
				t.Fatalf("%d requests, want %d", n, c.requests)
			}
			if (c.want == Stored) != (len(objs.keys) == 1) {
				t.Fatalf("objects %v", objs.keys)
			}
			if c.query == "denied" && len(auth.providers) != 1 {
				t.Fatalf("auth failures %v", auth.providers)
			}
		})
	}
}
