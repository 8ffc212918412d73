package webhook_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/channelstest"
	"github.com/concierge-cx/concierge/shared/channels/meta"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/channels/twilio"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
	"github.com/concierge-cx/concierge/shared/webhook"
)

type fixture struct {
	h        *webhook.Handler
	st       *store.Store
	sqs      *sqs.Client
	queueURL string
}

func fullConfig() webhook.Config {
	return webhook.Config{
		Settings: stage.Settings{TableName: "unused", DefaultPhoneRegion: "VN"}, RoutingQueueURL: "unused", PublicBaseURL: testsecrets.PublicBaseURL,
		TwilioAuthToken: testsecrets.TwilioAuthToken, MetaAppSecret: testsecrets.MetaAppSecret, MetaVerifyToken: testsecrets.MetaVerifyToken,
		TelegramWebhookSecret: testsecrets.TelegramSecret, ZaloAppID: testsecrets.ZaloAppID, ZaloOASecretKey: testsecrets.ZaloOASecretKey,
		VonageSignatureSecret: testsecrets.VonageSignatureSecret, WebchatSigningSecret: testsecrets.WebchatSecret,
	}
}

func newFixture(t *testing.T, cfg webhook.Config) fixture {
	t.Helper()
	db, table := testenv.NewTable(t)
	q, url := testenv.NewQueue(t, testenv.QueueOptions{})
	st := store.New(db, table)
	return fixtureWith(t, cfg, st, q, url)
}

func fixtureWith(t *testing.T, cfg webhook.Config, st *store.Store, q *sqs.Client, url string) fixture {
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc := &ingest.Service{Store: st, Jobs: queue.Publisher{Client: q, NormalURL: url}, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: log}
	// A zero clock replays each recorded event at the time it was signed.
	h := webhook.New(cfg, svc, st, webhook.WithClock(func() time.Time { return time.Time{} }), webhook.WithLogger(log))
	return fixture{h: h, st: st, sqs: q, queueURL: url}
}

func (f fixture) handle(t *testing.T, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	res, err := f.h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("handler returned an error instead of a response: %v", err)
	}
	return res
}

// jobs drains the routing queue.
func (f fixture) jobs(t *testing.T) []ingest.Job {
	t.Helper()
	var out []ingest.Job
	for {
		r, err := f.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &f.queueURL, MaxNumberOfMessages: 10, WaitTimeSeconds: 0})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Messages) == 0 {
			return out
		}
		for _, m := range r.Messages {
			var j ingest.Job
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &j); err != nil {
				t.Fatalf("routing job is not JSON: %v", err)
			}
			out = append(out, j)
			f.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &f.queueURL, ReceiptHandle: m.ReceiptHandle})
		}
	}
}

