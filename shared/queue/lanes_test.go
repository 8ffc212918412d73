package queue_test

import (
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/email"
	"github.com/concierge-cx/concierge/shared/queue"
)

func TestLanesMatchTheDeployedMappings(t *testing.T) {
	if queue.Urgent.BatchSize != 1 || queue.Urgent.MaxBatchingWindow != 0 {
		t.Errorf("urgent lane batches %d in %s, want one message at once", queue.Urgent.BatchSize, queue.Urgent.MaxBatchingWindow)
	}
	if queue.Normal.BatchSize != 10 || queue.Normal.MaxBatchingWindow != 2*time.Second {
		t.Errorf("normal lane batches %d in %s, want 10 within 2s", queue.Normal.BatchSize, queue.Normal.MaxBatchingWindow)
	}
	seen := map[string]bool{}
	for _, l := range queue.Lanes() {
		if l.MaxReceiveCount != 5 {
			t.Errorf("%s: maxReceiveCount %d, want 5", l.Key, l.MaxReceiveCount)
		}
		if l.VisibilityTimeout() != 6*l.ConsumerTimeout || l.VisibilityTimeout() < l.ConsumerTimeout {
			t.Errorf("%s: visibility %s for a %s consumer", l.Key, l.VisibilityTimeout(), l.ConsumerTimeout)
		}
		// SQS allows at most 12 hours of visibility and Lambda at most 10 messages per batch on a standard
		// queue with no window, 10000 with one.
		if l.VisibilityTimeout() > 12*time.Hour || l.BatchSize < 1 || (l.MaxBatchingWindow == 0 && l.BatchSize > 10) {
			t.Errorf("%s: settings SQS or Lambda would refuse", l.Key)
		}
		if l.DLQ() != l.Queue+"-dlq" {
			t.Errorf("%s: DLQ %s", l.Key, l.DLQ())
		}
		for _, name := range []string{l.Queue, l.DLQ(), l.EnvVar} {
			if seen[name] {
				t.Errorf("%s used twice", name)
			}
			seen[name] = true
		}
	}
	for _, b := range email.Buckets() {
		if seen[b.Name] || seen[b.EnvVar] {
			t.Errorf("bucket %s reuses a name", b.Name)
		}
		seen[b.Name], seen[b.EnvVar] = true, true
	}
}
