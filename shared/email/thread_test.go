package email_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/email"
	"github.com/concierge-cx/concierge/shared/store"
)

// resolve does what resolving a conversation in the agent API will: the
// conversation is marked resolved and the customer has no open one left.
func (s *stack) resolve(t *testing.T, customerID, conversationID string) {
	t.Helper()
	ctx := context.Background()
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.cfg.TableName),
			Key: map[string]types.AttributeValue{
				"PK": &types.AttributeValueMemberS{Value: "V#" + conversationID}, "SK": &types.AttributeValueMemberS{Value: "V"},
			},
			UpdateExpression:          aws.String("SET #s = :r"),
			ExpressionAttributeNames:  map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":r": &types.AttributeValueMemberS{Value: string(domain.ConversationResolved)}},
		}},
		{Update: &types.Update{
			TableName: aws.String(s.cfg.TableName),
			Key: map[string]types.AttributeValue{
				"PK": &types.AttributeValueMemberS{Value: "C#" + customerID}, "SK": &types.AttributeValueMemberS{Value: "P"},
			},
			UpdateExpression: aws.String("REMOVE openConversationId"),
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

const fixture02InReplyTo = "<01000193a7f0e1d2-9c8b7a6f-aaaa-bbbb-cccc-ddddeeeeffff-000000@ap-southeast-1.amazonses.com>"

// Lan asked on WhatsApp; Concierge acknowledged by email; she answers that
// email. Her reply joins the WhatsApp conversation, even though it was
// resolved meanwhile (it is marked reopened for routing).
func TestEmailReplyJoinsConversationBegunOnWhatsApp(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	phone := domain.Identity{Kind: domain.KindPhone, Value: "+84912345678"}
	addr := domain.Identity{Kind: domain.KindEmail, Value: "lan.nguyen@example.com"}
	// She gave her email address on WhatsApp earlier: one customer, both identities.
	wa, err := s.ingest.Ingest(ctx, domain.Inbound{
		Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage,
		ProviderMessageID: "wamid.HBgLODQ5MTIzNDU2NzgVAgASGBQzRUIwQzY1",
		Identities:        []domain.RawIdentity{{Kind: phone.Kind, Value: "0912 345 678"}, {Kind: addr.Kind, Value: addr.Value}},
		ProfileName:       "Nguyễn Thị Lan",
		OccurredAt:        time.Date(2024, 11, 12, 2, 5, 0, 0, time.UTC), // an hour before her email (the fixture's date)
		Text:              "Shop ơi, áo sơ mi size S còn hàng không ạ? Em muốn đổi size.",
	})
	if err != nil {
		t.Fatal(err)
	}
	conv := wa.Touchpoint.ConversationID
	lan := wa.InboundResult
	if err := s.st.IndexMessageIDs(ctx, conv, lan.Customer.ID, "<ack-1@concierge.example.com>"); err != nil {
		t.Fatal(err)
	}
	s.resolve(t, lan.Customer.ID, conv)
	s.jobs(t)

	raw := bytes.ReplaceAll(readEML(t, "02-reply-vietnamese-quote.eml"), []byte(fixture02InReplyTo), []byte("<ack-1@concierge.example.com>"))
	id := s.deliver(t, "ses-02-reply-vietnamese-quote.json", raw)

	tp := s.touchpoint(t, id)
	if tp.CustomerID != lan.Customer.ID || tp.ConversationID != conv {
		t.Fatalf("reply went to customer %s conversation %s, want %s %s", tp.CustomerID, tp.ConversationID, lan.Customer.ID, conv)
	}
	if tp.Metadata["threadedBy"] != email.ByInReplyTo || tp.Metadata["reopened"] != "true" {
		t.Errorf("threadedBy = %q, reopened = %q", tp.Metadata["threadedBy"], tp.Metadata["reopened"])
	}
	page, err := s.st.Timeline(ctx, lan.Customer.ID, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range page.Items {
		got = append(got, string(p.Channel)+": "+p.Text)
	}
	want := []string{
		"email: Dạ em cảm ơn anh/chị. Em muốn đổi sang size M ạ.\nĐịa chỉ nhận hàng vẫn như cũ.",
		"whatsapp: Shop ơi, áo sơ mi size S còn hàng không ạ? Em muốn đổi size.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if jobs := s.jobs(t); len(jobs) != 1 || jobs[0].ConversationID != conv {
		t.Errorf("routing jobs = %+v, want one for conversation %s", jobs, conv)
	}
	// Her reply's own Message-ID now leads to the conversation too.
	hit, ok, err := s.st.FindThread(ctx, []string{"CAF3kZ1yM8wLq4N0tA7e=Hs2Uv9XbC1dE3fG5hI7@mail.example.com"})
	if err != nil || !ok || hit.ConversationID != conv {
		t.Errorf("FindThread(reply) = %+v, %v, %v", hit, ok, err)
	}
}

func TestReplyJoinsConversationByPlusAddressThenSubjectTag(t *testing.T) {
	s := newStack(t)
	first := s.touchpoint(t, s.deliver(t, "ses-01-alternative-encoded-subject.json", readEML(t, "01-alternative-encoded-subject.eml")))
	old := first.ConversationID
	s.resolve(t, first.CustomerID, old)
	second := s.touchpoint(t, s.deliver(t, "ses-03-windows-1258.json", readEML(t, "03-windows-1258.eml")))
	if second.ConversationID == old {
		t.Fatal("a new mail after the resolution should open a new conversation")
	}

	// The fixture's placeholder reference becomes the real conversation id
	// Concierge put in its reply address and subject.
	withRef := func(eml string) []byte {
		return bytes.ReplaceAll(readEML(t, eml), []byte("C7K2M9"), []byte(old))
	}
	byPlus := s.touchpoint(t, s.deliver(t, "ses-08-html-only.json", withRef("08-html-only.eml")))
	if byPlus.ConversationID != old || byPlus.Metadata["threadedBy"] != email.ByPlusAddress || byPlus.Metadata["reopened"] != "true" {
		t.Errorf("reply to reply+%s@ went to %s (threadedBy %q, reopened %q)", old, byPlus.ConversationID, byPlus.Metadata["threadedBy"], byPlus.Metadata["reopened"])
	}

	// Sent to the support address, unknown In-Reply-To: only the subject says where it belongs.
	raw := bytes.ReplaceAll(withRef("02-reply-vietnamese-quote.eml"), []byte("reply+"+old+"@"), []byte("support@"))
	bySubject := s.touchpoint(t, s.deliver(t, "ses-02-reply-vietnamese-quote.json", raw))
	if bySubject.ConversationID != old || bySubject.Metadata["threadedBy"] != email.BySubjectTag {
		t.Errorf("reply with [#%s] went to %s (threadedBy %q)", old, bySubject.ConversationID, bySubject.Metadata["threadedBy"])
	}
	if bySubject.Subject != "Re: [#"+old+"] Đổi size áo" {
		t.Errorf("subject = %q", bySubject.Subject)
	}
}

// David quotes Lan's conversation reference: his mail stays with him.
func TestAnotherCustomersConversationIsNotJoined(t *testing.T) {
	s := newStack(t)
	lan := s.touchpoint(t, s.deliver(t, "ses-01-alternative-encoded-subject.json", readEML(t, "01-alternative-encoded-subject.eml")))
	raw := bytes.ReplaceAll(readEML(t, "09-outlook-reply.eml"), []byte("K9P4Q2"), []byte(lan.ConversationID))
	david := s.touchpoint(t, s.deliver(t, "ses-09-outlook-reply.json", raw))
	if david.ConversationID == lan.ConversationID || david.CustomerID == lan.CustomerID {
		t.Fatalf("David's mail joined Lan's conversation %s", lan.ConversationID)
	}
	if david.Metadata["threadedBy"] != "" {
		t.Errorf("threadedBy = %q", david.Metadata["threadedBy"])
	}
	if got := s.customer(t, "david.pham@example.com"); got.ID != david.CustomerID || got.OpenConversationID != david.ConversationID {
		t.Errorf("David is %s with open conversation %s; the mail is on %s/%s", got.ID, got.OpenConversationID, david.CustomerID, david.ConversationID)
	}
}

func TestMailFromOurOwnAddressIsDropped(t *testing.T) {
	s := newStack(t)
	for _, from := range []string{"Concierge Support <Support@concierge.example.com>", "Hỗ trợ <reply+con_01JD8X5N4QW7V2R3S9T6Y1Z0AB@concierge.example.com>"} {
		raw := bytes.Replace(readEML(t, "01-alternative-encoded-subject.eml"),
			[]byte("From: =?UTF-8?Q?Nguy=E1=BB=85n_Th=E1=BB=8B_Lan?= <Lan.Nguyen@Example.com>"), []byte("From: "+from), 1)
		id := s.deliver(t, "ses-01-alternative-encoded-subject.json", raw)
		if _, err := s.st.FindByProviderMessage(context.Background(), email.Provider, id); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("mail from %s was stored (err %v)", from, err)
		}
	}
	if jobs := s.jobs(t); len(jobs) != 0 {
		t.Errorf("our own mail was routed: %+v", jobs)
	}
}

// The S3 action stored nothing (a misconfigured rule): what SES told us is
// kept rather than lost.
func TestMissingRawMailIsStoredFromTheEventHeaders(t *testing.T) {
	s := newStack(t)
	ev, id := readEvent(t, "ses-09-outlook-reply.json")
	if err := s.h.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	tp := s.touchpoint(t, id)
	if tp.Subject != "RE: [#K9P4Q2] Invoice INV-2024-1187 amount is wrong" || tp.Text != "" {
		t.Errorf("stored %q / %q", tp.Subject, tp.Text)
	}
	if w := tp.Metadata["parseWarning"]; !strings.HasPrefix(w, "raw message not found at s3://"+s.cfg.RawMailBucket+"/inbound/"+id) {
		t.Errorf("parse warning = %q", w)
	}
	if got := s.customer(t, "david.pham@example.com"); got.DisplayName != "David Pham" || got.ID != tp.CustomerID {
		t.Errorf("customer = %+v", got)
	}
}

// S3 or DynamoDB unavailable: the function fails so SES invokes it again.
func TestUnavailableStorageFailsTheInvocation(t *testing.T) {
	for name, tweak := range map[string]func(*email.Config){
		"raw mail bucket":    func(c *email.Config) { c.RawMailBucket = "concierge-raw-mail-that-does-not-exist" },
		"attachments bucket": func(c *email.Config) { c.AttachmentsBucket = "concierge-attachments-that-do-not-exist" },
		"table":              func(c *email.Config) { c.TableName = "concierge-table-that-does-not-exist" },
	} {
		t.Run(name, func(t *testing.T) {
			s := newStack(t)
			ev, id := readEvent(t, "ses-05-attachments.json")
			broken := newStack(t, tweak)
			if broken.cfg.RawMailBucket != "concierge-raw-mail-that-does-not-exist" {
				broken.storeRaw(t, id, readEML(t, "05-attachments.eml"))
			}
			s.storeRaw(t, id, readEML(t, "05-attachments.eml"))
			err := broken.h.Handle(context.Background(), ev)
			if domain.ErrorCode(err) != domain.CodeUnavailable {
				t.Fatalf("Handle = %v, want an unavailable error", err)
			}
			// Once storage is back, the retry stores the mail.
			if err := s.h.Handle(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			if tp := s.touchpoint(t, id); len(tp.Attachments) != 3 {
				t.Errorf("after the retry: %d files", len(tp.Attachments))
			}
		})
	}
}

func TestLongTextIsCutNotRefused(t *testing.T) {
	s := newStack(t)
	line := "Em gửi lại toàn bộ lịch sử đơn hàng để anh/chị đối chiếu giúp em, cảm ơn anh/chị nhiều ạ.\n"
	body := strings.Repeat(line, 600*1024/len(line))
	raw := "From: Nguyễn Thị Lan <lan.nguyen@example.com>\r\nTo: support@concierge.example.com\r\n" +
		"Subject: Lịch sử đơn hàng\r\nMessage-ID: <long-1@mail.example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
	id := s.deliver(t, "ses-01-alternative-encoded-subject.json", []byte(raw))
	tp := s.touchpoint(t, id)
	if len(tp.Text) > store.MaxTouchpointBytes || !strings.HasPrefix(tp.Text, line) || !strings.HasSuffix(tp.Text, "\n\n[…]") {
		t.Errorf("text of %d bytes: starts %q, ends %q", len(tp.Text), tp.Text[:40], tp.Text[len(tp.Text)-20:])
	}
	if w := tp.Metadata["parseWarning"]; !strings.Contains(w, "the whole message is in the raw mail") {
		t.Errorf("parse warning = %q", w)
	}
	if jobs := s.jobs(t); len(jobs) != 1 {
		t.Errorf("routing jobs = %d, want 1", len(jobs))
	}
}

// An S3 action with a topic announces where it stored the mail; that key
// wins over the configured prefix.
func TestS3ActionNotificationNamesTheObject(t *testing.T) {
	s := newStack(t)
	ev, id := readEvent(t, "ses-sns-01-alternative-encoded-subject.json")
	var outer map[string]any
	if err := json.Unmarshal(ev, &outer); err != nil {
		t.Fatal(err)
	}
	sns := outer["Records"].([]any)[0].(map[string]any)["Sns"].(map[string]any)
	var note map[string]any
	if err := json.Unmarshal([]byte(sns["Message"].(string)), &note); err != nil {
		t.Fatal(err)
	}
	delete(note, "content")
	key := "mailroom/" + id
	note["receipt"].(map[string]any)["action"] = map[string]any{
		"type": "S3", "topicArn": "arn:aws:sns:ap-southeast-1:123456789012:concierge-inbound-email",
		"bucketName": s.cfg.RawMailBucket, "objectKeyPrefix": "mailroom/", "objectKey": key,
	}
	msg, _ := json.Marshal(note)
	sns["Message"] = string(msg)
	ev, _ = json.Marshal(outer)

	s.storeRaw(t, "../mailroom/"+id, nil) // an empty decoy at the configured prefix must not be read
	_, err := s.s3.PutObject(context.Background(), putInput(s.cfg.RawMailBucket, key, readEML(t, "01-alternative-encoded-subject.eml")))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.h.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	tp := s.touchpoint(t, id)
	if tp.Metadata["rawMail"] != "s3://"+s.cfg.RawMailBucket+"/"+key || tp.Subject != "Đơn hàng #1042 chưa được giao" {
		t.Errorf("rawMail %q, subject %q", tp.Metadata["rawMail"], tp.Subject)
	}
}
