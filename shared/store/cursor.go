package store

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/store/table"
)

// Index cursors carry the last key of a GSI page, bound to the partition
// they page through, in URL-safe base64 JSON.
type indexCursor struct {
	P  string `json:"p"`
	PK string `json:"pk"`
	SK string `json:"sk"`
	IP string `json:"ip"`
	IS string `json:"is"`
}

func encodeIndexCursor(partition string, lek map[string]types.AttributeValue) string {
	c := indexCursor{P: partition, PK: str(lek, table.PK), SK: str(lek, table.SK), IP: str(lek, table.GSI1PK), IS: str(lek, table.GSI1SK)}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeIndexCursor(partition, cursor string) (map[string]types.AttributeValue, error) {
	bad := errMalformedCursor()
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, bad
	}
	var c indexCursor
	if json.Unmarshal(raw, &c) != nil || c.P != partition || c.IP != partition || !strings.HasPrefix(c.PK, pfxConversation) || c.IS == "" {
		return nil, bad
	}
	return map[string]types.AttributeValue{
		table.PK:     &types.AttributeValueMemberS{Value: c.PK},
		table.SK:     &types.AttributeValueMemberS{Value: c.SK},
		table.GSI1PK: &types.AttributeValueMemberS{Value: c.IP},
		table.GSI1SK: &types.AttributeValueMemberS{Value: c.IS},
	}, nil
}
