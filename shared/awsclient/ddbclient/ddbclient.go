// Package ddbclient builds the DynamoDB client, on DYNAMODB_ENDPOINT when it
// is set (the local stack and the tests point it at DynamoDB Local).
package ddbclient

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// New returns a DynamoDB client.
func New(cfg aws.Config, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
		opts = append([]func(*dynamodb.Options){func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(ep) }}, opts...)
	}
	return dynamodb.NewFromConfig(cfg, opts...)
}
