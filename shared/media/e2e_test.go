package media_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/concierge-cx/concierge/shared/attachments"
	"github.com/concierge-cx/concierge/shared/channels/meta"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/media"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
	"github.com/concierge-cx/concierge/shared/webhook"
)

const (
	metaToken = "EAAG-test-system-user-token"
	botToken  = "5123456789:AAH-test-bot-token"
	// A 200 MB video, as WhatsApp's media endpoint declares it.
	bigVideo = 200 << 20
)

// jpeg is the start of a JPEG file (SOI, JFIF APP0) plus filler: enough
// for content sniffing, distinct per photo.
func jpeg(tag string) []byte {
	return append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"), []byte(strings.Repeat(tag, 300))...)
}

// metaGraph speaks the WhatsApp Cloud API media endpoints: GET /v21.0/{id}
// answers the file's short-lived URL and size, and that URL answers the
// bytes; both need the bearer token.
type metaGraph struct {
	*httptest.Server
	files map[string][]byte
	sizes map[string]int64 // declared instead of the bytes (the large video)
}

func newMetaGraph(t *testing.T) *metaGraph {
	g := &metaGraph{files: map[string][]byte{}, sizes: map[string]int64{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+metaToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}`)
			return
		}
		if id, ok := strings.CutPrefix(r.URL.Path, "/v21.0/"); ok {
			size := g.sizes[id]
			if b, ok := g.files[id]; ok {
				size = int64(len(b))
			} else if size == 0 {
				http.Error(w, `{"error":{"message":"Unsupported get request","code":100}}`, http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"url":"%s/whatsapp_business/attachments/?mid=%s&ext=1732900000&hash=ATtest","mime_type":"image/jpeg","sha256":"x","file_size":"%d","id":"%s","messaging_product":"whatsapp"}`, g.URL, id, size, id)
			return
		}
		if r.URL.Path == "/whatsapp_business/attachments/" {
			id := r.URL.Query().Get("mid")
			if size := g.sizes[id]; size > 0 {
				// Declares the length and stops: the downloader must not read it.
				w.Header().Set("Content-Type", "video/mp4")
				w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
				w.WriteHeader(http.StatusOK)
				return
			}
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(g.files[id])
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(g.Close)
	return g
}

// telegramAPI speaks getFile and the file download of the Bot API. The
// first download of failOnce answers 502, as a flaky provider might.
type telegramAPI struct {
	*httptest.Server
	mu       sync.Mutex
	files    map[string][]byte // file_id → bytes
	failOnce map[string]bool
}

