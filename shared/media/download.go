package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	stdmime "mime"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/concierge-cx/concierge/shared/attachments"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/store"
)

// Where a download stands (domain.Attachment.Download).
const (
	Stored    = "stored"    // in the attachments bucket: URL is s3://…
	Retrying  = "retrying"  // the last attempt failed; the lane tries again
	Failed    = "failed"    // the provider refused it for good (gone, not ours)
	Reference = "reference" // not downloaded: too large or a type not taken
)

// DefaultMaxBytes caps a downloaded file: 25 MB holds a phone photo, a
// voice note or a short clip; a longer video stays a reference.
const DefaultMaxBytes = 25 << 20

// Touchpoints is the part of the store the downloader needs.
type Touchpoints interface {
	GetTouchpoint(ctx context.Context, customerID, id string) (domain.Touchpoint, error)
	SetAttachments(ctx context.Context, customerID, touchpointID string, atts []domain.Attachment) error
}

// Objects is the one S3 call the downloader makes.
type Objects interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// AuthFailures counts a provider's refusal of our credentials (the
// auth-failure alarm); outbound.AuthAlarm implements it.
type AuthFailures interface {
	AuthFailed(provider string)
}

// Downloader stores the media of inbound touchpoints in the attachments bucket.
type Downloader struct {
	Store    Touchpoints
	Fetch    Fetcher
	S3       Objects
	Bucket   string
	MaxBytes int64 // DefaultMaxBytes when 0
	Auth     AuthFailures
	Log      *slog.Logger
}

// Pending says whether a needs a download: a provider's reference not yet
// stored, refused or kept as a reference.
func Pending(a domain.Attachment) bool {
	if _, _, ours := attachments.ParseObjectURL(a.URL); ours || a.URL == "" {
		return false
	}
	return a.Download == "" || a.Download == Retrying
}

// AnyPending says whether a touchpoint has media to download.
func AnyPending(atts []domain.Attachment) bool {
	for _, a := range atts {
		if Pending(a) {
			return true
		}
	}
	return false
}

// Handle downloads what job's touchpoint still owes and records each
// outcome on its attachments. It returns an error (so the lane delivers
// the job again) while a download failed in a way a retry may fix; the
// attachment then says retrying, and after the lane's last try it stays
// so, with the reason, on the timeline.
func (d *Downloader) Handle(ctx context.Context, job jobs.Media) error {
	tp, err := d.Store.GetTouchpoint(ctx, job.CustomerID, job.TouchpointID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		// Merged into another customer since, or erased: nothing to do.
		d.log().Warn("media job for a touchpoint not found", "touchpoint", job.TouchpointID)
		return nil
	}
	if err != nil {
		return err
	}
	if !AnyPending(tp.Attachments) {
		return nil
	}
	atts := append([]domain.Attachment(nil), tp.Attachments...)
	var retry error
	for i, a := range atts {
		if !Pending(a) {
			continue
		}
		got, err := d.one(ctx, tp, a)
		atts[i] = got
		if err != nil {
			retry = errors.Join(retry, err)
		}
		d.log().Info("media", "touchpoint", tp.ID, "provider", tp.Provider, "index", i, "download", got.Download, "size", got.Size)
	}
	if err := d.Store.SetAttachments(ctx, tp.CustomerID, tp.ID, atts); err != nil {
		return err
	}
	return retry
}

