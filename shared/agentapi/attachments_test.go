package agentapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/attachments"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/testenv"
)

type downloadBody struct {
	URL       string     `json:"url"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

// A mail attachment stored in the attachments bucket (fauxqs) downloads
// through a link the route signs: the bytes come back, and the link asks
// S3 for Content-Disposition: attachment and application/octet-stream
// whatever the object was stored with. Provider links pass through when
// https; nothing else is ever handed to the browser.
func TestStaffDownloadAMailAttachmentByASignedLink(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	client, bucket := testenv.NewBucket(t)
	e.api.Attachments = attachments.NewPresigner(client, bucket)

	// Stored as the email function would store an inline part: a type and a
	// disposition a browser would render.
	key := "0000000000000000-ses-1/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	content := []byte("<html><script>alert('hi')</script>Hóa đơn</html>")
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(content),
		ContentType: aws.String("text/html"), ContentDisposition: aws.String("inline")}); err != nil {
		t.Fatal(err)
	}
	const name = "Hóa đơn tháng 11.html"
	out, err := e.ing.Ingest(ctx, domain.Inbound{
		Provider: "ses", Channel: domain.ChannelEmail, Kind: domain.KindEmailMsg, ProviderMessageID: "ses-1",
		Identities: []domain.RawIdentity{{Kind: domain.KindEmail, Value: "lan@example.vn"}}, Subject: "Hóa đơn", Text: "Gửi shop hóa đơn",
		OccurredAt: e.clk.now(),
		Attachments: []domain.Attachment{
			{Name: name, ContentType: "text/html", Size: int64(len(content)), URL: attachments.ObjectURL(bucket, key)},
			{Name: "photo.jpg", URL: "https://media.provider.example/v1/photo.jpg?sig=abc"},
			{Name: "theirs.pdf", URL: attachments.ObjectURL("someone-elses-bucket", key)},
			{Name: "plain.pdf", URL: "http://media.provider.example/plain.pdf"},
			{Name: "script", URL: "javascript:alert(1)"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cus, tp := out.Customer.ID, out.Touchpoint.ID
	path := func(customer, touchpoint, index string) string {
		return "/customers/" + customer + "/touchpoints/" + touchpoint + "/attachments/" + index
	}
	agent, sup := e.agent(t, "agent-an"), e.supervisor(t, "sup-binh")

	for _, tok := range []string{agent, sup} {
		var got downloadBody
		e.mustDo(t, http.StatusOK, "GET", path(cus, tp, "0"), tok, "").decode(t, &got)
		if got.ExpiresAt == nil {
			t.Fatal("a signed link without expiresAt")
		}
		if left := time.Until(*got.ExpiresAt); left <= 4*time.Minute || left > agentapi.DownloadTTL+time.Minute {
			t.Errorf("link expires in %v, want about %v", left, agentapi.DownloadTTL)
		}
		u, err := url.Parse(got.URL)
		if err != nil {
			t.Fatal(err)
		}
		if u.Path != "/"+bucket+"/"+key {
			t.Errorf("link path %q, want /%s/%s (path-style on fauxqs)", u.Path, bucket, key)
		}
		q := u.Query()
		wantCD := `attachment; filename="Hoa don thang 11.html"; filename*=UTF-8''H%C3%B3a%20%C4%91%C6%A1n%20th%C3%A1ng%2011.html`
		if q.Get("response-content-disposition") != wantCD || q.Get("response-content-type") != "application/octet-stream" ||
			q.Get("X-Amz-Expires") != "300" || q.Get("X-Amz-Signature") == "" {
			t.Errorf("link query %v: want the attachment disposition %q, octet-stream, 300 s and a signature", q, wantCD)
		}
		res, err := http.Get(got.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || !bytes.Equal(body, content) {
			t.Fatalf("GET the link: %d %q (%v), want 200 and the stored bytes", res.StatusCode, body, err)
		}
		// S3 answers with the response-* overrides the link signs; fauxqs
		// 2.4 ignores them and answers with what the object was stored with,
		// so only the signed query above shows the override.
		switch cd := res.Header.Get("Content-Disposition"); cd {
		case wantCD:
		case "inline":
			t.Logf("fauxqs ignores response-content-disposition (answers %q); the signed query asks for %q", cd, wantCD)
		default:
			t.Errorf("Content-Disposition %q: neither the stored one nor the one the link asks for", cd)
		}
	}

	var provider downloadBody
	e.mustDo(t, http.StatusOK, "GET", path(cus, tp, "1"), agent, "").decode(t, &provider)
	if provider.URL != "https://media.provider.example/v1/photo.jpg?sig=abc" || provider.ExpiresAt != nil {
		t.Errorf("provider link %+v, want the https URL as stored and no expiry", provider)
	}

	other := e.inbound(t, "0912000111", "wamid.other", "Xin chào").Customer.ID
	for _, tc := range []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"another bucket", path(cus, tp, "2"), agent, http.StatusUnprocessableEntity, "unprocessable"},
		{"plain http", path(cus, tp, "3"), agent, http.StatusUnprocessableEntity, "unprocessable"},
		{"a javascript: URL", path(cus, tp, "4"), agent, http.StatusUnprocessableEntity, "unprocessable"},
		{"no such attachment", path(cus, tp, "5"), agent, http.StatusNotFound, "not_found"},
		{"another customer's touchpoint", path(other, tp, "0"), agent, http.StatusNotFound, "not_found"},
		{"no such touchpoint", path(cus, "tp_01KAAAAAAAAAAAAAAAAAAAAAAA", "0"), agent, http.StatusNotFound, "not_found"},
		{"a malformed touchpoint id", path(cus, "tp_nope", "0"), agent, http.StatusBadRequest, "invalid"},
		{"a signed index", path(cus, tp, "+0"), agent, http.StatusBadRequest, "invalid"},
		{"a padded index", path(cus, tp, "00"), agent, http.StatusBadRequest, "invalid"},
		{"a partner", path(cus, tp, "0"), e.partner(t, "acme"), http.StatusForbidden, "forbidden"},
	} {
		res := e.gw.do(t, "GET", tc.path, tc.token, "")
		if res.Status != tc.status || res.errorCode() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, res.Status, res.Body, tc.status, tc.code)
		}
	}
	if res := e.gw.do(t, "GET", path(cus, tp, "0"), "", ""); res.Status != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", res.Status)
	}

	// A stage without the signer refuses rather than handing out s3:// URLs.
	e.api.Attachments = nil
	if res := e.gw.do(t, "GET", path(cus, tp, "0"), agent, ""); res.Status != http.StatusUnprocessableEntity || strings.Contains(res.Body, "s3://") {
		t.Errorf("without a signer: %d %s, want 422 without the bucket URL", res.Status, res.Body)
	}
}