// Every message route: from its events/ file through the handler into
// DynamoDB Local and a routing job on SQS.
func TestEveryMessageRouteStoresAndRoutes(t *testing.T) {
	cases := []struct {
		file, provider, text string
		kind                 domain.TouchpointKind
		contentType          string
	}{
		{"twilio-messages-sms.json", "twilio", "", domain.KindMessage, "text/xml"},
		{"twilio-messages-whatsapp.json", "twilio", "", domain.KindMessage, "text/xml"},
		{"twilio-voice.json", "twilio", "", domain.KindCall, "text/xml"},
		{"twilio-voice-status-noanswer.json", "twilio", "", domain.KindMissedCall, "text/xml"},
		{"twilio-voice-recording.json", "twilio", "", domain.KindVoicemail, "text/xml"},
		{"twilio-voice-transcription.json", "twilio", "", domain.KindTranscript, "text/xml"},
		{"meta-whatsapp-text.json", "meta", "Chào shop, mình muốn đổi size áo sang L được không ạ?", domain.KindMessage, "application/json"},
		{"meta-messenger.json", "meta", "Shop ơi, áo thun trắng còn size M không?", domain.KindMessage, "application/json"},
		{"telegram-message.json", "telegram", "", domain.KindMessage, "application/json"},
		{"zalo-user-send-text.json", "zalo", "", domain.KindMessage, "application/json"},
		{"vonage-inbound-whatsapp.json", "vonage", "Shop ơi, mã giảm giá GIAM20 còn dùng được không?", domain.KindMessage, "application/json"},
		{"webchat-message.json", "webchat", "", domain.KindMessage, "application/json"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			// A table of its own: several events are the same person, and a
			// follow-up written before her first message is routed is stored
			// in place with no job of its own (store.TouchFollowUp).
			f := newFixture(t, fullConfig())
			ev := channelstest.Event(t, c.file)
			res := f.handle(t, ev)
			if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Headers["content-type"], c.contentType) {
				t.Fatalf("status %d %q body %s", res.StatusCode, res.Headers["content-type"], res.Body)
			}
			jobs := f.jobs(t)
			if len(jobs) == 0 {
				t.Fatal("no routing job on the queue")
			}
			j := jobs[0]
			if j.Provider != c.provider || j.Kind != c.kind || j.TouchpointID == "" || j.CustomerID == "" {
				t.Fatalf("routing job %+v", j)
			}
			tp, err := f.st.FindByProviderMessage(context.Background(), j.Provider, j.ProviderMessageID)
			if err != nil {
				t.Fatalf("touchpoint not stored: %v", err)
			}
			if tp.ID != j.TouchpointID || tp.Kind != c.kind || tp.Direction != domain.DirectionIn {
				t.Fatalf("stored %+v for job %+v", tp, j)
			}
			if c.text != "" && tp.Text != c.text {
				t.Fatalf("stored text %q, want %q", tp.Text, c.text)
			}
		})
	}
}

func TestVoiceCallIsAnsweredByNameInVietnamese(t *testing.T) {
	f := newFixture(t, fullConfig())
	// She wrote on WhatsApp first: Meta gave her profile name.
	if res := f.handle(t, channelstest.Event(t, "meta-whatsapp-text.json")); res.StatusCode != 200 {
		t.Fatal(res.Body)
	}
	res := f.handle(t, channelstest.Event(t, "twilio-voice.json"))
	if res.StatusCode != 200 || !strings.Contains(res.Body, "<Response>") {
		t.Fatalf("voice answer %d %s", res.StatusCode, res.Body)
	}
	for _, want := range []string{"Lan", "vi-VN", "<Record", "recordingStatusCallback"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("TwiML lacks %q: %s", want, res.Body)
		}
	}
	// Twilio transcribes English only: her voicemail is kept as the recording.
	if strings.Contains(res.Body, "transcribe") {
		t.Errorf("a Vietnamese voicemail asks for an English transcription: %s", res.Body)
	}
}

