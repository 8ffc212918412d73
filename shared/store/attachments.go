package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
)

// SetAttachments records a touchpoint's attachments as they now stand (a
// provider's media downloaded into the attachments bucket, or kept as a
// reference with a note: shared/media). The touchpoint must exist: one
// merged away or erased since is not written again.
func (s *Store) SetAttachments(ctx context.Context, customerID, touchpointID string, atts []domain.Attachment) error {
	av, err := attributevalue.Marshal(atts)
	if err != nil {
		return domain.Wrap(err, domain.CodeInternal, "encode attachments")
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       eventKey(customerID, touchpointID),
		UpdateExpression:          aws.String("SET attachments = :a"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": av},
	})
	if isConditionFailed(err) {
		return domain.Errorf(domain.CodeNotFound, "touchpoint %s not found", touchpointID)
	}
	return unavailable(err, "record attachments")
}
