package store

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Page is one page of a timeline, newest first. Next is an opaque cursor, empty
// on the last page.
type Page struct {
	Items []domain.Touchpoint
	Next  string
}

const (
	maxPageSize     = 100
	defaultPageSize = 25
	cursorVersion   = "t1."
)

// Timeline returns a customer's touchpoints newest first. The cursor is bound to
// the customer: one customer's cursor is refused on another's timeline.
func (s *Store) Timeline(ctx context.Context, customerID string, limit int, cursor string) (Page, error) {
	if !domain.ValidID(domain.CustomerIDPrefix, customerID) {
		return Page{}, domain.Errorf(domain.CodeInvalid, "malformed customer id")
	}
	if limit <= 0 {
		limit = defaultPageSize
	}
	if limit > maxPageSize {
		return Page{}, domain.Errorf(domain.CodeInvalid, "limit must be at most %d", maxPageSize)
	}
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :e)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: customerPK(customerID)},
			":e":  &types.AttributeValueMemberS{Value: pfxEvent},
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(limit)),
	}
	if cursor != "" {
		sk, err := decodeCursor(customerID, cursor)
		if err != nil {
			return Page{}, err
		}
		in.ExclusiveStartKey = key(customerPK(customerID), sk)
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return Page{}, unavailable(err, "read timeline")
	}
	p := Page{Items: make([]domain.Touchpoint, 0, len(out.Items))}
	for _, it := range out.Items {
		t, err := unmarshalTouchpoint(it)
		if err != nil {
			return Page{}, unavailable(err, "decode touchpoint")
		}
		p.Items = append(p.Items, t)
	}
	if lek := out.LastEvaluatedKey; lek != nil {
		if sk, ok := lek[table.SK].(*types.AttributeValueMemberS); ok {
			p.Next = encodeCursor(customerID, sk.Value)
		}
	}
	return p, nil
}

// The cursor is "t1.<customer id>.<sort key>" in URL-safe base64: opaque to
// clients, checked on the way back in.
func encodeCursor(customerID, sk string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorVersion + customerID + "." + sk))
}

func decodeCursor(customerID, cursor string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	bad := domain.Errorf(domain.CodeInvalid, "malformed cursor")
	if err != nil {
		return "", bad
	}
	rest, ok := strings.CutPrefix(string(raw), cursorVersion+customerID+".")
	if !ok || !strings.HasPrefix(rest, pfxEvent) || !domain.ValidID(domain.TouchpointIDPrefix, strings.TrimPrefix(rest, pfxEvent)) {
		return "", bad
	}
	return rest, nil
}

// GetTouchpoint reads one touchpoint by its customer and id.
func (s *Store) GetTouchpoint(ctx context.Context, customerID, id string) (domain.Touchpoint, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: eventKey(customerID, id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.Touchpoint{}, unavailable(err, "read touchpoint")
	}
	if out.Item == nil {
		return domain.Touchpoint{}, domain.Errorf(domain.CodeNotFound, "touchpoint %s not found", id)
	}
	t, err := unmarshalTouchpoint(out.Item)
	if err != nil {
		return domain.Touchpoint{}, unavailable(err, "decode touchpoint")
	}
	return t, nil
}
