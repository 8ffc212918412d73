package agentapi

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/concierge-cx/concierge/shared/attachments"
	"github.com/concierge-cx/concierge/shared/domain"
)

// Presigner signs download links to objects of the attachments bucket
// (attachments.Presigner in production). It signs for its own bucket only:
// the API names a key, never a bucket taken from a stored URL.
type Presigner interface {
	Bucket() string
	// PresignDownload signs a GET of key that downloads as filename
	// (Content-Disposition: attachment, application/octet-stream) for ttl,
	// and says when the link expires.
	PresignDownload(ctx context.Context, key, filename string, ttl time.Duration) (string, time.Time, error)
}

// WithAttachments lets staff download attachments of the attachments bucket.
func WithAttachments(p Presigner) Option { return func(a *API) { a.Attachments = p } }

// DownloadTTL is how long a download link works: long enough to click,
// short enough that a link copied out of the console soon stops working.
const DownloadTTL = 5 * time.Minute

// maxAttachmentIndex bounds the index path parameter (a touchpoint holds a
// handful of files; the bound keeps the parse trivial).
const maxAttachmentIndex = 999

// download is the answer of GET /customers/{id}/touchpoints/{touchpointId}/attachments/{index}.
type download struct {
	URL string `json:"url"`
	// ExpiresAt is set for a link we signed; a provider's URL is theirs.
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// attachment answers a link to attachment {index} of one of the customer's
// touchpoints: a signed, short-lived link for a file in our bucket, or the
// provider's own https URL. Anything else (another bucket, a plain http or
// javascript: URL) is refused: the console would have to trust it.
func (a *API) attachment(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	tpID := c.params["touchpointId"]
	if !domain.ValidID(domain.TouchpointIDPrefix, tpID) {
		return reply{}, domain.Errorf(domain.CodeInvalid, "malformed touchpoint id")
	}
	index, err := attachmentIndex(c.params["index"])
	if err != nil {
		return reply{}, err
	}
	if _, err := query(c); err != nil {
		return reply{}, err
	}
	// The touchpoint is read under the customer's key: another customer's
	// touchpoint id is simply not found here.
	tp, err := a.Store.GetTouchpoint(ctx, id, tpID)
	if err != nil {
		return reply{}, err
	}
	if index >= len(tp.Attachments) {
		return reply{}, domain.Errorf(domain.CodeNotFound, "touchpoint %s has no attachment %d", tpID, index)
	}
	att := tp.Attachments[index]
	if bucket, key, ours := attachments.ParseObjectURL(att.URL); ours {
		if a.Attachments == nil || bucket != a.Attachments.Bucket() {
			return reply{}, domain.Errorf(domain.CodeUnprocessable, "attachment %d is not in this stage's attachments bucket", index)
		}
		link, expires, err := a.Attachments.PresignDownload(ctx, key, att.Name, DownloadTTL)
		if err != nil {
			return reply{}, domain.Wrap(err, domain.CodeInternal, "signing the download link")
		}
		return ok(download{URL: link, ExpiresAt: &expires}), nil
	}
	if u, err := url.Parse(att.URL); err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil {
		return ok(download{URL: att.URL}), nil
	}
	return reply{}, domain.Errorf(domain.CodeUnprocessable, "attachment %d has no downloadable URL", index)
}

func attachmentIndex(raw string) (int, error) {
	n, err := strconv.Atoi(raw)
	// Digits only: Atoi accepts a sign, and "+1" or "01" are not the
	// console's spelling of an index.
	if err != nil || n < 0 || n > maxAttachmentIndex || strconv.Itoa(n) != raw {
		return 0, domain.Errorf(domain.CodeInvalid, "the attachment index must be a whole number from 0 to %d", maxAttachmentIndex)
	}
	return n, nil
}
