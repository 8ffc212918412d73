// Package costs turns what one message was measured to use (requests,
// invocations, milliseconds, write units, log bytes) into dollars, with the
// list prices below: the one place they are kept.
package costs

// Prices are the AWS list prices the estimate uses: on-demand, us-east-1,
// USD, without free tiers, as published on the AWS pricing pages of each
// service (aws.amazon.com/api-gateway/pricing, /lambda/pricing,
// /sqs/pricing, /dynamodb/pricing/on-demand, /cloudwatch/pricing), recorded
// on 2026-11-29. DynamoDB's are the on-demand prices after the November 2024
// reduction. ap-southeast-1 (Singapore, the region nearest Vietnam) lists
// higher prices for most of these; re-price before quoting for it.
var Prices = struct {
	Date, Region, Source string

	APIRequestPerMillion    float64 // HTTP API, first 300 million a month
	LambdaRequestPerMillion float64
	LambdaGBSecond          float64 // arm64
	SQSRequestPerMillion    float64 // standard queue, per 64 KB chunk
	WRUPerMillion           float64 // DynamoDB on-demand write request unit
	RRUPerMillion           float64 // DynamoDB on-demand read request unit
	LogIngestPerGB          float64 // CloudWatch Logs, standard class
}{
	Date: "2026-11-29", Region: "us-east-1",
	Source: "aws.amazon.com pricing pages of API Gateway, Lambda, SQS, DynamoDB (on-demand) and CloudWatch",

	APIRequestPerMillion:    1.00,
	LambdaRequestPerMillion: 0.20,
	LambdaGBSecond:          0.0000133334,
	SQSRequestPerMillion:    0.40,
	WRUPerMillion:           0.625,
	RRUPerMillion:           0.125,
	LogIngestPerGB:          0.50,
}

// Assumptions the measured counts need to become a bill.
const (
	// LambdaMemoryMB is the webhook and router functions' memory
	// (infra/stack/functions.go).
	LambdaMemoryMB = 256
	// SQSRequestsPerJob: a published job is sent, received and deleted (the
	// Lambda poller's batch of one, the worst case; its empty long polls
	// while idle are not per message and are left out).
	SQSRequestsPerJob = 3
	// PlatformLogBytes is what Lambda itself logs per invocation (its START,
	// END and REPORT lines), besides what the function writes.
	PlatformLogBytes = 300
	// FollowUpsPerConversation is the message mix cost.usd_per_million_messages
	// assumes: a conversation opens with one message and the customer writes
	// this many more.
	FollowUpsPerConversation = 4
)
