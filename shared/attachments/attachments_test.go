package attachments_test

import (
	"context"
	"mime"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/concierge-cx/concierge/shared/attachments"
)

func TestObjectURLsRoundTripAndNothingElseParses(t *testing.T) {
	b, k, ok := attachments.ParseObjectURL(attachments.ObjectURL("concierge-attachments", "ses-1/abc/def"))
	if !ok || b != "concierge-attachments" || k != "ses-1/abc/def" {
		t.Fatalf("round trip: %q %q %v", b, k, ok)
	}
	for _, raw := range []string{"", "s3://", "s3://bucket", "s3://bucket/", "s3:///key", "https://bucket.s3.amazonaws.com/key", "S3://bucket/key"} {
		if b, k, ok := attachments.ParseObjectURL(raw); ok {
			t.Errorf("%q parsed as %q %q", raw, b, k)
		}
	}
}

func TestDispositionAlwaysDownloadsUnderASafeName(t *testing.T) {
	for _, tc := range []struct{ name, fallback, want string }{
		{"Hóa đơn tháng 11.pdf", "", `attachment; filename="Hoa don thang 11.pdf"; filename*=UTF-8''H%C3%B3a%20%C4%91%C6%A1n%20th%C3%A1ng%2011.pdf`},
		{"ĐƠN HÀNG.xlsx", "", `attachment; filename="DON HANG.xlsx"; filename*=UTF-8''%C4%90%C6%A0N%20H%C3%80NG.xlsx`},
		{`../../etc/passwd`, "", `attachment; filename="passwd"; filename*=UTF-8''passwd`},
		{`C:\Users\lan\a"b;c.txt`, "", `attachment; filename="a_b_c.txt"; filename*=UTF-8''a%22b%3Bc.txt`},
		{"evil\r\nSet-Cookie: x=1.html", "", `attachment; filename="evilSet-Cookie_ x=1.html"; filename*=UTF-8''evilSet-Cookie%3A%20x%3D1.html`},
		{".htaccess", "", `attachment; filename="htaccess"; filename*=UTF-8''htaccess`},
		{"", "", `attachment; filename="attachment"; filename*=UTF-8''attachment`},
		{"\x00\x01", "file-1", `attachment; filename="file-1"; filename*=UTF-8''file-1`},
		{"报告.pdf", "", `attachment; filename="__.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf`},
	} {
		got := attachments.Disposition(tc.name, tc.fallback)
		if got != tc.want {
			t.Errorf("Disposition(%q):\n got %s\nwant %s", tc.name, got, tc.want)
		}
		// Go's own parser (RFC 2231/8187) reads it back as an attachment.
		typ, params, err := mime.ParseMediaType(got)
		if err != nil || typ != "attachment" || params["filename"] == "" {
			t.Errorf("Disposition(%q) = %s does not parse: %q %v %v", tc.name, got, typ, params, err)
		}
	}
	// The exact name survives in filename*.
	if _, params, _ := mime.ParseMediaType(attachments.Disposition("Hóa đơn tháng 11.pdf", "")); params["filename"] != "Hóa đơn tháng 11.pdf" {
		t.Errorf("filename* decodes to %q", params["filename"])
	}
}

// Signing needs no network: the link names our bucket and key, forces the
// download headers and expires when it says.
func TestPresignerSignsADownloadOfItsOwnBucketOnly(t *testing.T) {
	client := s3.New(s3.Options{Region: "ap-southeast-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
	p := attachments.NewPresigner(client, "concierge-attachments-123")
	before := time.Now().Truncate(time.Second)
	link, expires, err := p.PresignDownload(context.Background(), "ses-1/abc", "Hóa đơn.pdf", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "https" || u.Host != "concierge-attachments-123.s3.ap-southeast-1.amazonaws.com" || u.Path != "/ses-1/abc" {
		t.Errorf("link %s: want https on the bucket's virtual host and the key", link)
	}
	if q.Get("response-content-disposition") != attachments.Disposition("Hóa đơn.pdf", "") || q.Get("response-content-type") != attachments.ContentType {
		t.Errorf("link query %v lacks the download overrides", q)
	}
	if q.Get("X-Amz-Expires") != "300" || q.Get("X-Amz-Signature") == "" {
		t.Errorf("link query %v: want a signature valid 300 s", q)
	}
	if expires.Before(before.Add(5*time.Minute)) || expires.After(time.Now().Add(5*time.Minute)) {
		t.Errorf("expires %v, want 5 minutes after signing (%v)", expires, before)
	}
	if p.Bucket() != "concierge-attachments-123" {
		t.Errorf("Bucket() = %q", p.Bucket())
	}
	if _, _, err := attachments.NewPresigner(client, "").PresignDownload(context.Background(), "k", "", time.Minute); err == nil {
		t.Error("a presigner without a bucket signed a link")
	}
}

func TestExpiryNeedsTheSignatureDates(t *testing.T) {
	for _, link := range []string{"https://x/k", "https://x/k?X-Amz-Date=20261120T020000Z", "https://x/k?X-Amz-Date=yesterday&X-Amz-Expires=300",
		"https://x/k?X-Amz-Date=20261120T020000Z&X-Amz-Expires=-1"} {
		if _, err := attachments.Expiry(link); err == nil {
			t.Errorf("Expiry(%q) passed", link)
		}
	}
	got, err := attachments.Expiry("https://x/k?X-Amz-Date=20261120T020000Z&X-Amz-Expires=300")
	if err != nil || !got.Equal(time.Date(2026, 11, 20, 2, 5, 0, 0, time.UTC)) {
		t.Errorf("Expiry = %v, %v", got, err)
	}
}
