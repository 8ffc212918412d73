package outbound

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/oklog/ulid/v2"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// SESClient returns an SES v2 client, on SES_ENDPOINT when it is set (the
// local stack's capture server).
func SESClient(cfg aws.Config, opts ...func(*sesv2.Options)) *sesv2.Client {
	if ep := os.Getenv("SES_ENDPOINT"); ep != "" {
		opts = append([]func(*sesv2.Options){func(o *sesv2.Options) { o.BaseEndpoint = aws.String(ep) }}, opts...)
	}
	return sesv2.NewFromConfig(cfg, opts...)
}

// sesTransient lists SES error codes that mean "later": throttling and the
// sending quota. The SDK has already retried them with backoff.
var sesTransient = map[string]bool{"TooManyRequestsException": true, "LimitExceededException": true, "Throttling": true, "ThrottlingException": true}

// email sends through SES v2 SendEmail with a raw message built here, so
// that Message-ID, In-Reply-To, References, Reply-To and Auto-Submitted are
// exactly ours. The SDK retries throttling and 5xx itself; Attempts counts
// its tries.
func (r *Dispatcher) email(ctx context.Context, m Message) (Result, error) {
	var res Result
	raw, msgID, err := r.buildEmail(m)
	if err != nil {
		return res, err
	}
	res.MessageID = msgID
	attempts := 0
	out, err := r.ses.SendEmail(ctx, &sesv2.SendEmailInput{Content: &types.EmailContent{Raw: &types.RawMessage{Data: raw}}}, countAttempts(&attempts))
	res.Attempts = attempts
	if err != nil {
		return res, sesError(err, attempts, m.To)
	}
	res.ProviderMessageID = aws.ToString(out.MessageId)
	return res, nil
}

// countAttempts adds a step after the SDK's retry loop, so it runs once per
// HTTP attempt, successful or not.
func countAttempts(n *int) func(*sesv2.Options) {
	return func(o *sesv2.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("ConciergeAttempts",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					*n++
					return next.HandleFinalize(ctx, in)
				}), middleware.After)
		})
	}
}

func sesError(err error, attempts int, to string) *channels.Error {
	e := &channels.Error{Provider: ProviderSES, Attempts: attempts, Temporary: true}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		e.Status = re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code = ae.ErrorCode()
		e.Message = scrub(ae.ErrorMessage(), to)
		e.Temporary = ae.ErrorFault() == smithy.FaultServer || sesTransient[e.Code] || e.Status >= 500
		return e
	}
	// No answer from SES at all: a network failure or the context ending.
	e.Message = "no response"
	e.Err = err
	return e
}

// buildEmail writes the RFC 5322 message: UTF-8 text/plain, quoted-printable,
// with a subject and display names encoded per RFC 2047.
func (r *Dispatcher) buildEmail(m Message) ([]byte, string, error) {
	fromRaw := m.From
	if fromRaw == "" {
		fromRaw = r.cfg.SESFromAddress
	}
	from, err := mail.ParseAddress(oneLine(fromRaw))
	if err != nil {
		return nil, "", domain.Errorf(domain.CodeInvalid, "the sender address is not a valid email address")
	}
	to, err := mail.ParseAddress(oneLine(m.To))
	if err != nil {
		return nil, "", domain.Errorf(domain.CodeInvalid, "the recipient is not a valid email address")
	}
	idDomain := r.cfg.ReplyDomain
	if idDomain == "" {
		idDomain = from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	}
	msgID := m.MessageID
	if msgID == "" {
		msgID = "<" + strings.ToLower(ulid.MustNew(ulid.Timestamp(r.now()), rand.Reader).String()) + "@" + idDomain + ">"
	}
	msgID = angle(msgID)
	replyTo := oneLine(m.ReplyTo)
	if replyTo == "" && m.ConversationID != "" && r.cfg.ReplyDomain != "" {
		replyTo = "reply+" + m.ConversationID + "@" + r.cfg.ReplyDomain
	}
	var rt *mail.Address
	if replyTo != "" {
		if rt, err = mail.ParseAddress(replyTo); err != nil {
			return nil, "", domain.Errorf(domain.CodeInvalid, "the Reply-To address is not a valid email address")
		}
	}

	var b bytes.Buffer
	header := func(name, value string) {
		if value != "" {
			b.WriteString(name + ": " + value + "\r\n")
		}
	}
	header("From", from.String())
	header("To", to.String())
	if rt != nil {
		header("Reply-To", rt.String())
	}
	header("Subject", encodeHeader(oneLine(m.Subject)))
	header("Date", r.now().Format(time.RFC1123Z))
	header("Message-ID", msgID)
	if v := oneLine(m.InReplyTo); v != "" {
		header("In-Reply-To", angle(v))
	}
	var refs []string
	for _, ref := range m.References {
		if v := oneLine(ref); v != "" {
			refs = append(refs, angle(v))
		}
	}
	// One id per folded line keeps a long thread under the line limit.
	header("References", strings.Join(refs, "\r\n "))
	if m.AutoGenerated {
		// RFC 3834 for standard mail software; Exchange honours only its own header.
		header("Auto-Submitted", "auto-replied")
		header("X-Auto-Response-Suppress", "All")
	}
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\r", "\n")
	if _, err := qp.Write([]byte(text)); err != nil {
		return nil, "", domain.Wrap(err, domain.CodeInternal, "cannot encode the email body")
	}
	if err := qp.Close(); err != nil {
		return nil, "", domain.Wrap(err, domain.CodeInternal, "cannot encode the email body")
	}
	return b.Bytes(), msgID, nil
}

// encodeHeader encodes a non-ASCII header value as RFC 2047 base64 words,
// one word per folded line. Base64 is shorter than Q for Vietnamese, where
// most letters carry diacritics.
func encodeHeader(v string) string {
	enc := mime.BEncoding.Encode("utf-8", v)
	if enc == v {
		return v
	}
	return strings.ReplaceAll(enc, " =?utf-8?b?", "\r\n =?utf-8?b?")
}

// oneLine drops line breaks from a header value, so nothing a customer or an
// agent typed can add a header.
func oneLine(v string) string {
	return strings.TrimSpace(strings.NewReplacer("\r", " ", "\n", " ").Replace(v))
}

// angle writes a message id as <id>.
func angle(id string) string {
	id = strings.TrimSpace(id)
	if strings.HasPrefix(id, "<") && strings.HasSuffix(id, ">") {
		return id
	}
	return "<" + strings.Trim(id, "<>") + ">"
}
