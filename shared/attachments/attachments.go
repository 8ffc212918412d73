// Package attachments names the files Concierge keeps in its attachments
// bucket (s3://<bucket>/<key> on a touchpoint) and signs short-lived
// download links for them. A link always downloads: S3 answers it with
// Content-Disposition: attachment and Content-Type: application/octet-stream
// whatever the object was stored with, so a customer's HTML or SVG never
// renders in the agent's browser on a page the console trusts.
package attachments

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/text/unicode/norm"
)

// scheme prefixes the URL of an object in our bucket.
const scheme = "s3://"

// ObjectURL is how a touchpoint records an object of the attachments bucket.
func ObjectURL(bucket, key string) string { return scheme + bucket + "/" + key }

// ParseObjectURL splits an s3://bucket/key URL. ok is false for anything
// else (a provider's https URL, an empty or malformed value).
func ParseObjectURL(raw string) (bucket, key string, ok bool) {
	rest, found := strings.CutPrefix(raw, scheme)
	if !found {
		return "", "", false
	}
	bucket, key, found = strings.Cut(rest, "/")
	if !found || bucket == "" || key == "" {
		return "", "", false
	}
	return bucket, key, true
}

// ContentType is what a download link makes S3 answer with: bytes, never a
// type a browser renders.
const ContentType = "application/octet-stream"

// maxNameRunes bounds the file name a link carries (the URL stays short).
const maxNameRunes = 150

// Disposition is the Content-Disposition of a download of a file named
// name (RFC 6266): always attachment, with an ASCII filename for old
// clients and the exact UTF-8 name in filename* (RFC 8187). A name that is
// empty or only unsafe characters becomes fallback.
func Disposition(name, fallback string) string {
	name = cleanName(name)
	if name == "" {
		name = cleanName(fallback)
	}
	if name == "" {
		name = "attachment"
	}
	return `attachment; filename="` + asciiName(name) + `"; filename*=UTF-8''` + encodeRFC8187(name)
}

// cleanName keeps the last path element of name, without control
// characters, invalid UTF-8 or leading dots, at most maxNameRunes long.
func cleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	n := 0
	for _, r := range name {
		if unicode.IsControl(r) || r == utf8.RuneError || unicode.In(r, unicode.Cf) {
			continue
		}
		if n == maxNameRunes {
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.Trim(strings.TrimLeft(b.String(), "."), " ")
}

// asciiName is name folded to printable ASCII: Vietnamese letters lose their
// marks (Hóa đơn → Hoa don), anything else unsafe in a quoted string or a
// file system becomes '_'.
func asciiName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteByte('d')
		case r == 'Đ':
			b.WriteByte('D')
		case r < 0x20 || r > 0x7e || strings.ContainsRune(`"\;%*:<>?|`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// encodeRFC8187 percent-encodes every byte but RFC 8187's attr-char.
func encodeRFC8187(s string) string {
	const attr = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(attr, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// Presigner signs GET links to objects of one bucket, the attachments
// bucket: a caller names a key, never a bucket.
type Presigner struct {
	client *s3.PresignClient
	bucket string
}

// NewPresigner signs links to objects in bucket with client's credentials.
func NewPresigner(client *s3.Client, bucket string) *Presigner {
	return &Presigner{client: s3.NewPresignClient(client), bucket: bucket}
}

// Bucket is the bucket the presigner signs for.
func (p *Presigner) Bucket() string { return p.bucket }

// PresignDownload signs a GET of key valid for ttl that downloads as
// filename (see Disposition), and says when the link stops working.
func (p *Presigner) PresignDownload(ctx context.Context, key, filename string, ttl time.Duration) (string, time.Time, error) {
	if p.bucket == "" {
		return "", time.Time{}, errors.New("attachments: no bucket configured")
	}
	return presignGet(ctx, p.client, p.bucket, key, filename, ttl)
}

// presignGet signs a GET of bucket/key that downloads as filename.
func presignGet(ctx context.Context, pc *s3.PresignClient, bucket, key, filename string, ttl time.Duration) (string, time.Time, error) {
	req, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket:                     aws.String(bucket),
		Key:                        aws.String(key),
		ResponseContentDisposition: aws.String(Disposition(filename, "")),
		ResponseContentType:        aws.String(ContentType),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", time.Time{}, err
	}
	expires, err := Expiry(req.URL)
	if err != nil {
		return "", time.Time{}, err
	}
	return req.URL, expires, nil
}

// Expiry reads when a SigV4 presigned URL expires: its X-Amz-Date plus
// X-Amz-Expires seconds.
func Expiry(link string) (time.Time, error) {
	u, err := url.Parse(link)
	if err != nil {
		return time.Time{}, err
	}
	q := u.Query()
	signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return time.Time{}, fmt.Errorf("attachments: presigned URL without a valid X-Amz-Date: %w", err)
	}
	secs, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || secs <= 0 {
		return time.Time{}, fmt.Errorf("attachments: presigned URL without a valid X-Amz-Expires %q", q.Get("X-Amz-Expires"))
	}
	return signed.Add(time.Duration(secs) * time.Second), nil
}

// Objects signs GET links to, and deletes, objects of the buckets its
// caller names (the agent API names only its stage's own: the data-rights
// export and erasure).
type Objects struct {
	client  *s3.Client
	presign *s3.PresignClient
}

// NewObjects works with client's credentials.
func NewObjects(client *s3.Client) *Objects {
	return &Objects{client: client, presign: s3.NewPresignClient(client)}
}

// PresignGet signs a download of bucket/key as filename for ttl.
func (o *Objects) PresignGet(ctx context.Context, bucket, key, filename string, ttl time.Duration) (string, time.Time, error) {
	return presignGet(ctx, o.presign, bucket, key, filename, ttl)
}

// Delete removes bucket/key; a key already gone is no error (S3 answers a
// delete of a missing key with success).
func (o *Objects) Delete(ctx context.Context, bucket, key string) error {
	_, err := o.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	return err
}
