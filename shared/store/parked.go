package store

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/tabledef"
)

// Parked routing jobs: a message stored while its routing queue was down.
// Ingest answers the provider 5xx (it will usually retry), and parks the job
// here so that the SLA function publishes it again when the queue is back,
// even when no provider retry comes. Only an outage writes these items, so
// the one partition is never hot and a healthy message costs nothing extra.
const (
	pkParked      = "PARKED"
	typeParkedJob = "parkedJob"
	// parkedLayout is fixed-width, so sort keys order as times do.
	parkedLayout = "2006-01-02T15:04:05.000Z"
)

// ParkedJob is one routing job waiting to be published again.
type ParkedJob struct {
	Key      string    // the item's sort key, for UnparkJob
	ParkedAt time.Time // when the publish failed
	Payload  []byte    // the job as the lane carries it
}

// ParkJob keeps a routing job whose publish failed. Parking the same
// touchpoint twice keeps one item per failure; publishing a job twice is
// harmless (routing is idempotent by touchpoint).
func (s *Store) ParkJob(ctx context.Context, touchpointID string, payload []byte) error {
	now := s.Now()
	item := key(pkParked, now.Format(parkedLayout)+"#"+touchpointID)
	item["type"] = &types.AttributeValueMemberS{Value: typeParkedJob}
	item["job"] = &types.AttributeValueMemberB{Value: payload}
	// Left alone for two weeks, a job is beyond saving; TTL keeps the partition small.
	item[tabledef.TTL] = &types.AttributeValueMemberN{Value: itoa(now.Add(14 * 24 * time.Hour).Unix())}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item})
	return unavailable(err, "park a routing job")
}

// ParkedJobs lists jobs parked before the given time, oldest first.
func (s *Store) ParkedJobs(ctx context.Context, before time.Time, limit int) ([]ParkedJob, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String(tabledef.PK + " = :p AND " + tabledef.SK + " < :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": &types.AttributeValueMemberS{Value: pkParked},
			":t": &types.AttributeValueMemberS{Value: before.UTC().Format(parkedLayout)},
		},
		Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, unavailable(err, "list parked routing jobs")
	}
	jobs := make([]ParkedJob, 0, len(out.Items))
	for _, it := range out.Items {
		sk := str(it, tabledef.SK)
		j := ParkedJob{Key: sk}
		if ts, _, ok := strings.Cut(sk, "#"); ok {
			j.ParkedAt, _ = time.Parse(parkedLayout, ts)
		}
		if b, ok := it["job"].(*types.AttributeValueMemberB); ok {
			j.Payload = b.Value
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// UnparkJob removes a job once it was published again.
func (s *Store) UnparkJob(ctx context.Context, sk string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(pkParked, sk)})
	return unavailable(err, "unpark a routing job")
}
