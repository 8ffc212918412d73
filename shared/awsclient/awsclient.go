// Package awsclient builds the AWS SDK clients every function uses from the
// environment. In AWS the defaults apply; locally DYNAMODB_ENDPOINT,
// SQS_ENDPOINT and S3_ENDPOINT point the clients at the emulators.
package awsclient

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Load reads the shared AWS configuration (region, credentials) once per cold start.
func Load(ctx context.Context) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx)
}

// DynamoDB returns a DynamoDB client, on DYNAMODB_ENDPOINT when it is set.
func DynamoDB(cfg aws.Config, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
		opts = append([]func(*dynamodb.Options){func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(ep) }}, opts...)
	}
	return dynamodb.NewFromConfig(cfg, opts...)
}

// SQS returns an SQS client, on SQS_ENDPOINT when it is set.
func SQS(cfg aws.Config, opts ...func(*sqs.Options)) *sqs.Client {
	if ep := os.Getenv("SQS_ENDPOINT"); ep != "" {
		opts = append([]func(*sqs.Options){func(o *sqs.Options) { o.BaseEndpoint = aws.String(ep) }}, opts...)
	}
	return sqs.NewFromConfig(cfg, opts...)
}

// S3 returns an S3 client, on S3_ENDPOINT (path-style, as the emulator needs) when it is set.
func S3(cfg aws.Config, opts ...func(*s3.Options)) *s3.Client {
	if ep := os.Getenv("S3_ENDPOINT"); ep != "" {
		opts = append([]func(*s3.Options){func(o *s3.Options) {
			o.BaseEndpoint = aws.String(ep)
			o.UsePathStyle = true
		}}, opts...)
	}
	return s3.NewFromConfig(cfg, opts...)
}
