package store

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Email threading: every Message-ID Concierge receives or sends is indexed to
// its conversation, so a reply's In-Reply-To or References finds the
// conversation whatever channel it began on.
const (
	pfxThread  = "T#" // PK of a Message-ID index entry: T#<message id without angle brackets>
	skThread   = "T"
	typeThread = "thread"
)

// NormalizeMessageID trims spaces and angle brackets. The local part of a
// Message-ID is case-sensitive, so case is kept.
func NormalizeMessageID(id string) string {
	return strings.Trim(strings.TrimSpace(id), "<>")
}

func threadWrite(table, messageID, conversationID, customerID string) types.TransactWriteItem {
	item := key(pfxThread+messageID, skThread)
	item["type"] = &types.AttributeValueMemberS{Value: typeThread}
	item["conversationId"] = &types.AttributeValueMemberS{Value: conversationID}
	item["customerId"] = &types.AttributeValueMemberS{Value: customerID}
	return types.TransactWriteItem{Put: &types.Put{TableName: &table, Item: item}}
}

// ThreadHit is a conversation found by one of a message's Message-IDs.
type ThreadHit struct {
	MessageID      string
	ConversationID string
	CustomerID     string
}

// FindThread looks the Message-IDs up (In-Reply-To first, then References
// newest first, as the caller orders them) and returns the first that is
// indexed. One BatchGetItem for up to 100 ids.
func (s *Store) FindThread(ctx context.Context, messageIDs []string) (ThreadHit, bool, error) {
	var ids []string
	seen := map[string]bool{}
	for _, id := range messageIDs {
		id = NormalizeMessageID(id)
		if id == "" || seen[id] || len(id) > 900 {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
		if len(ids) == 100 {
			break
		}
	}
	if len(ids) == 0 {
		return ThreadHit{}, false, nil
	}
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(pfxThread+id, skThread)
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return ThreadHit{}, false, err
	}
	found := map[string]ThreadHit{}
	for _, it := range items {
		id := strings.TrimPrefix(pkOf(it), pfxThread)
		found[id] = ThreadHit{MessageID: id, ConversationID: str(it, "conversationId"), CustomerID: str(it, "customerId")}
	}
	for _, id := range ids {
		if h, ok := found[id]; ok {
			return h, true, nil
		}
	}
	return ThreadHit{}, false, nil
}

// IndexMessageIDs records Message-IDs (of mail Concierge sent) for a conversation.
func (s *Store) IndexMessageIDs(ctx context.Context, conversationID, customerID string, messageIDs ...string) error {
	var reqs []types.WriteRequest
	for _, id := range messageIDs {
		if id = NormalizeMessageID(id); id != "" {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: threadWrite(s.table, id, conversationID, customerID).Put.Item}})
		}
	}
	return s.batchWrite(ctx, reqs)
}
