// Package queue sends routing jobs to the SQS lanes.
package queue

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
)

// Lanes publishes urgent and high-priority jobs to the urgent lane and the
// rest to the normal lane. With no urgent lane configured, everything goes
// to the normal one.
type Lanes struct {
	Client    *sqs.Client
	NormalURL string
	UrgentURL string
}

// Publish sends one job as JSON, with its priority as a message attribute so
// a queue consumer can see it without decoding the body.
func (l Lanes) Publish(ctx context.Context, job ingest.Job) error {
	body, err := json.Marshal(job)
	if err != nil {
		return domain.Wrap(err, domain.CodeInternal, "encode routing job")
	}
	url := l.NormalURL
	if l.UrgentURL != "" && (job.Priority == domain.PriorityUrgent || job.Priority == domain.PriorityHigh) {
		url = l.UrgentURL
	}
	_, err = l.Client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(url),
		MessageBody: aws.String(string(body)),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"priority": {DataType: aws.String("String"), StringValue: aws.String(string(job.Priority))},
		},
	})
	if err != nil {
		return domain.Wrap(err, domain.CodeUnavailable, "routing queue unavailable")
	}
	return nil
}
