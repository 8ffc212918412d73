package queue_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/testenv"
)

// drain reads every message now in a queue and returns the jobs' conversation ids.
func drain(t *testing.T, client *sqs.Client, url string) []string {
	t.Helper()
	var ids []string
	for {
		out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return ids
		}
		for _, m := range out.Messages {
			j, err := jobs.Decode([]byte(aws.ToString(m.Body)))
			if err != nil {
				t.Fatal(err)
			}
			switch j := j.(type) {
			case jobs.Routing:
				ids = append(ids, j.ConversationID)
			case jobs.Escalation:
				ids = append(ids, "escalation:"+j.ConversationID)
			}
			if _, err := client.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Publish picks the lane by priority; PublishUrgent sends to the urgent lane
// whatever the priority, and to the normal one when there is no urgent lane.
func TestPublishUrgentGoesToTheUrgentLaneWhateverThePriority(t *testing.T) {
	client, normal := testenv.NewQueue(t, testenv.QueueOptions{})
	_, urgent := testenv.NewQueue(t, testenv.QueueOptions{})
	ctx := context.Background()
	lanes := queue.Publisher{Client: client, NormalURL: normal, UrgentURL: urgent}
	if err := lanes.Publish(ctx, jobs.Routing{ConversationID: "normal", Priority: domain.PriorityNormal}); err != nil {
		t.Fatal(err)
	}
	if err := lanes.Publish(ctx, jobs.Routing{ConversationID: "high", Priority: domain.PriorityHigh}); err != nil {
		t.Fatal(err)
	}
	if err := lanes.PublishUrgent(ctx, jobs.Escalation{ConversationID: "escalated-low", Priority: domain.PriorityLow}); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, client, normal); len(got) != 1 || got[0] != "normal" {
		t.Fatalf("normal lane got %v, want [normal]", got)
	}
	got := drain(t, client, urgent)
	if len(got) != 2 || !(got[0] == "high" && got[1] == "escalation:escalated-low" || got[0] == "escalation:escalated-low" && got[1] == "high") {
		t.Fatalf("urgent lane got %v, want high and the escalation of escalated-low", got)
	}
	single := queue.Publisher{Client: client, NormalURL: normal}
	if err := single.PublishUrgent(ctx, jobs.Escalation{ConversationID: "no-urgent-lane", Priority: domain.PriorityNormal}); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, client, normal); len(got) != 1 || got[0] != "escalation:no-urgent-lane" {
		t.Fatalf("without an urgent lane the normal lane got %v", got)
	}
}
