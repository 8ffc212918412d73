package agentapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/concierge-cx/concierge/shared/attachments"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/rights"
	"github.com/concierge-cx/concierge/shared/testenv"
)

// ingestAs delivers one inbound event and routes it.
func (e *env) ingestAs(t *testing.T, in domain.Inbound) ingest.Outcome {
	t.Helper()
	if in.OccurredAt.IsZero() {
		in.OccurredAt = e.clk.now()
	}
	out, err := e.ing.Ingest(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.router.Route(context.Background(), out.Job); err != nil {
		t.Fatal(err)
	}
	return out
}

// scanTable returns every item of the table as JSON text.
func (e *env) scanTable(t *testing.T) []string {
	t.Helper()
	var out []string
	p := dynamodb.NewScanPaginator(e.db, &dynamodb.ScanInput{TableName: aws.String(e.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(it, &m); err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
	}
	return out
}

// bucketObjects returns every object of a bucket: key and content.
func bucketObjects(t *testing.T, client *s3.Client, bucket string) map[string]string {
	t.Helper()
	out := map[string]string{}
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			got, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(got.Body)
			_ = got.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			out[aws.ToString(o.Key)] = string(b)
		}
	}
	return out
}

func put(t *testing.T, client *s3.Client, bucket, key, body string) {
	t.Helper()
	if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader([]byte(body))}); err != nil {
		t.Fatal(err)
	}
}

