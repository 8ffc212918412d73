package testenv_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamotypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/concierge-cx/concierge/shared/store/table"
	"github.com/concierge-cx/concierge/shared/testenv"
)

func TestNewTableStoresItemsAndReportsCapacity(t *testing.T) {
	t.Parallel()
	client, name := testenv.NewTable(t)
	ctx := t.Context()

	desc, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.Table.TableStatus; got != dynamotypes.TableStatusActive {
		t.Errorf("table status = %s, want ACTIVE", got)
	}
	indexes := map[string]dynamotypes.ProjectionType{}
	for _, ix := range desc.Table.GlobalSecondaryIndexes {
		indexes[aws.ToString(ix.IndexName)] = ix.Projection.ProjectionType
	}
	for _, want := range table.Table().Indexes {
		wantType := dynamotypes.ProjectionTypeKeysOnly
		if len(want.Include) > 0 {
			wantType = dynamotypes.ProjectionTypeInclude
		}
		if indexes[want.Name] != wantType {
			t.Errorf("index %s: projection %q, want %s (indexes: %v)", want.Name, indexes[want.Name], wantType, indexes)
		}
	}
	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || aws.ToString(d.AttributeName) != table.TTL ||
		d.TimeToLiveStatus != dynamotypes.TimeToLiveStatusEnabled {
		t.Errorf("TTL = %+v, want enabled on %s", d, table.TTL)
	}

	key := map[string]dynamotypes.AttributeValue{
		table.PK: &dynamotypes.AttributeValueMemberS{Value: "CUST#01"},
		table.SK: &dynamotypes.AttributeValueMemberS{Value: "PROFILE"},
	}
	item := map[string]dynamotypes.AttributeValue{
		table.PK: key[table.PK],
		table.SK: key[table.SK],
		"name":   &dynamotypes.AttributeValueMemberS{Value: "Nguyễn Thị Hoa"},
	}
	put, err := client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:              aws.String(name),
		Item:                   item,
		ReturnConsumedCapacity: dynamotypes.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		t.Fatal(err)
	}
	if put.ConsumedCapacity == nil || aws.ToFloat64(put.ConsumedCapacity.CapacityUnits) <= 0 {
		t.Errorf("PutItem ConsumedCapacity = %+v, want write units reported", put.ConsumedCapacity)
	}
	get, err := client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(name),
		Key:                    key,
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: dynamotypes.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := get.Item["name"].(*dynamotypes.AttributeValueMemberS)
	if got == nil || got.Value != "Nguyễn Thị Hoa" {
		t.Errorf("GetItem name = %#v, want the stored name", get.Item["name"])
	}
	if get.ConsumedCapacity == nil || aws.ToFloat64(get.ConsumedCapacity.CapacityUnits) <= 0 {
		t.Errorf("GetItem ConsumedCapacity = %+v, want read units reported", get.ConsumedCapacity)
	}
}

func TestNewTableIsDeletedAfterTheTest(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		_, name = testenv.NewTable(t)
	})
	_, err := testenv.DynamoDB(t).DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var notFound *dynamotypes.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("DescribeTable(%s) after the test = %v, want ResourceNotFoundException", name, err)
	}
}

func TestNewQueueSendsAndReceives(t *testing.T) {
	t.Parallel()
	client, url := testenv.NewQueue(t, testenv.QueueOptions{})
	ctx := t.Context()
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("xin chào")}); err != nil {
		t.Fatal(err)
	}
	out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "xin chào" {
		t.Fatalf("received %+v, want the one message sent", out.Messages)
	}
	if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"} {
		if attrs.Attributes[a] != "0" {
			t.Errorf("%s = %q after delete, want 0", a, attrs.Attributes[a])
		}
	}
}

func TestNewQueueRedrivesToDeadLetterQueueAfterMaxReceives(t *testing.T) {
	t.Parallel()
	const maxReceives = 2
	_, dlq := testenv.NewQueue(t, testenv.QueueOptions{})
	client, url := testenv.NewQueue(t, testenv.QueueOptions{DeadLetterQueueURL: dlq, MaxReceiveCount: maxReceives})
	ctx := t.Context()
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("poison")}); err != nil {
		t.Fatal(err)
	}
	receive := func(queue string) []string {
		t.Helper()
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
			// Give the message back at once, as a consumer that failed it would, rather than
			// waiting out the 30s visibility timeout.
			if _, err := client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(queue), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0,
			}); err != nil {
				t.Fatal(err)
			}
		}
		return bodies
	}
	for i := 1; i <= maxReceives; i++ {
		if got := receive(url); len(got) != 1 || got[0] != "poison" {
			t.Fatalf("receive %d on the source queue = %v, want the message", i, got)
		}
	}
	if got := receive(url); len(got) != 0 {
		t.Fatalf("receive %d on the source queue = %v, want nothing: the message should have moved to the DLQ", maxReceives+1, got)
	}
	if got := receive(dlq); len(got) != 1 || got[0] != "poison" {
		t.Fatalf("receive on the DLQ = %v, want the message", got)
	}
}

func TestNewBucketStoresObjects(t *testing.T) {
	t.Parallel()
	client, bucket := testenv.NewBucket(t)
	ctx := t.Context()
	body := []byte("From: khach@example.vn\r\nSubject: Đơn hàng\r\n\r\nxin chào\r\n")
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("inbound/msg-1.eml"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("inbound/msg-1.eml")})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("GetObject = %q, want %q", got, body)
	}
}

func TestNewBucketIsDeletedWithItsObjects(t *testing.T) {
	t.Parallel()
	var bucket string
	t.Run("inner", func(t *testing.T) {
		var client *s3.Client
		client, bucket = testenv.NewBucket(t)
		if _, err := client.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("left-behind"), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := testenv.S3(t).HeadBucket(t.Context(), &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err == nil {
		t.Errorf("bucket %s still exists after the test", bucket)
	}
}

func TestUniqueNamesAreValidForEveryResource(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[a-z0-9][a-z0-9-]*[a-z0-9]$`)
	seen := map[string]bool{}
	names := []string{"Simple", "With Spaces/And_Underscores", strings.Repeat("VeryLong", 20), "Ünïcödé tên Việt"}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			// A bucket name is the tightest limit: 3 to 63 characters.
			_, bucket := testenv.NewBucket(t)
			if len(bucket) < 3 || len(bucket) > 63 || !valid.MatchString(bucket) {
				t.Errorf("bucket name %q is not a valid S3 bucket name", bucket)
			}
			if seen[bucket] {
				t.Errorf("bucket name %q reused", bucket)
			}
			seen[bucket] = true
		})
	}
}

// fatalRecorder stands in for *testing.T to observe a helper's Fatalf without failing this test.
type fatalRecorder struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.msg = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func TestMissingEmulatorFailsWithInstructions(t *testing.T) {
	cases := []struct {
		env  string
		call func(testing.TB)
		want string
	}{
		{testenv.EnvDynamoDB, func(tb testing.TB) { testenv.DynamoDB(tb) }, "DynamoDB Local is not running"},
		{testenv.EnvSQS, func(tb testing.TB) { testenv.SQS(tb) }, "fauxqs (SQS) is not running"},
		{testenv.EnvS3, func(tb testing.TB) { testenv.S3(tb) }, "fauxqs (S3) is not running"},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv(c.env, "")
			rec := &fatalRecorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				c.call(rec)
			}()
			<-done
			if !strings.Contains(rec.msg, c.want) || !strings.Contains(rec.msg, "make test") {
				t.Errorf("Fatalf message = %q, want it to say %q and how to start the emulators", rec.msg, c.want)
			}
		})
	}
}
