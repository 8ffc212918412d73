// Package email is the email function: inbound mail that an SES receipt rule
// stored in S3 (and announced by its Lambda action, or by an SNS action with
// the message inline) becomes one touchpoint on the sender's timeline, in
// the right conversation, with its attachments in S3, and a routing job.
package email

import "github.com/concierge-cx/concierge/shared/stage"

// Config is the email function's environment. The CDK stack and the local
// stack read the names from here (envconfig.Names).
type Config struct {
	stage.Settings
	RoutingQueueURL string `env:"ROUTING_QUEUE_URL" required:"true"`
	UrgentQueueURL  string `env:"URGENT_QUEUE_URL"`

	// RawMailBucket and RawMailPrefix are where the receipt rule's S3 action
	// stores each message, as <prefix><SES message id>.
	RawMailBucket string `env:"RAW_MAIL_BUCKET" required:"true"`
	RawMailPrefix string `env:"RAW_MAIL_PREFIX"`
	// AttachmentsBucket holds decoded attachments and inline images.
	AttachmentsBucket string `env:"ATTACHMENTS_BUCKET" required:"true"`
	// SupportAddresses are the mailboxes customers write to (comma-separated).
	// Mail from one of them is our own and is dropped (no loops).
	SupportAddresses []string `env:"SUPPORT_ADDRESSES" required:"true"`
	// ReplyDomain is the domain of the reply+<conversation id>@ addresses
	// Concierge sends from.
	ReplyDomain string `env:"REPLY_DOMAIN" required:"true"`
}
