// Package queue is the routing lanes: their one definition (lanes.go), read by the code, the local stack and
// the CDK stack, and the Publisher that sends jobs (shared/jobs) to them (sqs.go).
package queue

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/jobs"
)

// Publisher publishes urgent and high-priority jobs to the urgent lane and the
// rest to the normal lane; PublishUrgent sends to the urgent lane whatever
// the priority. With no urgent lane configured, everything goes to the
// normal one.
type Publisher struct {
	Client    *sqs.Client
	NormalURL string
	UrgentURL string
}

// Publish sends one job as JSON, with its priority as a message attribute so
// a queue consumer can see it without decoding the body.
func (l Publisher) Publish(ctx context.Context, job jobs.Routing) error {
	url := l.NormalURL
	if job.Priority == domain.PriorityUrgent || job.Priority == domain.PriorityHigh {
		url = l.urgent()
	}
	return l.send(ctx, url, job)
}

// PublishUrgent sends any job to the urgent lane whatever its priority (an
// SLA escalation must be assigned at once), or to the normal lane when no
// urgent lane is configured.
func (l Publisher) PublishUrgent(ctx context.Context, job jobs.Job) error {
	return l.send(ctx, l.urgent(), job)
}

func (l Publisher) urgent() string {
	if l.UrgentURL != "" {
		return l.UrgentURL
	}
	return l.NormalURL
}

func (l Publisher) send(ctx context.Context, url string, job jobs.Job) error {
	body, err := jobs.Encode(job)
	if err != nil {
		return domain.Wrap(err, domain.CodeInternal, "encode routing job")
	}
	_, err = l.Client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(url),
		MessageBody: aws.String(string(body)),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"priority": {DataType: aws.String("String"), StringValue: aws.String(string(jobs.PriorityOf(job)))},
		},
	})
	if err != nil {
		return domain.Wrap(err, domain.CodeUnavailable, "routing queue unavailable")
	}
	return nil
}

// PublishMedia sends a media download job to the normal lane: a file is
// never urgent, and its download must not take the urgent lane's turns.
func (l Publisher) PublishMedia(ctx context.Context, job jobs.Media) error {
	return l.send(ctx, l.NormalURL, job)
}