func TestOnePersonAcrossWhatsAppSMSAndVoiceIsOneCustomer(t *testing.T) {
	f := newFixture(t, fullConfig())
	for _, file := range []string{"meta-whatsapp-text.json", "twilio-messages-sms.json", "twilio-voice.json"} {
		if res := f.handle(t, channelstest.Event(t, file)); res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", file, res.StatusCode, res.Body)
		}
	}
	// The WhatsApp message opens her conversation and the call is routed;
	// the SMS, written before the first message is routed and of no urgency,
	// is stored in place and waits for that job (store.TouchFollowUp).
	jobs := f.jobs(t)
	if len(jobs) != 2 || jobs[0].Channel != domain.ChannelWhatsApp || jobs[1].Kind != domain.KindCall {
		t.Fatalf("routing jobs %+v, want the WhatsApp message's and the call's", jobs)
	}
	for _, j := range jobs[1:] {
		if j.CustomerID != jobs[0].CustomerID {
			t.Fatalf("touchpoints went to customers %s and %s", jobs[0].CustomerID, j.CustomerID)
		}
	}
	page, err := f.st.Timeline(context.Background(), jobs[0].CustomerID, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tp := range page.Items {
		got = append(got, string(tp.Channel)+"/"+string(tp.Kind))
	}
	if len(got) != 3 {
		t.Fatalf("timeline %v, want three touchpoints", got)
	}
	c, err := f.st.GetCustomer(context.Background(), jobs[0].CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	if c.DisplayName != "Nguyễn Thị Lan" || c.Language != "vi" {
		t.Fatalf("profile %q %q", c.DisplayName, c.Language)
	}
	if len(c.Identities) != 1 || c.Identities[0].Value != "+84912345678" {
		t.Fatalf("identities %v, want the one phone", c.Identities)
	}
}

func TestSameDeliveryTwiceIsOneTouchpoint(t *testing.T) {
	f := newFixture(t, fullConfig())
	for i := 0; i < 2; i++ {
		for _, file := range []string{"telegram-message.json", "twilio-messages-whatsapp.json"} {
			if res := f.handle(t, channelstest.Event(t, file)); res.StatusCode != 200 {
				t.Fatalf("delivery %d of %s: %d %s", i+1, file, res.StatusCode, res.Body)
			}
		}
	}
	jobs := f.jobs(t)
	perMsg := map[string]map[string]bool{}
	for _, j := range jobs {
		if perMsg[j.ProviderMessageID] == nil {
			perMsg[j.ProviderMessageID] = map[string]bool{}
		}
		perMsg[j.ProviderMessageID][j.TouchpointID] = true
	}
	if len(perMsg) != 2 {
		t.Fatalf("jobs for %d messages, want 2", len(perMsg))
	}
	for id, tps := range perMsg {
		if len(tps) != 1 {
			t.Fatalf("message %s stored as %d touchpoints", id, len(tps))
		}
	}
}

func TestStatusCallbacksUpdateOutboundTouchpoints(t *testing.T) {
	f := newFixture(t, fullConfig())
	ctx := context.Background()
	phone, _ := domain.Normalizer{}.Normalize(domain.KindPhone, "+84912345678")
	r, err := f.st.ResolveCustomer(ctx, []domain.Identity{phone}, "")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]domain.DeliveryStatus{}
	for _, s := range []struct {
		file string
		want domain.DeliveryStatus
	}{
		{"meta-whatsapp-status.json", domain.StatusRead},
		{"twilio-messages-status.json", domain.StatusDelivered},
		{"vonage-status.json", domain.StatusRead},
	} {
		files[s.file] = s.want
	}
	for file, want := range files {
		ev := channelstest.Event(t, file)
		req, _ := channels.FromHTTPAPI(&ev, testsecrets.PublicBaseURL, time.Time{})
		var statuses []domain.StatusUpdate
		switch {
		case strings.HasPrefix(file, "meta"):
			statuses = parsedStatuses(t, "meta", req)
		case strings.HasPrefix(file, "twilio"):
			statuses = parsedStatuses(t, "twilio", req)
		default:
			statuses = parsedStatuses(t, "vonage", req)
		}
		first := statuses[0]
		if _, _, err := f.st.RecordOutbound(ctx, domain.Touchpoint{
			CustomerID: r.Customer.ID, Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage,
			Provider: first.Provider, ProviderMessageID: first.ProviderMessageID, Text: "Dạ shop đã nhận được tin nhắn ạ", Status: domain.StatusSent,
		}); err != nil {
			t.Fatal(err)
		}
		res := f.handle(t, ev)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", file, res.StatusCode, res.Body)
		}
		tp, err := f.st.FindByProviderMessage(ctx, first.Provider, first.ProviderMessageID)
		if err != nil || tp.Status != want {
			t.Fatalf("%s: outbound status %q, %v; want %q", file, tp.Status, err, want)
		}
	}
	if jobs := f.jobs(t); len(jobs) != 0 {
		t.Fatalf("status callbacks produced routing jobs: %+v", jobs)
	}
}