// one downloads a, returning it as it should now be recorded, and an error
// when a retry may succeed.
func (d *Downloader) one(ctx context.Context, tp domain.Touchpoint, a domain.Attachment) (domain.Attachment, error) {
	max := d.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	// What the webhook declared is checked first: a 200 MB video is never
	// requested at all.
	if a.Size > max {
		return reference(a, tooLarge(a.Size, max)), nil
	}
	if t := baseType(a.ContentType); t != "" && !typeAllowed(t) {
		return reference(a, "not downloaded: files of type "+t+" are not taken"), nil
	}
	body, err := d.Fetch.Open(ctx, tp.Provider, a)
	if err != nil {
		return d.failed(a, tp.Provider, err)
	}
	defer body.Close()
	if body.Size > max {
		return reference(a, tooLarge(body.Size, max)), nil
	}
	data, err := io.ReadAll(io.LimitReader(body, max+1))
	if err != nil {
		return d.failed(a, tp.Provider, &Error{Provider: tp.Provider, Message: "download cut short"})
	}
	if int64(len(data)) > max {
		return reference(a, tooLarge(-1, max)), nil
	}
	ct := baseType(body.ContentType)
	if ct == "" || ct == "application/octet-stream" || ct == "binary/octet-stream" {
		ct = baseType(http.DetectContentType(data))
	}
	if !typeAllowed(ct) {
		return reference(a, "not downloaded: files of type "+ct+" are not taken"), nil
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	// Keyed by the touchpoint and the content, like email attachments: a
	// repeated job overwrites the same object instead of adding a copy.
	key := "media/" + tp.ID + "/" + hash
	in := &s3.PutObjectInput{
		Bucket: aws.String(d.Bucket), Key: aws.String(key),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String(ct),
	}
	if cd := stdmime.FormatMediaType("attachment", map[string]string{"filename": a.Name}); cd != "" && a.Name != "" {
		in.ContentDisposition = aws.String(cd)
	}
	if _, err := d.S3.PutObject(ctx, in); err != nil {
		a.Download, a.Note = Retrying, "download failed: the attachments bucket is unavailable; retrying"
		return a, domain.Wrap(err, domain.CodeUnavailable, "attachments bucket unavailable")
	}
	a.Source, a.URL = a.URL, attachments.ObjectURL(d.Bucket, key)
	a.SHA256, a.Size, a.ContentType = hash, int64(len(data)), ct
	a.Download, a.Note = Stored, ""
	return a, nil
}

func (d *Downloader) failed(a domain.Attachment, provider string, err error) (domain.Attachment, error) {
	var me *Error
	if !errors.As(err, &me) {
		me = &Error{Provider: provider, Message: err.Error()}
	}
	if me.Auth && d.Auth != nil {
		d.Auth.AuthFailed(provider)
	}
	if me.Permanent {
		a.Download, a.Note = Failed, "download failed: "+me.Error()
		return a, nil
	}
	a.Download, a.Note = Retrying, "download failed: "+me.Error()+"; retrying"
	return a, me
}

func reference(a domain.Attachment, note string) domain.Attachment {
	a.Download, a.Note = Reference, note
	return a
}

func tooLarge(size, max int64) string {
	if size > 0 {
		return fmt.Sprintf("not downloaded: %s is over the %s limit; open it in the provider's app", mb(size), mb(max))
	}
	return fmt.Sprintf("not downloaded: larger than the %s limit; open it in the provider's app", mb(max))
}

func mb(n int64) string { return fmt.Sprintf("%d MB", (n+(1<<20)-1)>>20) }

func baseType(ct string) string {
	t, _, err := stdmime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	return t
}

// typeAllowed takes pictures, sound, video and office documents. Anything
// a browser could run (HTML, SVG, scripts) or an executable is refused,
// even though downloads are always served as attachments.
func typeAllowed(t string) bool {
	switch {
	case t == "image/svg+xml":
		return false
	case strings.HasPrefix(t, "image/"), strings.HasPrefix(t, "audio/"), strings.HasPrefix(t, "video/"):
		return true
	}
	switch t {
	case "application/pdf", "text/plain", "text/csv", "application/zip",
		"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation",
		"application/ogg":
		return true
	}
	return false
}

func (d *Downloader) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

// Publisher sends a media job to its lane (queue.Publisher).
type Publisher interface {
	PublishMedia(ctx context.Context, job jobs.Media) error
}

// Republish is the SLA sweep's handler of a parked media job
// (ingest.EffectMedia): it publishes the job again.
func Republish(p Publisher) func(context.Context, store.OwedEffect) error {
	return func(ctx context.Context, e store.OwedEffect) error {
		j, err := jobs.Decode(e.Payload)
		m, ok := j.(jobs.Media)
		if err != nil || !ok {
			// A payload that never decodes is dropped, not retried forever.
			slog.Default().Error("parked media job unreadable; dropped", "conversation", e.ConversationID)
			return nil
		}
		return p.PublishMedia(ctx, m)
	}
}