// A customer who wrote on WhatsApp, email (with an attachment, and her raw
// mail in S3) and Zalo, bought twice and left feedback exports all of it;
// erasing her leaves none of her identities or words in the table or the
// buckets, only tombstones and the audit; her next WhatsApp message makes a
// new customer whose timeline tells the agent.
func TestACustomerExportsAllHerDataAndIsErasedWithoutTrace(t *testing.T) {
	e := newEnv(t)
	e.ing.Aftercare = ingest.StandardAftercare(e.st, nil, quiet())
	ctx := context.Background()
	s3c, files := testenv.NewBucket(t)
	_, raw := testenv.NewBucket(t)
	e.api.Config.AttachmentsBucket, e.api.Config.RawMailBucket = files, raw
	e.api.Objects = attachments.NewObjects(s3c)
	// Someone else's mail stays.
	put(t, s3c, raw, "inbound/ses-other", "From: other@example.com\r\n\r\nhello")

	sup := e.supervisor(t, "sup-binh")
	e.mustDo(t, http.StatusOK, "PUT", "/agents/me/status", sup, `{"status":"available"}`)
	const (
		phone, email, zalo = "0987654321", "mai.tran@example.vn", "8812345678901234567"
		name               = "Trần Thị Mai"
	)
	first := e.ingestAs(t, domain.Inbound{Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage, ProviderMessageID: "wamid.mai-1",
		Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: phone}}, Text: "Chào shop, em là Mai ở Đà Nẵng", ProfileName: name})
	mai := first.Customer.ID
	for _, b := range []string{`{"kind":"email","value":"` + email + `"}`, `{"kind":"zalo","value":"` + zalo + `"}`} {
		e.mustDo(t, http.StatusCreated, "POST", "/customers/"+mai+"/identities", sup, b)
	}
	e.clk.advance(time.Minute)
	e.ingestAs(t, domain.Inbound{Provider: "zalo", Channel: domain.ChannelZalo, Kind: domain.KindMessage, ProviderMessageID: "zmsg-mai-1",
		Identities: []domain.RawIdentity{{Kind: domain.KindZalo, Value: zalo}}, Text: "Mai nhắn qua Zalo nè shop"})
	e.clk.advance(time.Minute)
	put(t, s3c, files, "ses-mai-1/0", "Hóa đơn của Trần Thị Mai")
	put(t, s3c, raw, "inbound/ses-mai-1", "From: "+name+" <"+email+">\r\nSubject: Hoa don\r\n\r\nEm gui hoa don a")
	e.ingestAs(t, domain.Inbound{Provider: "ses", Channel: domain.ChannelEmail, Kind: domain.KindEmailMsg, ProviderMessageID: "ses-mai-1",
		Identities: []domain.RawIdentity{{Kind: domain.KindEmail, Value: email}}, Subject: "Hóa đơn tháng 11", Text: "Em gửi hóa đơn ạ",
		MessageIDs: []string{"CAmai1@mail.example.vn"},
		Metadata:   map[string]string{"rawMail": attachments.ObjectURL(raw, "inbound/ses-mai-1"), "messageId": "<CAmai1@mail.example.vn>"},
		Attachments: []domain.Attachment{{Name: "hoa-don.pdf", ContentType: "application/pdf", Size: 26,
			URL: attachments.ObjectURL(files, "ses-mai-1/0")}}})
	e.clk.advance(time.Minute)
	last := e.ingestAs(t, domain.Inbound{Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage, ProviderMessageID: "wamid.mai-2",
		Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: phone}}, Text: "Shop xác nhận đơn giúp em nha"})
	for i, order := range []string{"ORD-1001", "ORD-1002"} {
		if _, _, err := e.st.RecordOutbound(ctx, domain.Touchpoint{CustomerID: mai, Channel: domain.ChannelAgent, Direction: domain.DirectionIn,
			Kind: domain.KindPurchase, Text: "Áo dài lụa tơ tằm", OccurredAt: e.clk.now().Add(time.Duration(i) * time.Second),
			Metadata: map[string]string{"orderId": order, "amount": "1500000", "currency": "VND", "channel": "online"}}); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.advance(time.Minute)
	e.mustDo(t, http.StatusCreated, "POST", "/conversations/"+last.Job.ConversationID+"/messages", sup, `{"text":"Dạ shop xác nhận đơn cho chị Mai rồi ạ"}`)
	// Erasing under an agent's hands is refused.
	if res := e.mustDo(t, http.StatusConflict, "POST", "/customers/"+mai+"/erase", sup, `{"reason":"customer request"}`); !strings.Contains(res.Body, "open conversation") {
		t.Fatalf("erase with an open conversation: %s", res.Body)
	}
	e.resolveAndScore(t, sup, last.Job.ConversationID, "4")

	// Export: everything, with working links to her files.
	agent := e.agent(t, "agent-an")
	e.mustDo(t, http.StatusForbidden, "GET", "/customers/"+mai+"/export", agent, "")
	var doc struct {
		Customer      domain.Customer       `json:"customer"`
		Identities    []domain.Identity     `json:"identities"`
		Touchpoints   []domain.Touchpoint   `json:"touchpoints"`
		Conversations []domain.Conversation `json:"conversations"`
		Feedback      []domain.Touchpoint   `json:"feedback"`
		Purchases     []domain.Touchpoint   `json:"purchases"`
		Files         []struct {
			Kind, Name, URL string
		} `json:"files"`
	}
	e.mustDo(t, http.StatusOK, "GET", "/customers/"+mai+"/export?reason=access+request", sup, "").decode(t, &doc)
	if doc.Customer.ID != mai || len(doc.Identities) != 3 || len(doc.Purchases) != 2 || len(doc.Feedback) != 1 ||
		doc.Feedback[0].Metadata["score"] != "4" || len(doc.Conversations) != 1 {
		t.Fatalf("export: customer %s, %d identities, %d purchases, %d feedback, %d conversations", doc.Customer.ID, len(doc.Identities),
			len(doc.Purchases), len(doc.Feedback), len(doc.Conversations))
	}
	inbound := map[domain.Channel]bool{}
	for _, tp := range doc.Touchpoints {
		if tp.Direction == domain.DirectionIn && tp.Kind != domain.KindFeedback && tp.Kind != domain.KindPurchase {
			inbound[tp.Channel] = true
		}
	}
	if !inbound[domain.ChannelWhatsApp] || !inbound[domain.ChannelEmail] || !inbound[domain.ChannelZalo] {
		t.Fatalf("export touchpoints cover %v, want WhatsApp, email and Zalo", inbound)
	}
	want := map[string]string{"attachment": "Hóa đơn của Trần Thị Mai", "raw_mail": "Em gui hoa don a"}
	if len(doc.Files) != 2 {
		t.Fatalf("export files %+v, want the attachment and the raw mail", doc.Files)
	}
	for _, f := range doc.Files {
		res, err := http.Get(f.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(b), want[f.Kind]) {
			t.Fatalf("export link for %s: %d %q", f.Kind, res.StatusCode, b)
		}
	}

	// Erase: a reason is required.
	e.mustDo(t, http.StatusBadRequest, "POST", "/customers/"+mai+"/erase", sup, `{}`)
	var erased struct {
		Touchpoints, Files int
	}
	e.mustDo(t, http.StatusOK, "POST", "/customers/"+mai+"/erase", sup, `{"reason":"Decree 13 deletion request #42"}`).decode(t, &erased)
	if erased.Files != 2 || erased.Touchpoints != len(doc.Touchpoints) {
		t.Fatalf("erased %+v, want %d touchpoints and 2 files", erased, len(doc.Touchpoints))
	}
	needles := []string{"84987654321", phone, "987654321", email, zalo, name, "tran thi mai", "Mai ở Đà Nẵng", "Zalo nè",
		"hóa đơn ạ", "Hóa đơn tháng 11", "xác nhận đơn", "Áo dài lụa", "CAmai1", "chị Mai"}
	items := e.scanTable(t)
	tombstones := 0
	for _, it := range items {
		for _, n := range needles {
			if strings.Contains(strings.ToLower(it), strings.ToLower(n)) {
				t.Errorf("after erasure the table still holds %q: %s", n, it)
			}
		}
		if strings.Contains(it, `"type":"tombstone"`) {
			tombstones++
		}
	}
	if tombstones != 3 {
		t.Errorf("%d tombstones, want one per identity", tombstones)
	}
	for _, b := range []string{files, raw} {
		for k, body := range bucketObjects(t, s3c, b) {
			for _, n := range append(needles, "ses-mai-1") {
				if strings.Contains(k, n) || strings.Contains(body, n) {
					t.Errorf("after erasure bucket %s still holds %q in %s", b, n, k)
				}
			}
		}
	}
	if objs := bucketObjects(t, s3c, raw); len(objs) != 1 {
		t.Errorf("raw mail bucket %v: someone else's mail must stay", objs)
	}
	e.mustDo(t, http.StatusNotFound, "GET", "/customers/"+mai, sup, "")
	e.mustDo(t, http.StatusNotFound, "POST", "/customers/"+mai+"/erase", sup, `{"reason":"again"}`)

	// Both were audited: who, when, why.
	entries, err := e.st.AuditMonth(ctx, e.clk.now())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Action != "export" || entries[0].Reason != "access request" || entries[1].Action != "erase" ||
		entries[1].By != "sup-binh" || entries[1].Reason != "Decree 13 deletion request #42" || entries[1].CustomerID != mai {
		t.Fatalf("audit %+v", entries)
	}

	// She writes again from her phone: a new customer, and the agent is told.
	e.clk.advance(time.Hour)
	again := e.ingestAs(t, domain.Inbound{Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage, ProviderMessageID: "wamid.mai-3",
		Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: phone}}, Text: "Chào shop"})
	if !again.NewCustomer || again.Customer.ID == mai {
		t.Fatalf("a message after erasure: new customer %v, id %s", again.NewCustomer, again.Customer.ID)
	}
	page, err := e.st.Timeline(ctx, again.Customer.ID, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	noted := false
	for _, tp := range page.Items {
		noted = noted || (tp.Kind == domain.KindNote && tp.Text == rights.NoteText && tp.Metadata["erasedBefore"] != "")
	}
	if !noted {
		t.Fatalf("the new customer's timeline does not say her identity was erased before: %+v", page.Items)
	}
}