func parsedStatuses(t *testing.T, provider string, req channels.Request) []domain.StatusUpdate {
	t.Helper()
	res, err := parseBy(provider)(req)
	if err != nil || len(res.Statuses) == 0 {
		t.Fatalf("%s status event: %v %+v", provider, err, res)
	}
	return res.Statuses
}

func TestRefusals(t *testing.T) {
	f := newFixture(t, fullConfig())
	tampered := channelstest.Event(t, "meta-whatsapp-text.json")
	tampered.Body = strings.Replace(tampered.Body, "size", "SIZE", 1)
	noSig := channelstest.Event(t, "telegram-message.json")
	delete(noSig.Headers, "x-telegram-bot-api-secret-token")
	stale := channelstest.Event(t, "webchat-message.json")
	stale.RequestContext.TimeEpoch += int64(10 * time.Minute / time.Millisecond)
	unknown := channelstest.Event(t, "telegram-message.json")
	unknown.RawPath = "/webhooks/viber"
	big := channelstest.Event(t, "webchat-message.json")
	big.Body = strings.Repeat("x", webhook.MaxBody+1)

	// A well-signed body that is not the JSON webchat expects.
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	bad := []byte(`{"visitorId": 42, "text": `)
	malformed := channelstest.Event(t, "webchat-message.json")
	malformed.Body = string(bad)
	malformed.RequestContext.TimeEpoch = time.Now().UnixMilli()
	malformed.Headers["x-concierge-timestamp"] = ts
	malformed.Headers["x-concierge-signature"] = channels.Signature(testsecrets.WebchatSecret, ts, bad)

	badB64 := channelstest.Event(t, "twilio-messages-whatsapp.json")
	badB64.Body = "%%%not base64"

	for _, c := range []struct {
		name   string
		ev     events.APIGatewayV2HTTPRequest
		status int
		code   string
	}{
		{"tampered body", tampered, 403, "forbidden"},
		{"missing secret header", noSig, 403, "forbidden"},
		{"stale timestamp", stale, 403, "forbidden"},
		{"unknown route", unknown, 404, "not_found"},
		{"over 256 KB", big, 413, "too_large"},
		{"malformed JSON", malformed, 400, "invalid"},
		{"broken base64", badB64, 400, "invalid"},
	} {
		res := f.handle(t, c.ev)
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if res.StatusCode != c.status || json.Unmarshal([]byte(res.Body), &body) != nil || body.Error.Code != c.code || body.Error.Message == "" {
			t.Errorf("%s: %d %s, want %d with code %s", c.name, res.StatusCode, res.Body, c.status, c.code)
		}
	}
	if jobs := f.jobs(t); len(jobs) != 0 {
		t.Fatalf("refused deliveries produced %d routing jobs", len(jobs))
	}
}

func TestProviderWithoutSecretIsSwitchedOff(t *testing.T) {
	cfg := fullConfig()
	cfg.ZaloOASecretKey = ""
	cfg.MetaVerifyToken = ""
	f := newFixture(t, cfg)
	for _, file := range []string{"zalo-user-send-text.json", "meta-verify.json"} {
		if res := f.handle(t, channelstest.Event(t, file)); res.StatusCode != 404 {
			t.Errorf("%s with its secret unset: %d %s, want 404", file, res.StatusCode, res.Body)
		}
	}
}

func TestMetaHandshake(t *testing.T) {
	f := newFixture(t, fullConfig())
	res := f.handle(t, channelstest.Event(t, "meta-verify.json"))
	if res.StatusCode != 200 || res.Body != "1158201444" {
		t.Fatalf("handshake %d %q", res.StatusCode, res.Body)
	}
	wrong := channelstest.Event(t, "meta-verify.json")
	wrong.RawQueryString = strings.Replace(wrong.RawQueryString, "hub.verify_token=", "hub.verify_token=x", 1)
	if res := f.handle(t, wrong); res.StatusCode != 403 {
		t.Fatalf("wrong verify token: %d", res.StatusCode)
	}
}

