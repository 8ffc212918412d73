package email_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/email"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
)

const eventsDir = "../../events/email"

// stack is one email function on fresh emulator resources: a table, the raw
// mail and attachments buckets, and the two routing lanes.
type stack struct {
	h      *email.Handler
	cfg    email.Config
	st     *store.Store
	ingest *ingest.Service
	s3     *s3.Client
	sqs    *sqs.Client
	db     *dynamodb.Client
}

// newStack builds the stack; tweak, if given, changes the configuration
// before the clients are wired (to point at a bucket or table that is not there).
func newStack(t testing.TB, tweak ...func(*email.Config)) *stack {
	t.Helper()
	db, table := testenv.NewTable(t)
	s3c, raw := testenv.NewBucket(t)
	_, att := testenv.NewBucket(t)
	q, normal := testenv.NewQueue(t, testenv.QueueOptions{})
	_, urgent := testenv.NewQueue(t, testenv.QueueOptions{})
	cfg := email.Config{
		Settings: stage.Settings{TableName: table, DefaultPhoneRegion: "VN"}, RoutingQueueURL: normal, UrgentQueueURL: urgent,
		RawMailBucket: raw, RawMailPrefix: "inbound/", AttachmentsBucket: att,
		SupportAddresses: []string{"support@concierge.example.com", "Sales@Concierge.example.com"},
		ReplyDomain:      "concierge.example.com",
	}
	for _, f := range tweak {
		f(&cfg)
	}
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	st := store.New(db, cfg.TableName)
	svc := &ingest.Service{
		Store: st, Jobs: queue.Publisher{Client: q, NormalURL: normal, UrgentURL: urgent},
		Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: log,
	}
	return &stack{h: email.New(cfg, s3c, svc, st, email.WithLogger(log)), cfg: cfg, st: st, ingest: svc, s3: s3c, sqs: q, db: db}
}

// readEvent returns an events/email file and the SES message id it names.
func readEvent(t testing.TB, name string) ([]byte, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(eventsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Records []struct {
			SES struct {
				Mail struct {
					MessageID string `json:"messageId"`
				} `json:"mail"`
			} `json:"ses"`
			SNS struct {
				Message string `json:"Message"`
			} `json:"Sns"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	id := ev.Records[0].SES.Mail.MessageID
	if id == "" {
		var n struct {
			Mail struct {
				MessageID string `json:"messageId"`
			} `json:"mail"`
		}
		if err := json.Unmarshal([]byte(ev.Records[0].SNS.Message), &n); err != nil {
			t.Fatal(err)
		}
		id = n.Mail.MessageID
	}
	return b, id
}

func readEML(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(eventsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storeRaw puts a message where the receipt rule's S3 action would.
func (s *stack) storeRaw(t testing.TB, sesID string, raw []byte) {
	t.Helper()
	_, err := s.s3.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(s.cfg.RawMailBucket), Key: aws.String(s.cfg.RawMailPrefix + sesID), Body: bytes.NewReader(raw),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// deliver stores the raw message and invokes the handler with the event.
func (s *stack) deliver(t testing.TB, event string, raw []byte) string {
	t.Helper()
	ev, id := readEvent(t, event)
	s.storeRaw(t, id, raw)
	if err := s.h.Handle(context.Background(), ev); err != nil {
		t.Fatalf("Handle(%s): %v", event, err)
	}
	return id
}

// touchpoint returns the stored touchpoint of an SES message.
func (s *stack) touchpoint(t testing.TB, sesID string) domain.Touchpoint {
	t.Helper()
	tp, err := s.st.FindByProviderMessage(context.Background(), email.Provider, sesID)
	if err != nil {
		t.Fatalf("touchpoint of SES message %s: %v", sesID, err)
	}
	return tp
}

// customer finds a customer by email address; it must exist already.
func (s *stack) customer(t testing.TB, addr string) domain.Customer {
	t.Helper()
	r, err := s.st.ResolveCustomer(context.Background(), []domain.Identity{{Kind: domain.KindEmail, Value: addr}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Created {
		t.Fatalf("no customer had the address %s", addr)
	}
	return r.Customer
}

// jobs drains both routing lanes.
func (s *stack) jobs(t testing.TB) []ingest.Job {
	t.Helper()
	var out []ingest.Job
	for _, url := range []string{s.cfg.RoutingQueueURL, s.cfg.UrgentQueueURL} {
		for {
			r, err := s.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Messages) == 0 {
				break
			}
			for _, m := range r.Messages {
				var j ingest.Job
				if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &j); err != nil {
					t.Fatalf("routing job is not JSON: %v", err)
				}
				out = append(out, j)
				if _, err := s.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return out
}

// object reads an S3 object named by an s3:// URL.
func (s *stack) object(t testing.TB, url string) (*s3.GetObjectOutput, []byte) {
	t.Helper()
	rest, ok := bytes.CutPrefix([]byte(url), []byte("s3://"))
	if !ok {
		t.Fatalf("not an s3 URL: %q", url)
	}
	bucket, key, _ := bytes.Cut(rest, []byte("/"))
	out, err := s.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(string(bucket)), Key: aws.String(string(key))})
	if err != nil {
		t.Fatalf("GetObject %s: %v", url, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return out, b
}

func putInput(bucket, key string, body []byte) *s3.PutObjectInput {
	return &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}
}
