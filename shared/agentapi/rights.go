package agentapi

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/attachments"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/rights"
	"github.com/concierge-cx/concierge/shared/store"
)

// RightsStore is what export and erasure need beyond Storage (*store.Store).
type RightsStore interface {
	CustomerRecord(ctx context.Context, id string) (store.CustomerRecord, error)
	Erase(ctx context.Context, rec store.CustomerRecord, tombstones []store.Tombstone) error
	Audit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
}

// Objects signs links to and deletes objects of the stage's own buckets
// (attachments.Objects in production). The API names only the attachments
// and raw-mail buckets of its configuration, never one taken from a stored
// URL alone.
type Objects interface {
	PresignGet(ctx context.Context, bucket, key, filename string, ttl time.Duration) (string, time.Time, error)
	Delete(ctx context.Context, bucket, key string) error
}

// WithObjects lets an export link to, and an erasure delete, the files of
// the attachments and raw-mail buckets.
func WithObjects(o Objects) Option { return func(a *API) { a.Objects = o } }

// ExportLinkTTL is how long an export's file links work: time to download
// the export's files, not to keep the links.
const ExportLinkTTL = time.Hour

func (a *API) rightsStore() (RightsStore, error) {
	rs, ok := a.Store.(RightsStore)
	if !ok {
		return nil, domain.Errorf(domain.CodeUnavailable, "export and erasure are not available on this storage")
	}
	return rs, nil
}

