package email

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/domain"
)

// delivery is one received message as SES announced it, whichever action
// carried the announcement.
type delivery struct {
	SESMessageID string
	ReceivedAt   time.Time
	Source       string   // envelope sender; empty for bounces ("<>")
	HeaderFrom   []string // commonHeaders.from, a fallback sender
	Headers      []events.SimpleEmailHeader
	Recipients   []string // envelope recipients, the rule's own addresses
	Spam, Virus  string   // verdict statuses: PASS, FAIL, GRAY, PROCESSING_FAILED
	SPF, DKIM    string
	DMARC        string

	// Bucket and Key name the stored raw message when the event says where
	// it is (an S3 action's notification); otherwise the handler's
	// configured bucket and prefix apply.
	Bucket, Key string
	// Content is the raw message when it came inline (an SNS action).
	Content []byte
	Inline  bool // Content is set: the message came inside the event
}

// record is the union of an SES Lambda-action record and an SNS record.
// encoding/json matches keys case-insensitively, so "eventSource" (SES) and
// "EventSource" (SNS) land in the same field.
type record struct {
	EventSource string                     `json:"eventSource"`
	SES         *events.SimpleEmailService `json:"ses"`
	SNS         *events.SNSEntity          `json:"Sns"`
}

// notification is the SES message an SNS action (or an S3 action's topic)
// publishes.
type notification struct {
	NotificationType string                    `json:"notificationType"`
	Mail             events.SimpleEmailMessage `json:"mail"`
	Receipt          receipt                   `json:"receipt"`
	Content          *string                   `json:"content"`
}

// receipt adds the action fields the events package lacks (the SNS action's
// encoding, the S3 action's prefix); the outer Action shadows the embedded one.
type receipt struct {
	events.SimpleEmailReceipt
	Action action `json:"action"`
}

type action struct {
	events.SimpleEmailReceiptAction
	Encoding        string `json:"encoding"`
	ObjectKeyPrefix string `json:"objectKeyPrefix"`
}

// decodeEvent accepts an SES receipt-rule Lambda event or an SNS event
// carrying SES notifications, and returns one delivery per record.
func decodeEvent(raw []byte) ([]delivery, error) {
	var ev struct {
		Records []record `json:"Records"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalid, "the event is not JSON of an SES or SNS trigger")
	}
	if len(ev.Records) == 0 {
		return nil, domain.Errorf(domain.CodeInvalid, "the event has no Records: not an SES or SNS trigger")
	}
	out := make([]delivery, 0, len(ev.Records))
	for _, r := range ev.Records {
		switch {
		case r.SES != nil:
			out = append(out, fromSES(r.SES.Mail, r.SES.Receipt, action{SimpleEmailReceiptAction: r.SES.Receipt.Action}))
		case r.SNS != nil:
			d, err := fromSNS(r.SNS.Message)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		default:
			return nil, domain.Errorf(domain.CodeInvalid, "a record from %q is neither SES nor SNS", r.EventSource)
		}
	}
	return out, nil
}

func fromSES(m events.SimpleEmailMessage, r events.SimpleEmailReceipt, a action) delivery {
	d := delivery{
		SESMessageID: m.MessageID,
		ReceivedAt:   m.Timestamp,
		Source:       m.Source,
		HeaderFrom:   m.CommonHeaders.From,
		Headers:      m.Headers,
		Recipients:   r.Recipients,
		Spam:         strings.ToUpper(r.SpamVerdict.Status),
		Virus:        strings.ToUpper(r.VirusVerdict.Status),
		SPF:          strings.ToUpper(r.SPFVerdict.Status),
		DKIM:         strings.ToUpper(r.DKIMVerdict.Status),
		DMARC:        strings.ToUpper(r.DMARCVerdict.Status),
	}
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = r.Timestamp
	}
	if strings.EqualFold(a.Type, "S3") && a.BucketName != "" && a.ObjectKey != "" {
		d.Bucket, d.Key = a.BucketName, a.ObjectKey
	}
	if len(d.Recipients) == 0 {
		d.Recipients = m.Destination
	}
	return d
}

func fromSNS(message string) (delivery, error) {
	var n notification
	if err := json.Unmarshal([]byte(message), &n); err != nil {
		return delivery{}, domain.Wrap(err, domain.CodeInvalid, "the SNS message is not an SES notification")
	}
	if n.NotificationType != "Received" {
		return delivery{}, domain.Errorf(domain.CodeInvalid, "SES notification of type %q is not a received mail", n.NotificationType)
	}
	d := fromSES(n.Mail, n.Receipt.SimpleEmailReceipt, n.Receipt.Action)
	if n.Content != nil {
		d.Inline = true
		if strings.EqualFold(n.Receipt.Action.Encoding, "BASE64") {
			b, err := base64.StdEncoding.DecodeString(*n.Content)
			if err != nil {
				return delivery{}, domain.Wrap(err, domain.CodeInvalid, "the SES notification's base64 content does not decode")
			}
			d.Content = b
		} else {
			d.Content = []byte(*n.Content)
		}
	}
	return d, nil
}
