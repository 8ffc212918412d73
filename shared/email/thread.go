package email

import (
	"context"
	"slices"
	"strings"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/mime"
	"github.com/concierge-cx/concierge/shared/store"
)

// The conversation reference Concierge writes into the mail it sends is the
// conversation id itself ("con_01JD…"): it needs no lookup table, and a ULID
// cannot be guessed from another customer's. Replies carry it back in the
// reply address and in the subject.

// ReplyAddress is the address replies to a conversation should go to.
func ReplyAddress(conversationID, replyDomain string) string {
	return "reply+" + conversationID + "@" + replyDomain
}

// SubjectRef is the tag to put in the subject of mail about a conversation.
func SubjectRef(conversationID string) string { return "[#" + conversationID + "]" }

// conversationRef turns a reference as it arrived (mail lower-cases
// addresses) back into a conversation id, or "" if it is none.
func conversationRef(ref string) string {
	if len(ref) <= len(domain.ConversationIDPrefix) || !strings.EqualFold(ref[:len(domain.ConversationIDPrefix)], domain.ConversationIDPrefix) {
		return ""
	}
	id := domain.ConversationIDPrefix + strings.ToUpper(ref[len(domain.ConversationIDPrefix):])
	if !domain.ValidID(domain.ConversationIDPrefix, id) {
		return ""
	}
	return id
}

// Threads is the part of the store threading reads.
type Threads interface {
	FindThread(ctx context.Context, messageIDs []string) (store.ThreadHit, bool, error)
	GetConversation(ctx context.Context, id string) (domain.Conversation, error)
	GetCustomer(ctx context.Context, id string) (domain.Customer, error)
}

// How a message was threaded (Metadata["threadedBy"]).
const (
	ByInReplyTo   = "in-reply-to"
	ByReferences  = "references"
	ByPlusAddress = "plus-address"
	BySubjectTag  = "subject-tag"
)

type threadResult struct {
	ConversationID string
	By             string
	Reopened       bool
}

type candidate struct{ conversationID, by string }

// thread picks the conversation a reply belongs to: the first of its
// In-Reply-To/References, reply+ address and [#ref] subject tag that names a
// conversation whose customer owns the From address. A conversation of
// another customer is never joined (a forwarded thread, a colleague replying
// from their own address, a guessed tag): the mail then goes, like a new
// one, to the sender's own open conversation. Each candidate costs two reads
// (conversation, owner); mail without any costs none.
func (h *Handler) thread(ctx context.Context, m *mime.Message, d delivery, ids []domain.Identity) (threadResult, error) {
	var cands []candidate
	var msgIDs []string
	if m.InReplyTo != "" {
		msgIDs = append(msgIDs, m.InReplyTo)
	}
	for i := len(m.References) - 1; i >= 0; i-- {
		msgIDs = append(msgIDs, m.References[i])
	}
	if len(msgIDs) > 0 {
		hit, ok, err := h.threads.FindThread(ctx, msgIDs)
		if err != nil {
			return threadResult{}, err
		}
		if ok {
			by := ByReferences
			if store.NormalizeMessageID(m.InReplyTo) == hit.MessageID {
				by = ByInReplyTo
			}
			cands = append(cands, candidate{hit.ConversationID, by})
		}
	}
	var addrs []string
	for _, a := range slices.Concat(m.To, m.Cc) {
		addrs = append(addrs, a.Email)
	}
	addrs = append(addrs, d.Recipients...)
	for _, a := range addrs {
		if ref, ok := mime.PlusAddressTag(a, h.cfg.ReplyDomain); ok {
			if id := conversationRef(ref); id != "" {
				cands = append(cands, candidate{id, ByPlusAddress})
			}
		}
	}
	if ref, ok := mime.SubjectTag(m.Subject); ok {
		if id := conversationRef(ref); id != "" {
			cands = append(cands, candidate{id, BySubjectTag})
		}
	}
	if len(cands) == 0 {
		return threadResult{}, nil
	}

	from := ids[0]
	tried := map[string]bool{}
	for _, c := range cands {
		if tried[c.conversationID] {
			continue
		}
		tried[c.conversationID] = true
		conv, err := h.threads.GetConversation(ctx, c.conversationID)
		if code := domain.ErrorCode(err); code == domain.CodeNotFound || code == domain.CodeInvalid {
			continue
		} else if err != nil {
			return threadResult{}, err
		}
		// GetCustomer follows merges, so a conversation of a customer since
		// merged into the sender's still counts as hers.
		owner, err := h.threads.GetCustomer(ctx, conv.CustomerID)
		if code := domain.ErrorCode(err); code == domain.CodeNotFound {
			continue
		} else if err != nil {
			return threadResult{}, err
		}
		if !slices.Contains(owner.Identities, from) {
			h.log.Info("reply names another customer's conversation; not threaded",
				"sesMessageId", d.SESMessageID, "by", c.by, "conversation", conv.ID)
			continue
		}
		return threadResult{ConversationID: conv.ID, By: c.by, Reopened: conv.Status == domain.ConversationResolved}, nil
	}
	return threadResult{}, nil
}