// storedFile is one object of ours a touchpoint names.
type storedFile struct {
	TouchpointID string     `json:"touchpointId"`
	Kind         string     `json:"kind"` // attachment, raw_mail
	Name         string     `json:"name,omitempty"`
	URL          string     `json:"url,omitempty"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
	bucket, key  string
}

// files lists the objects the customer's touchpoints name: attachments and
// the raw mail SES stored. A provider's https URL is listed as it is (it is
// the provider's to serve).
func (a *API) files(rec store.CustomerRecord) []storedFile {
	var out []storedFile
	for _, tp := range rec.Touchpoints {
		for i, att := range tp.Attachments {
			f := storedFile{TouchpointID: tp.ID, Kind: "attachment", Name: att.Name}
			if f.Name == "" {
				f.Name = "attachment-" + strconv.Itoa(i)
			}
			if b, k, ok := attachments.ParseObjectURL(att.URL); ok {
				f.bucket, f.key = b, k
			} else if strings.HasPrefix(att.URL, "https://") {
				f.URL = att.URL
			}
			out = append(out, f)
		}
		if b, k, ok := attachments.ParseObjectURL(tp.Metadata["rawMail"]); ok {
			out = append(out, storedFile{TouchpointID: tp.ID, Kind: "raw_mail", Name: tp.ID + ".eml", bucket: b, key: k})
		}
	}
	return out
}

// ours says whether bucket is one of the stage's own.
func (a *API) ours(bucket string) bool {
	return bucket != "" && (bucket == a.Config.AttachmentsBucket || bucket == a.Config.RawMailBucket)
}

// exportDoc is GET /customers/{id}/export.
type exportDoc struct {
	ExportedAt    time.Time             `json:"exportedAt"`
	Customer      domain.Customer       `json:"customer"`
	Identities    []domain.Identity     `json:"identities"`
	Touchpoints   []domain.Touchpoint   `json:"touchpoints"`
	Conversations []domain.Conversation `json:"conversations"`
	Feedback      []domain.Touchpoint   `json:"feedback"`
	Purchases     []domain.Touchpoint   `json:"purchases"`
	Files         []storedFile          `json:"files"`
}

// exportCustomer answers the customer's right of access: everything kept
// about her, with links to her files, audited.
func (a *API) exportCustomer(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	q, err := query(c, "reason")
	if err != nil {
		return reply{}, err
	}
	rs, err := a.rightsStore()
	if err != nil {
		return reply{}, err
	}
	rec, err := rs.CustomerRecord(ctx, id)
	if err != nil {
		return reply{}, err
	}
	doc := exportDoc{ExportedAt: a.Store.Now(), Customer: rec.Customer, Identities: nonNilSlice(rec.Customer.Identities),
		Touchpoints: nonNilSlice(rec.Touchpoints), Conversations: nonNilSlice(rec.Conversations),
		Feedback: []domain.Touchpoint{}, Purchases: []domain.Touchpoint{}, Files: []storedFile{}}
	for _, tp := range rec.Touchpoints {
		switch tp.Kind {
		case domain.KindFeedback:
			doc.Feedback = append(doc.Feedback, tp)
		case domain.KindPurchase, domain.KindRefund:
			doc.Purchases = append(doc.Purchases, tp)
		}
	}
	for _, f := range a.files(rec) {
		if f.bucket != "" {
			if !a.ours(f.bucket) || a.Objects == nil {
				continue // not ours to sign: listed nowhere rather than as a broken link
			}
			link, exp, err := a.Objects.PresignGet(ctx, f.bucket, f.key, f.Name, ExportLinkTTL)
			if err != nil {
				return reply{}, domain.Wrap(err, domain.CodeInternal, "signing an export link")
			}
			f.URL, f.ExpiresAt = link, &exp
		}
		doc.Files = append(doc.Files, f)
	}
	if _, err := rs.Audit(ctx, store.AuditEntry{Action: "export", CustomerID: rec.Customer.ID, By: c.who.Subject,
		Reason: strings.TrimSpace(q["reason"]), Detail: map[string]string{"touchpoints": strconv.Itoa(len(rec.Touchpoints))}}); err != nil {
		return reply{}, err
	}
	return ok(doc), nil
}

// eraseCustomer answers the customer's right to deletion. A customer with
// an open conversation is refused (resolve it first): erasing under an
// agent's hands would lose what they are doing.
func (a *API) eraseCustomer(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	reason, err := reasonBody(c)
	if err != nil {
		return reply{}, err
	}
	rs, err := a.rightsStore()
	if err != nil {
		return reply{}, err
	}
	rec, err := rs.CustomerRecord(ctx, id)
	if err != nil {
		return reply{}, err
	}
	if rec.Customer.OpenConversationID != "" {
		return reply{}, domain.Errorf(domain.CodeConflict, "customer %s has an open conversation (%s): resolve it first", id, rec.Customer.OpenConversationID)
	}
	files := a.files(rec)
	for _, f := range files {
		if f.bucket != "" && !a.ours(f.bucket) {
			return reply{}, domain.Errorf(domain.CodeConflict, "a file of this customer is in a bucket this stage does not own; nothing was erased")
		}
		if f.bucket != "" && a.Objects == nil {
			return reply{}, domain.Errorf(domain.CodeUnavailable, "file storage is not configured; nothing was erased")
		}
	}
	now := a.Store.Now()
	entry, err := rs.Audit(ctx, store.AuditEntry{Action: "erase", CustomerID: id, By: c.who.Subject, Reason: reason, At: now,
		Detail: map[string]string{"identities": strconv.Itoa(len(rec.Customer.Identities)), "touchpoints": strconv.Itoa(len(rec.Touchpoints)),
			"files": strconv.Itoa(len(files))}})
	if err != nil {
		return reply{}, err
	}
	for _, f := range files {
		if f.bucket == "" {
			continue
		}
		if err := a.Objects.Delete(ctx, f.bucket, f.key); err != nil {
			return reply{}, domain.Wrap(err, domain.CodeUnavailable, "deleting a file failed; erase again to finish")
		}
	}
	var tombs []store.Tombstone
	for _, ident := range rec.Customer.Identities {
		tombs = append(tombs, store.Tombstone{Hash: rights.IdentityHash(ident), ErasedAt: now, Reason: reason, FormerCustomerID: id})
	}
	if err := rs.Erase(ctx, rec, tombs); err != nil {
		return reply{}, err
	}
	return ok(map[string]any{"customerId": id, "erasedAt": now, "auditId": entry.ID,
		"identities": len(rec.Customer.Identities), "touchpoints": len(rec.Touchpoints), "files": len(files)}), nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// reasonBody reads the {"reason"} an erasure or a dismissal must give.
func reasonBody(c *call) (string, error) {
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decode(c, &body); err != nil {
		return "", err
	}
	return shortText("reason", body.Reason, 500)
}