func newTelegram(t *testing.T) *telegramAPI {
	tg := &telegramAPI{files: map[string][]byte{}, failOnce: map[string]bool{}}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.mu.Lock()
		defer tg.mu.Unlock()
		switch {
		case r.URL.Path == "/bot"+botToken+"/getFile":
			id := r.URL.Query().Get("file_id")
			b, ok := tg.files[id]
			w.Header().Set("Content-Type", "application/json")
			if !ok {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"ok":false,"error_code":400,"description":"Bad Request: invalid file_id"}`)
				return
			}
			fmt.Fprintf(w, `{"ok":true,"result":{"file_id":"%s","file_unique_id":"u%s","file_size":%d,"file_path":"photos/%s.jpg"}}`, id, id, len(b), id)
		case strings.HasPrefix(r.URL.Path, "/file/bot"+botToken+"/photos/"):
			id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/file/bot"+botToken+"/photos/"), ".jpg")
			if tg.failOnce[id] {
				delete(tg.failOnce, id)
				http.Error(w, "Bad Gateway", http.StatusBadGateway)
				return
			}
			// Telegram serves files as octet-stream: the type is sniffed.
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(tg.files[id])
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(tg.Close)
	return tg
}

type stack struct {
	hook     *webhook.Handler
	st       *store.Store
	sqs      *sqs.Client
	queueURL string
	router   *routing.Router
	files    *attachments.Presigner
	bucket   string
}

func newStack(t *testing.T, send outbound.Config) stack {
	t.Helper()
	db, table := testenv.NewTable(t)
	q, url := testenv.NewQueue(t, testenv.QueueOptions{})
	s3c, bucket := testenv.NewBucket(t)
	st := store.New(db, table)
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	lanes := queue.Publisher{Client: q, NormalURL: url}
	svc := &ingest.Service{Store: st, Jobs: lanes, Media: lanes, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: log}
	cfg := webhook.Config{
		Settings: stage.Settings{TableName: table, DefaultPhoneRegion: "VN"}, RoutingQueueURL: url, PublicBaseURL: testsecrets.PublicBaseURL,
		MetaAppSecret: testsecrets.MetaAppSecret, MetaVerifyToken: testsecrets.MetaVerifyToken, TelegramWebhookSecret: testsecrets.TelegramSecret,
	}
	h := webhook.New(cfg, svc, st, webhook.WithLogger(log))
	r := &routing.Router{Store: st, Config: routing.DefaultConfig(), Log: log, Metrics: io.Discard,
		Media: &media.Downloader{Store: st, S3: s3c, Bucket: bucket, Fetch: media.New(send, &http.Client{Timeout: 5 * time.Second}), Log: log}}
	return stack{hook: h, st: st, sqs: q, queueURL: url, router: r, files: attachments.NewPresigner(s3c, bucket), bucket: bucket}
}

func (s stack) post(t *testing.T, path string, body []byte, headers map[string]string) {
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{RawPath: path, Body: string(body), Headers: headers}
	ev.RequestContext.HTTP.Method = http.MethodPost
	ev.RequestContext.HTTP.Path = path
	res, err := s.hook.Handle(context.Background(), ev)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("webhook %s: %d %s %v", path, res.StatusCode, res.Body, err)
	}
}

// lane delivers what the normal lane holds to the router, as the event
// source mapping does, until it is empty; it returns how many deliveries
// the router handed back for a retry.
func (s stack) lane(t *testing.T) int {
	t.Helper()
	failures := 0
	for {
		out, err := s.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &s.queueURL, MaxNumberOfMessages: 10, VisibilityTimeout: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return failures
		}
		var ev events.SQSEvent
		for _, m := range out.Messages {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), Body: aws.ToString(m.Body)})
		}
		resp, err := s.router.HandleSQS(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		failed := map[string]bool{}
		for _, f := range resp.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
		failures += len(failed)
		for _, m := range out.Messages {
			if failed[aws.ToString(m.MessageId)] {
				// Redelivered at once rather than after the visibility timeout.
				_, _ = s.sqs.ChangeMessageVisibility(context.Background(), &sqs.ChangeMessageVisibilityInput{QueueUrl: &s.queueURL, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
				continue
			}
			_, _ = s.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &s.queueURL, ReceiptHandle: m.ReceiptHandle})
		}
	}
}

// attachmentsOf reads the attachments of the customer's newest touchpoint
// from the timeline.
func (s stack) timeline(t *testing.T, provider, msgID string) domain.Touchpoint {
	t.Helper()
	tp, err := s.st.FindByProviderMessage(context.Background(), provider, msgID)
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.st.Timeline(context.Background(), tp.CustomerID, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range page.Items {
		if item.ID == tp.ID {
			return item
		}
	}
	t.Fatalf("touchpoint %s not on the timeline", tp.ID)
	return tp
}

// download opens an attachment as the agent API does (a presigned link to
// the attachments bucket) and returns its bytes.
func (s stack) download(t *testing.T, a domain.Attachment) []byte {
	t.Helper()
	bucket, key, ok := attachments.ParseObjectURL(a.URL)
	if !ok || bucket != s.bucket {
		t.Fatalf("attachment not in the attachments bucket: %+v", a)
	}
	link, _, err := s.files.PresignDownload(context.Background(), key, a.Name, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download link answered %d: %s", resp.StatusCode, b)
	}
	return b
}

func whatsAppMedia(msgID, kind, mediaID, mime string) []byte {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"18335550143","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Lan"},"wa_id":"84912345678"}],"messages":[{"from":"84912345678","id":"` + msgID + `","timestamp":"` + ts + `","type":"` + kind + `","` + kind + `":{"caption":"Áo bị rách","mime_type":"` + mime + `","sha256":"x","id":"` + mediaID + `"}}]},"field":"messages"}]}]}`)
}

