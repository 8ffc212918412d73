package email

// Bucket is one S3 bucket. The email function reads raw mail from one and writes attachments to the other; the
// local stack and the CDK stack create both from here.
type Bucket struct {
	// Name is the base name; the deployed and local names are Prefix + Name (the deployed stack adds the
	// account to keep it globally unique).
	Name string
	// EnvVar carries the bucket name to every function.
	EnvVar string
}

// RawMail holds inbound email as SES stores it: the raw MIME under RawMailPrefix + the SES message id.
var RawMail = Bucket{Name: "concierge-raw-mail", EnvVar: "RAW_MAIL_BUCKET"}

// Attachments holds files taken out of messages and mail.
var Attachments = Bucket{Name: "concierge-attachments", EnvVar: "ATTACHMENTS_BUCKET"}

// RawMailPrefix is the SES receipt rule's S3 action object key prefix.
const RawMailPrefix = "inbound/"

// RawMailPrefixEnv carries RawMailPrefix to the functions.
const RawMailPrefixEnv = "RAW_MAIL_PREFIX"

// Buckets lists the buckets.
func Buckets() []Bucket { return []Bucket{RawMail, Attachments} }
