package twilio

import (
	"encoding/json"
	"net/url"
	"os"
	"testing"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/channelstest"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/domain"
)

// testdata/twilio-official-signature-vectors.json is copied unchanged from the
// project's public fixtures. Its vectors come from Twilio's request-validator
// tests (twilio/twilio-go client/request_validator_test.go, twilio/twilio-python
// tests/unit/test_request_validator.py, including a legacy vector removed in
// twilio-python 338547d41) and the worked example on
// https://www.twilio.com/docs/usage/webhooks/webhooks-security.
type vector struct {
	ID           string            `json:"id"`
	AuthToken    string            `json:"auth_token"`
	URL          string            `json:"url"`
	Params       map[string]string `json:"params"`
	ParamsMulti  [][2]string       `json:"params_multi"`
	FormBody     string            `json:"form_body"`
	RawBody      *string           `json:"raw_body"`
	StringToSign string            `json:"string_to_sign"`
	Expected     string            `json:"expected"`
	Valid        *bool             `json:"valid"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile("testdata/twilio-official-signature-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Vectors []vector `json:"official_vectors"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) != 11 {
		t.Fatalf("expected the 11 official vectors, read %d", len(f.Vectors))
	}
	return f.Vectors
}

func (v vector) params(t *testing.T) url.Values {
	switch {
	case v.FormBody != "":
		p, err := url.ParseQuery(v.FormBody)
		if err != nil {
			t.Fatal(err)
		}
		return p
	case v.ParamsMulti != nil:
		p := url.Values{}
		for _, kv := range v.ParamsMulti {
			p.Add(kv[0], kv[1])
		}
		return p
	}
	p := url.Values{}
	for k, val := range v.Params {
		p.Set(k, val)
	}
	return p
}

func TestOfficialSignatureVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.ID, func(t *testing.T) {
			want := v.Valid == nil || *v.Valid
			params := v.params(t)
			if v.StringToSign != "" {
				if got := StringToSign(v.URL, params); got != v.StringToSign {
					t.Errorf("string to sign\n got %q\nwant %q", got, v.StringToSign)
				}
			}
			if got := ValidSignature(v.AuthToken, v.URL, params, v.Expected); got != want {
				t.Fatalf("ValidSignature = %v, want %v", got, want)
			}
			// The same vector through Verify, as the webhooks handler calls it.
			u, err := url.Parse(v.URL)
			if err != nil {
				t.Fatal(err)
			}
			publicURL := v.URL
			if u.RawQuery != "" {
				publicURL = v.URL[:len(v.URL)-len(u.RawQuery)-1]
			}
			req := channels.Request{
				Method: "POST", PublicURL: publicURL, RawQuery: u.RawQuery, Query: u.Query(),
				Headers: map[string]string{SignatureHeader: v.Expected},
			}
			if v.RawBody != nil {
				req.Body = []byte(*v.RawBody)
			} else {
				req.Body = []byte(params.Encode())
			}
			err = Verify(req, v.AuthToken)
			if want && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !want && domain.ErrorCode(err) != domain.CodeForbidden {
				t.Fatalf("Verify = %v, want forbidden", err)
			}
			if v.RawBody != nil && want {
				req.Body = append([]byte(nil), req.Body...)
				req.Body[len(req.Body)-2] = 'X' // "true}" -> "trXe}"
				if domain.ErrorCode(Verify(req, v.AuthToken)) != domain.CodeForbidden {
					t.Fatal("a JSON body that no longer matches bodySHA256 was accepted")
				}
			}
		})
	}
}

func TestVerifySampleEvents(t *testing.T) {
	for _, name := range channelstest.Names(t, "twilio-") {
		t.Run(name, func(t *testing.T) {
			req := channelstest.Load(t, name)
			if err := Verify(req, testsecrets.TwilioAuthToken); err != nil {
				t.Fatalf("genuine event rejected: %v", err)
			}
			bad := map[string]func(*channels.Request){
				"tampered body": func(r *channels.Request) {
					r.Body = append(append([]byte(nil), r.Body...), "&Body=free"...)
				},
				"wrong auth token": func(r *channels.Request) {},
				"missing signature": func(r *channels.Request) {
					r.Headers = map[string]string{"content-type": "application/x-www-form-urlencoded"}
				},
				"other public URL": func(r *channels.Request) { r.PublicURL = "https://attacker.example.com" + r.Path },
				"query dropped":    func(r *channels.Request) { r.RawQuery, r.Query = "", url.Values{} },
			}
			for what, mutate := range bad {
				if what == "query dropped" && req.RawQuery == "" {
					continue
				}
				r := req
				mutate(&r)
				token := testsecrets.TwilioAuthToken
				if what == "wrong auth token" {
					token = "not-the-token"
				}
				if err := Verify(r, token); domain.ErrorCode(err) != domain.CodeForbidden {
					t.Errorf("%s: Verify = %v, want forbidden", what, err)
				}
			}
		})
	}
}

func TestURLVariants(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://a.example.com/x?y=1", "https://a.example.com:443/x?y=1"},
		{"http://a.example.com/x", "http://a.example.com:80/x"},
		{"https://a.example.com:8443/x", "https://a.example.com/x"},
		{"https://user:pw@a.example.com:443/x", "https://user:pw@a.example.com/x"},
		{"https://a.example.com", "https://a.example.com:443"},
	}
	for _, tt := range tests {
		got := urlVariants(tt.in)
		if len(got) != 2 || got[0] != tt.in || got[1] != tt.want {
			t.Errorf("urlVariants(%q) = %q, want [%q %q]", tt.in, got, tt.in, tt.want)
		}
	}
}
