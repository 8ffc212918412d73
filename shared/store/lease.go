package store

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/store/table"
)

// A lease item L#<name>/L lets one invocation of a scheduled job run at a
// time without reserved concurrency: whoever writes it first, or after it
// expired, holds it until it expires or is released.
const (
	pfxLease  = "L#"
	skLease   = "L"
	typeLease = "lease"
)

// Lease is a held lease.
type Lease struct {
	Name, Owner string
	ExpiresAt   time.Time
}

// AcquireLease takes the named lease for ttl unless another holder's lease
// is unexpired; held is false then. ttl should cover the holder's longest
// run (a function's timeout), so a holder that dies frees it by expiry.
func (s *Store) AcquireLease(ctx context.Context, name string, ttl time.Duration) (l Lease, held bool, err error) {
	now := s.Now()
	l = Lease{Name: name, Owner: s.newID("lease_", now), ExpiresAt: now.Add(ttl)}
	item := key(pfxLease+name, skLease)
	item["type"] = &types.AttributeValueMemberS{Value: typeLease}
	item["owner"] = &types.AttributeValueMemberS{Value: l.Owner}
	item["expiresAtMs"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(l.ExpiresAt.UnixMilli(), 10)}
	// The table's TTL removes leases nobody takes again (a day later).
	item[table.TTL] = &types.AttributeValueMemberN{Value: strconv.FormatInt(l.ExpiresAt.Add(24*time.Hour).Unix(), 10)}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 &s.table,
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR expiresAtMs <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.UnixMilli(), 10)}},
	})
	if err != nil {
		if isConditionFailed(err) {
			return Lease{}, false, nil
		}
		return Lease{}, false, unavailable(err, "acquire lease "+name)
	}
	return l, true, nil
}

// ReleaseLease ends a held lease early, so the next run need not wait for
// its expiry. A lease that expired and was taken by another holder is left
// alone. It is an update, not a delete: a job that holds a lease needs no
// DeleteItem permission.
func (s *Store) ReleaseLease(ctx context.Context, l Lease) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      key(pfxLease+l.Name, skLease),
		UpdateExpression:         aws.String("SET expiresAtMs = :zero"),
		ConditionExpression:      aws.String("#owner = :owner"),
		ExpressionAttributeNames: map[string]string{"#owner": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":zero": &types.AttributeValueMemberN{Value: "0"}, ":owner": &types.AttributeValueMemberS{Value: l.Owner},
		},
	})
	if err != nil && !isConditionFailed(err) {
		return unavailable(err, "release lease "+l.Name)
	}
	return nil
}
