package email

import (
	"context"
	"errors"
	"io"
	stdmime "mime"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/concierge-cx/concierge/shared/attachments"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/mime"
)

// ObjectStore is the part of the S3 API the email function uses.
type ObjectStore interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// S3Sink stores a message's attachments in one bucket under
// <SES message id>/<SHA-256 of the content>. The key depends only on what
// SES delivered, so a retried message overwrites its attachments instead of
// adding copies. The decoded file name and type travel as the object's
// Content-Disposition and Content-Type, ready for a download link.
type S3Sink struct {
	S3           ObjectStore
	Bucket       string
	SESMessageID string
}

// Store uploads one part. r comes straight from the parser's decoded copy;
// with ContentLength known the SDK streams it without buffering again.
func (s S3Sink) Store(ctx context.Context, part mime.PartInfo, r io.Reader) (domain.Attachment, error) {
	key := s.SESMessageID + "/" + part.SHA256
	disposition := "attachment"
	if part.Inline {
		disposition = "inline"
	}
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.Bucket),
		Key:           aws.String(key),
		Body:          r,
		ContentLength: aws.Int64(part.Size),
		ContentType:   aws.String(part.ContentType),
	}
	if cd := stdmime.FormatMediaType(disposition, map[string]string{"filename": part.Name}); cd != "" {
		in.ContentDisposition = aws.String(cd)
	}
	if _, err := s.S3.PutObject(ctx, in); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return domain.Attachment{}, domain.Wrap(err, domain.CodeUnavailable, "storing an attachment was cancelled")
		}
		return domain.Attachment{}, domain.Wrap(err, domain.CodeUnavailable, "attachments bucket unavailable")
	}
	return domain.Attachment{URL: attachments.ObjectURL(s.Bucket, key)}, nil
}
