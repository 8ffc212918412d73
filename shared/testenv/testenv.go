// Package testenv gives tests real AWS SDK clients on the local emulators that `make test` starts
// (scripts/withemulators): DynamoDB Local, and fauxqs for SQS and S3. Each New* helper makes a
// fresh resource with a unique name and removes it when the test ends, so tests can run in
// parallel against one emulator.
//
// Without the emulators a test fails (never skips) with a message saying how to start them.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamotypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/concierge-cx/concierge/shared/store/table"
)

// Environment variables set by scripts/withemulators.
const (
	EnvDynamoDB = "DYNAMODB_ENDPOINT"
	EnvSQS      = "SQS_ENDPOINT"
	EnvS3       = "S3_ENDPOINT"
)

// cleanupTimeout bounds each resource's removal; t.Context() is already cancelled when cleanups run.
const cleanupTimeout = 30 * time.Second

// DynamoDB returns a client for DynamoDB Local.
func DynamoDB(t testing.TB) *dynamodb.Client {
	t.Helper()
	ep := endpoint(t, EnvDynamoDB, "DynamoDB Local")
	return dynamodb.NewFromConfig(awsConfig(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(ep)
	})
}

// NewTable creates a fresh Concierge table (shared/store/table: keys, three GSIs, TTL) with a
// unique name, waits until it is active, and deletes it when the test ends.
func NewTable(t testing.TB) (client *dynamodb.Client, name string) {
	t.Helper()
	client = DynamoDB(t)
	name = uniqueName(t, 255)
	if err := table.EnsureTable(t.Context(), client, name); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		var notFound *dynamotypes.ResourceNotFoundException
		if err != nil && !errors.As(err, &notFound) {
			t.Errorf("testenv: deleting table %s: %v", name, err)
		}
	})
	return client, name
}

// SQS returns a client for fauxqs's SQS API.
func SQS(t testing.TB) *sqs.Client {
	t.Helper()
	ep := endpoint(t, EnvSQS, "fauxqs (SQS)")
	return sqs.NewFromConfig(awsConfig(), func(o *sqs.Options) {
		o.BaseEndpoint = aws.String(ep)
	})
}

// QueueOptions shapes a queue made by NewQueue. The zero value is a standard queue with the
// service defaults.
type QueueOptions struct {
	// VisibilityTimeout in whole seconds; 0 keeps the default (30s). Redrive tests want it small.
	VisibilityTimeout int
	// DeadLetterQueueURL, when set, redrives messages there after MaxReceiveCount receives.
	DeadLetterQueueURL string
	// MaxReceiveCount is the redrive threshold; it must be at least 1 when DeadLetterQueueURL is set.
	MaxReceiveCount int
}

// NewQueue creates a standard queue with a unique name and deletes it when the test ends.
// For a dead-letter setup, create the DLQ with NewQueue first and pass its URL.
func NewQueue(t testing.TB, opts QueueOptions) (client *sqs.Client, queueURL string) {
	t.Helper()
	client = SQS(t)
	ctx := t.Context()
	attrs := map[string]string{}
	if opts.VisibilityTimeout > 0 {
		attrs[string(sqstypes.QueueAttributeNameVisibilityTimeout)] = strconv.Itoa(opts.VisibilityTimeout)
	}
	if opts.DeadLetterQueueURL != "" {
		if opts.MaxReceiveCount < 1 {
			t.Fatalf("testenv: QueueOptions.MaxReceiveCount must be at least 1 with a dead-letter queue, got %d", opts.MaxReceiveCount)
		}
		out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl:       aws.String(opts.DeadLetterQueueURL),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
		})
		if err != nil {
			t.Fatalf("testenv: reading the dead-letter queue's ARN: %v", err)
		}
		arn := out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
		attrs[string(sqstypes.QueueAttributeNameRedrivePolicy)] = fmt.Sprintf(
			`{"deadLetterTargetArn":%q,"maxReceiveCount":%d}`, arn, opts.MaxReceiveCount)
	}
	name := uniqueName(t, 80)
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("testenv: creating queue %s: %v", name, err)
	}
	queueURL = aws.ToString(out.QueueUrl)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		_, err := client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(queueURL)})
		var gone *sqstypes.QueueDoesNotExist
		if err != nil && !errors.As(err, &gone) {
			t.Errorf("testenv: deleting queue %s: %v", queueURL, err)
		}
	})
	return client, queueURL
}

// S3 returns a client for fauxqs's S3 API. It uses path-style addressing
// (http://127.0.0.1:PORT/BUCKET/KEY): fauxqs serves buckets in the path on its one endpoint.
func S3(t testing.TB) *s3.Client {
	t.Helper()
	ep := endpoint(t, EnvS3, "fauxqs (S3)")
	return s3.NewFromConfig(awsConfig(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(ep)
		o.UsePathStyle = true
	})
}

// NewBucket creates a bucket with a unique name and, when the test ends, empties and deletes it.
func NewBucket(t testing.TB) (client *s3.Client, bucket string) {
	t.Helper()
	client = S3(t)
	bucket = uniqueName(t, 63)
	if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("testenv: creating bucket %s: %v", bucket, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := deleteBucket(ctx, client, bucket); err != nil {
			t.Errorf("testenv: deleting bucket %s: %v", bucket, err)
		}
	})
	return client, bucket
}

func deleteBucket(ctx context.Context, client *s3.Client, bucket string) error {
	pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			var missing *s3types.NoSuchBucket
			if errors.As(err, &missing) {
				return nil
			}
			return err
		}
		for _, obj := range page.Contents {
			if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: obj.Key}); err != nil {
				return err
			}
		}
	}
	_, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	return err
}

func endpoint(t testing.TB, env, what string) string {
	t.Helper()
	ep := os.Getenv(env)
	if ep == "" {
		t.Fatalf("%s is not running (%s is unset): run `make test`, which starts the emulators, "+
			"or wrap the command: go run ./scripts/withemulators -- go test ./...", what, env)
	}
	return ep
}

// awsConfig uses static credentials so no test ever reads a developer's AWS profile or reaches
// for instance metadata.
func awsConfig() aws.Config {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" || secret == "" {
		key, secret = "local", "local"
	}
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
	}
}

// uniqueName derives a name valid for tables, queues and buckets alike (lower-case letters,
// digits and hyphens) from the test's name plus random hex, within max characters.
func uniqueName(t testing.TB, max int) string {
	var b strings.Builder
	lastHyphen := true // no leading hyphen
	for _, r := range strings.ToLower(t.Name()) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			lastHyphen = false
		case !lastHyphen:
			b.WriteByte('-')
			lastHyphen = true
		}
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	suffix := hex.EncodeToString(rnd[:])
	prefix := strings.Trim(b.String(), "-")
	if room := max - len(suffix) - 1; len(prefix) > room {
		prefix = strings.Trim(prefix[:room], "-")
	}
	if prefix == "" {
		prefix = "t"
	}
	return prefix + "-" + suffix
}
