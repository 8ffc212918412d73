// Package rights holds what the customer's data rights need beyond the
// store: the hash an erased identity is remembered by, and the check that
// tells the agent when a message comes from an identity erased before (a
// new customer, who should not be asked about what was erased).
package rights

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// IdentityHash is the tombstone's name for an identity: SHA-256 of its
// normalized key, under a label of its own so it matches no other hash of
// the same value.
func IdentityHash(id domain.Identity) string {
	sum := sha256.Sum256([]byte("concierge/erased-identity/v1\x00" + id.Key()))
	return hex.EncodeToString(sum[:])
}

// Store is what Returning needs (*store.Store).
type Store interface {
	FindTombstone(ctx context.Context, hash string) (store.Tombstone, bool, error)
	RecordOutbound(ctx context.Context, tp domain.Touchpoint) (domain.Touchpoint, bool, error)
}

// Returning notes on a new customer whose sender identity was erased
// before that she is someone whose data was erased (ingest.Aftercare): the
// agent sees it on her timeline and starts afresh.
type Returning struct {
	Store Store
	Log   *slog.Logger
}

// NoteText is what the agent reads.
const NoteText = "This sender's earlier customer record was erased at their request; nothing of it was kept. Treat them as a new customer."

// AfterInbound writes the note once (its id derives from the message's).
func (r *Returning) AfterInbound(ctx context.Context, res store.InboundResult, from domain.Identity) error {
	if !res.NewCustomer || res.Touchpoint.ID == "" {
		return nil
	}
	t, found, err := r.Store.FindTombstone(ctx, IdentityHash(from))
	if err != nil || !found {
		return err
	}
	tp := res.Touchpoint
	_, _, err = r.Store.RecordOutbound(ctx, domain.Touchpoint{
		ID:         domain.DerivedID(domain.TouchpointIDPrefix, tp.OccurredAt, "erased-before:"+tp.ID),
		CustomerID: tp.CustomerID, ConversationID: tp.ConversationID, Channel: domain.ChannelAgent, Direction: domain.DirectionOut,
		Kind: domain.KindNote, Text: NoteText, OccurredAt: tp.OccurredAt,
		Metadata: map[string]string{"erasedBefore": t.ErasedAt.UTC().Format(time.RFC3339)},
	})
	if err == nil && r.Log != nil {
		r.Log.Info("returning erased identity", "customer", tp.CustomerID)
	}
	return err
}
