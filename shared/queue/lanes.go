// The one definition of the lanes (the routing queues) and their consumers that the code, the local stack
// (scripts/devstack) and the CDK stack all read, so the event source mappings run locally with the batch sizes,
// windows, visibility timeouts and redrive of the deployed stack.

package queue

import "time"

// Lane is one SQS queue with its dead-letter queue and the event source mapping that feeds its consumer.
type Lane struct {
	// Key names the lane in logs and health reports: "urgent" or "normal".
	Key string
	// Queue is the queue's base name; the deployed and local names are Prefix + Queue.
	Queue string
	// EnvVar is the variable that carries the queue's URL to every function.
	EnvVar string
	// Consumer is the function (binary) the event source mapping invokes.
	Consumer string
	// Deployment is the deployed function that consumes this lane: the router
	// is one binary deployed once per lane, so a flood on the normal lane
	// cannot take the concurrency the urgent lane needs. Locally one host
	// serves both.
	Deployment string
	// BatchSize is the most messages one invocation receives.
	BatchSize int
	// MaxBatchingWindow is how long the mapping gathers messages before invoking with a partial batch
	// (0: invoke with whatever the first receive returned).
	MaxBatchingWindow time.Duration
	// MaxReceiveCount is the redrive threshold: a message received this many times without being deleted
	// moves to the dead-letter queue.
	MaxReceiveCount int
	// ConsumerTimeout is the consumer's function timeout.
	ConsumerTimeout time.Duration
	// ReportBatchItemFailures: the consumer answers events.SQSEventResponse, so one bad message does not
	// send the whole batch back.
	ReportBatchItemFailures bool
}

// DLQ is the dead-letter queue's base name.
func (l Lane) DLQ() string { return l.Queue + "-dlq" }

// VisibilityTimeout is six times the consumer's timeout, AWS's advice for a queue feeding Lambda: a batch
// that is retried after throttling still cannot reappear while it is being processed.
func (l Lane) VisibilityTimeout() time.Duration { return 6 * l.ConsumerTimeout }

// RouterTimeout is the router function's timeout; it consumes both lanes.
const RouterTimeout = 30 * time.Second

// DefaultMaxReceiveCount sends a message to its DLQ after five failed receives.
const DefaultMaxReceiveCount = 5

// Urgent is the fast lane: one message per invocation, no waiting.
var Urgent = Lane{
	Key: "urgent", Queue: "concierge-urgent", EnvVar: "URGENT_QUEUE_URL", Consumer: "router", Deployment: "router-urgent",
	BatchSize: 1, MaxBatchingWindow: 0, MaxReceiveCount: DefaultMaxReceiveCount,
	ConsumerTimeout: RouterTimeout, ReportBatchItemFailures: true,
}

// Normal is the batch lane: up to ten messages, gathered for up to two seconds.
var Normal = Lane{
	Key: "normal", Queue: "concierge-normal", EnvVar: "ROUTING_QUEUE_URL", Consumer: "router", Deployment: "router-normal",
	BatchSize: 10, MaxBatchingWindow: 2 * time.Second, MaxReceiveCount: DefaultMaxReceiveCount,
	ConsumerTimeout: RouterTimeout, ReportBatchItemFailures: true,
}

// Lanes lists the lanes, urgent first.
func Lanes() []Lane { return []Lane{Urgent, Normal} }
