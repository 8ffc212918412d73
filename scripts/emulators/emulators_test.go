package emulators_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/concierge-cx/concierge/scripts/emulators"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// clients builds SDK clients for a Running pair the way the dev stack will.
type clients struct {
	ddb *dynamodb.Client
	sqs *sqs.Client
	s3  *s3.Client
}

func clientsFor(r *emulators.Running) clients {
	cfg := aws.Config{Region: emulators.Region, Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	return clients{
		ddb: dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(r.DynamoDBEndpoint) }),
		sqs: sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(r.FauxqsEndpoint) }),
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = aws.String(r.FauxqsEndpoint)
			o.UsePathStyle = true
		}),
	}
}

func start(t *testing.T, ctx context.Context, dir string) *emulators.Running {
	t.Helper()
	var out bytes.Buffer
	r, err := emulators.Start(ctx, emulators.Options{PersistDir: dir, Out: &out})
	if err != nil {
		t.Fatalf("Start: %v\n%s", err, out.String())
	}
	t.Cleanup(r.Stop)
	return r
}

// TestPersistentEmulatorsKeepDataAcrossRestarts covers what `make dev` relies on: data written
// before a restart is there after it, both emulators are reachable on loopback only, and Stop
// frees their ports.
func TestPersistentEmulatorsKeepDataAcrossRestarts(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()

	first := start(t, ctx, dir)
	assertLoopbackOnly(t, first.DynamoDBEndpoint, first.FauxqsEndpoint)
	for _, kv := range first.Env() {
		if strings.HasPrefix(kv, "DYNAMODB_ENDPOINT=") && kv != "DYNAMODB_ENDPOINT="+first.DynamoDBEndpoint ||
			strings.HasPrefix(kv, "SQS_ENDPOINT=") && kv != "SQS_ENDPOINT="+first.FauxqsEndpoint {
			t.Errorf("Env has %s, want the running endpoints", kv)
		}
	}

	c := clientsFor(first)
	if err := table.EnsureTable(ctx, c.ddb, table.DefaultName); err != nil {
		t.Fatal(err)
	}
	key := map[string]types.AttributeValue{
		table.PK: &types.AttributeValueMemberS{Value: "CUST#kept"},
		table.SK: &types.AttributeValueMemberS{Value: "PROFILE"},
	}
	if _, err := c.ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table.DefaultName), Item: key}); err != nil {
		t.Fatal(err)
	}
	q, err := c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("urgent")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("raw-mail")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("raw-mail"), Key: aws.String("m1"), Body: strings.NewReader("kept")}); err != nil {
		t.Fatal(err)
	}

	first.Stop()
	for _, ep := range []string{first.DynamoDBEndpoint, first.FauxqsEndpoint} {
		if conn, err := net.DialTimeout("tcp", hostPort(t, ep), time.Second); err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections after Stop", ep)
		}
	}

	second := start(t, ctx, dir)
	c = clientsFor(second)
	got, err := c.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table.DefaultName), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetItem after restart: %v", err)
	}
	if got.Item == nil {
		t.Error("DynamoDB item lost across restart")
	}
	urlOut, err := c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("urgent")})
	if err != nil {
		t.Fatalf("queue lost across restart: %v", err)
	}
	msgs, err := c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: urlOut.QueueUrl, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs.Messages) != 1 || aws.ToString(msgs.Messages[0].Body) != "kept" {
		t.Errorf("messages after restart = %+v, want the one sent before", msgs.Messages)
	}
	obj, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("raw-mail"), Key: aws.String("m1")})
	if err != nil {
		t.Fatalf("S3 object lost across restart: %v", err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(body) != "kept" {
		t.Errorf("S3 object after restart = %q, want %q", body, "kept")
	}
}

func hostPort(t *testing.T, endpoint string) string {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("endpoint %q is not on 127.0.0.1", endpoint)
	}
	return u.Host
}

// assertLoopbackOnly dials each emulator's port on the machine's other addresses, which must
// refuse: the emulators would otherwise be reachable from the network.
func assertLoopbackOnly(t *testing.T, endpoints ...string) {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range endpoints {
		_, port, _ := net.SplitHostPort(hostPort(t, ep))
		for _, a := range addrs {
			ipnet, ok := a.(*net.IPNet)
			if !ok || ipnet.IP.IsLoopback() || ipnet.IP.IsLinkLocalUnicast() {
				continue
			}
			target := net.JoinHostPort(ipnet.IP.String(), port)
			if conn, err := net.DialTimeout("tcp", target, time.Second); err == nil {
				conn.Close()
				t.Errorf("%s is reachable on %s; it must listen on 127.0.0.1 only", ep, target)
			}
		}
	}
}