func TestStorageOutageAsksTheProviderToRetry(t *testing.T) {
	dead := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"), Retryer: aws.NopRetryer{},
		Credentials: aws.AnonymousCredentials{},
	})
	q, url := testenv.NewQueue(t, testenv.QueueOptions{})
	f := fixtureWith(t, fullConfig(), store.New(dead, "concierge"), q, url)
	res := f.handle(t, channelstest.Event(t, "twilio-messages-sms.json"))
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(res.Body, `"unavailable"`) {
		t.Fatalf("storage down: %d %s, want 503", res.StatusCode, res.Body)
	}
}

func TestBase64BodyIsVerifiedOverDecodedBytes(t *testing.T) {
	ev := channelstest.Event(t, "twilio-messages-whatsapp.json")
	if !ev.IsBase64Encoded {
		t.Fatal("fixture should carry a base64 body")
	}
	raw, _ := base64.StdEncoding.DecodeString(ev.Body)
	if !strings.Contains(string(raw), "whatsapp%3A%2B84912345678") {
		t.Fatalf("decoded body: %s", raw)
	}
	f := newFixture(t, fullConfig())
	if res := f.handle(t, ev); res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, res.Body)
	}
}

// A correctly signed delivery whose provider message id is above what a
// DynamoDB key holds is the sender's fault: 400 with a code (a provider does
// not retry a 4xx), never a 503 it would retry forever, and nothing stored.
func TestOversizedProviderMessageIDIs400(t *testing.T) {
	db, table := testenv.NewTable(t)
	q, qurl := testenv.NewQueue(t, testenv.QueueOptions{})
	f := fixtureWith(t, fullConfig(), store.New(db, table), q, qurl)
	long := strings.Repeat("A", 3<<10)

	wa := channelstest.Event(t, "meta-whatsapp-text.json")
	wa.Body = strings.Replace(wa.Body, "wamid.HBgLODQ5MTIzNDU2NzgVAgASGBQzQUIyQzREOEU2RjFBMEIzQzVEN0UA", long, 1)
	wa.Headers["x-hub-signature-256"] = meta.Signature(testsecrets.MetaAppSecret, []byte(wa.Body))

	sms := channelstest.Event(t, "twilio-messages-sms.json")
	form, err := url.ParseQuery(sms.Body)
	if err != nil {
		t.Fatal(err)
	}
	form.Set("MessageSid", "SM"+long)
	form.Set("SmsSid", "SM"+long)
	sms.Body = form.Encode()
	sms.Headers["x-twilio-signature"] = twilio.Signature(testsecrets.TwilioAuthToken, testsecrets.PublicBaseURL+"/webhooks/twilio/messages", form)

	ts := strconv.FormatInt(time.Now().Unix(), 10)
	body := []byte(`{"messageId":"` + long + `","visitorId":"v_1","text":"xin chào"}`)
	wc := channelstest.Event(t, "webchat-message.json")
	wc.Body = string(body)
	wc.RequestContext.TimeEpoch = time.Now().UnixMilli()
	wc.Headers["x-concierge-timestamp"] = ts
	wc.Headers["x-concierge-signature"] = channels.Signature(testsecrets.WebchatSecret, ts, body)

	for name, ev := range map[string]events.APIGatewayV2HTTPRequest{"whatsapp": wa, "twilio sms": sms, "webchat": wc} {
		res := f.handle(t, ev)
		var out struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if res.StatusCode != http.StatusBadRequest || json.Unmarshal([]byte(res.Body), &out) != nil || out.Error.Code != "invalid" {
			t.Errorf("%s with a 3 KB message id: %d %s, want 400 invalid", name, res.StatusCode, res.Body)
		}
	}
	if jobs := f.jobs(t); len(jobs) != 0 {
		t.Fatalf("refused deliveries produced %d routing jobs", len(jobs))
	}
	scan, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	if len(scan.Items) != 0 {
		t.Fatalf("refused deliveries wrote %d items", len(scan.Items))
	}
}
