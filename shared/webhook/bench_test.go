package webhook_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/channelstest"
	"github.com/concierge-cx/concierge/shared/channels/meta"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/channels/twilio"
	"github.com/concierge-cx/concierge/shared/channels/vonage"
	"github.com/concierge-cx/concierge/shared/channels/zalo"
	"github.com/concierge-cx/concierge/shared/ddbmeter"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
	"github.com/concierge-cx/concierge/shared/webhook"
)

// A provider's sample event, made new for each iteration: a fresh message id
// in the body, signed again the provider's way. The sender stays the same,
// so after the first message these are a known customer's messages.
type provider struct {
	name, file string
	fresh      func(ev events.APIGatewayV2HTTPRequest, i int) events.APIGatewayV2HTTPRequest
}

func replaceID(body, pattern, repl string) string {
	return regexp.MustCompile(pattern).ReplaceAllString(body, repl)
}

var providers = []provider{
	{"twilio", "twilio-messages-sms.json", func(ev events.APIGatewayV2HTTPRequest, i int) events.APIGatewayV2HTTPRequest {
		body := replaceID(ev.Body, `SM[0-9a-f]{32}`, fmt.Sprintf("SM%032x", i+1))
		params, _ := url.ParseQuery(body)
		ev.Body, ev.IsBase64Encoded = body, false
		ev.Headers["x-twilio-signature"] = twilio.Signature(testsecrets.TwilioAuthToken, testsecrets.PublicBaseURL+ev.RawPath, params)
		return ev
	}},
	{"meta", "meta-whatsapp-text.json", func(ev events.APIGatewayV2HTTPRequest, i int) events.APIGatewayV2HTTPRequest {
		ev.Body = replaceID(ev.Body, `"id":"wamid\.[^"]+"`, fmt.Sprintf(`"id":"wamid.bench%d"`, i))
		ev.Headers["x-hub-signature-256"] = meta.Signature(testsecrets.MetaAppSecret, []byte(ev.Body))
		return ev
	}},
	{"telegram", "telegram-message.json", func(ev events.APIGatewayV2HTTPRequest, i int) events.APIGatewayV2HTTPRequest {
		ev.Body = replaceID(ev.Body, `"message_id":\d+`, fmt.Sprintf(`"message_id":%d`, 100000+i))
		return ev
	}},
	{"zalo", "zalo-user-send-text.json", func(ev events.APIGatewayV2HTTPRequest, i int) events.APIGatewayV2HTTPRequest {
		ev.Body = replaceID(ev.Body, `"msg_id":"[^"]+"`, fmt.Sprintf(`"msg_id":"bench%d"`, i))
		ts := regexp.MustCompile(`"timestamp":"(\d+)"`).FindStringSubmatch(ev.Body)[1]
		ev.Headers["x-zevent-signature"] = zalo.Signature(testsecrets.ZaloAppID, []byte(ev.Body), ts, testsecrets.ZaloOASecretKey)
		return ev
	}},
	{"vonage", "vonage-inbound-whatsapp.json", func(ev events.APIGatewayV2HTTPRequest, i int) events.APIGatewayV2HTTPRequest {
		ev.Body = replaceID(ev.Body, `"message_uuid":"[^"]+"`, fmt.Sprintf(`"message_uuid":"bench-%d"`, i))
		tok, _ := vonage.SignToken(testsecrets.VonageSignatureSecret, []byte(ev.Body), time.UnixMilli(ev.RequestContext.TimeEpoch), fmt.Sprint("jti-", i))
		ev.Headers["authorization"] = "Bearer " + tok
		return ev
	}},
	{"webchat", "webchat-message.json", func(ev events.APIGatewayV2HTTPRequest, i int) events.APIGatewayV2HTTPRequest {
		ev.Body = strings.Replace(ev.Body, `"text":"`, fmt.Sprintf(`"text":"(%d) `, i), 1)
		ev.Headers["x-concierge-signature"] = channels.Signature(testsecrets.WebchatSecret, ev.Headers["x-concierge-timestamp"], []byte(ev.Body))
		return ev
	}},
}

// BenchmarkWebhook measures each provider's route in process, from the API
// Gateway event to the stored touchpoint and the queued routing job: latency
// p50/p99 and DynamoDB requests and write units per message.
func BenchmarkWebhook(b *testing.B) {
	base, table := testenv.NewTable(b)
	meter := &ddbmeter.Meter{BillTransactions: true}
	st := store.New(dynamodb.New(base.Options(), meter.Option), table)
	q, url := testenv.NewQueue(b, testenv.QueueOptions{})
	scorer, _ := urgency.NewScorer(urgency.DefaultConfig())
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc := &ingest.Service{Store: st, Jobs: queue.Publisher{Client: q, NormalURL: url}, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: log}
	h := webhook.New(fullConfig(), svc, st, webhook.WithClock(func() time.Time { return time.Time{} }), webhook.WithLogger(log))
	ctx := context.Background()
	for _, p := range providers {
		b.Run(p.name, func(b *testing.B) {
			ev := channelstest.Event(b, p.file)
			// The first message makes the customer; the figures are for known customers.
			if res, _ := h.Handle(ctx, p.fresh(cloneEvent(ev), -1)); res.StatusCode != 200 {
				b.Fatalf("%s warm-up: %d %s", p.name, res.StatusCode, res.Body)
			}
			lat := make([]time.Duration, 0, b.N)
			meter.Reset()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e := p.fresh(cloneEvent(ev), i+b.N*1000)
				t0 := time.Now()
				res, err := h.Handle(ctx, e)
				lat = append(lat, time.Since(t0))
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("%s: %d %s %v", p.name, res.StatusCode, res.Body, err)
				}
			}
			b.StopTimer()
			c := meter.Snapshot()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(c.Requests)/float64(b.N), "requests/message")
			b.ReportMetric(c.WriteUnits/float64(b.N), "wru/message")
		})
	}
}

func cloneEvent(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
	h := make(map[string]string, len(ev.Headers))
	for k, v := range ev.Headers {
		h[k] = v
	}
	ev.Headers = h
	return ev
}
