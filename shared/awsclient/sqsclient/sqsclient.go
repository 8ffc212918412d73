// Package sqsclient builds the SQS client, on SQS_ENDPOINT when it is set
// (the local stack and the tests point it at fauxqs).
package sqsclient

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// New returns an SQS client.
func New(cfg aws.Config, opts ...func(*sqs.Options)) *sqs.Client {
	if ep := os.Getenv("SQS_ENDPOINT"); ep != "" {
		opts = append([]func(*sqs.Options){func(o *sqs.Options) { o.BaseEndpoint = aws.String(ep) }}, opts...)
	}
	return sqs.NewFromConfig(cfg, opts...)
}