func telegramPhoto(msgID int, small, large string, largeSize int) []byte {
	return []byte(fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"from":{"id":5123456789,"is_bot":false,"first_name":"Lan","language_code":"vi"},"chat":{"id":5123456789,"type":"private"},"date":%d,"caption":"Hàng giao bị vỡ","photo":[{"file_id":"%s","file_unique_id":"s1","file_size":900,"width":90,"height":90},{"file_id":"%s","file_unique_id":"l1","file_size":%d,"width":1280,"height":960}]}}`,
		918273000+msgID, msgID, time.Now().Unix(), small, large, largeSize))
}

// A WhatsApp image and a Telegram photo sent by a customer end as files in
// the attachments bucket, linked on the timeline and downloadable; the
// Telegram file's first download fails and is retried by the lane; a 200
// MB WhatsApp video stays a reference with a note and is never read.
func TestCustomerMediaEndsDownloadableOnTheTimeline(t *testing.T) {
	graph, tg := newMetaGraph(t), newTelegram(t)
	s := newStack(t, outbound.Config{MetaGraphBase: graph.URL, MetaAccessToken: metaToken, TelegramAPIBase: tg.URL, TelegramBotToken: botToken})
	photo, tgPhoto := jpeg("wa"), jpeg("tg")
	graph.files["1481203367"] = photo
	graph.sizes["99887766"] = bigVideo
	tg.files["AgACAgIAAxkBlarge"] = tgPhoto
	tg.failOnce["AgACAgIAAxkBlarge"] = true

	body := whatsAppMedia("wamid.IMAGE1", "image", "1481203367", "image/jpeg")
	s.post(t, "/webhooks/meta", body, map[string]string{"content-type": "application/json", "x-hub-signature-256": meta.Signature(testsecrets.MetaAppSecret, body)})
	body = whatsAppMedia("wamid.VIDEO1", "video", "99887766", "video/mp4")
	s.post(t, "/webhooks/meta", body, map[string]string{"content-type": "application/json", "x-hub-signature-256": meta.Signature(testsecrets.MetaAppSecret, body)})
	s.post(t, "/webhooks/telegram", telegramPhoto(601, "AgACAgIAAxkBsmall", "AgACAgIAAxkBlarge", len(tgPhoto)),
		map[string]string{"content-type": "application/json", "x-telegram-bot-api-secret-token": testsecrets.TelegramSecret})

	// Stored before any download: the placeholders are typed references.
	if a := s.timeline(t, "meta", "wamid.IMAGE1").Attachments; len(a) != 1 || a[0].URL != "whatsapp:media/1481203367" || a[0].Download != "" {
		t.Fatalf("stored WhatsApp attachment %+v", a)
	}

	if failures := s.lane(t); failures != 1 {
		t.Fatalf("%d deliveries handed back, want 1 (the Telegram file's failed first download)", failures)
	}

	wa := s.timeline(t, "meta", "wamid.IMAGE1").Attachments
	if len(wa) != 1 || wa[0].Download != media.Stored || wa[0].ContentType != "image/jpeg" || wa[0].Source != "whatsapp:media/1481203367" || wa[0].Size != int64(len(photo)) {
		t.Fatalf("WhatsApp attachment %+v", wa)
	}
	if got := s.download(t, wa[0]); !bytes.Equal(got, photo) {
		t.Fatalf("WhatsApp photo downloaded as %d bytes, want %d", len(got), len(photo))
	}
	if !strings.Contains(wa[0].URL, wa[0].SHA256) || len(wa[0].SHA256) != 64 {
		t.Fatalf("object not keyed by SHA-256: %+v", wa[0])
	}

	tgAtt := s.timeline(t, "telegram", "5123456789:601").Attachments
	if len(tgAtt) != 1 || tgAtt[0].Download != media.Stored || tgAtt[0].ContentType != "image/jpeg" {
		t.Fatalf("Telegram attachment %+v", tgAtt)
	}
	if got := s.download(t, tgAtt[0]); !bytes.Equal(got, tgPhoto) {
		t.Fatalf("Telegram photo downloaded as %d bytes, want %d", len(got), len(tgPhoto))
	}

	video := s.timeline(t, "meta", "wamid.VIDEO1").Attachments
	if len(video) != 1 || video[0].Download != media.Reference || !strings.Contains(video[0].Note, "200 MB") || video[0].URL != "whatsapp:media/99887766" {
		t.Fatalf("large video %+v", video)
	}
}
