// Package s3client builds the S3 client, on S3_ENDPOINT when it is set
// (path-style, as fauxqs needs).
package s3client

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// New returns an S3 client.
func New(cfg aws.Config, opts ...func(*s3.Options)) *s3.Client {
	if ep := os.Getenv("S3_ENDPOINT"); ep != "" {
		opts = append([]func(*s3.Options){func(o *s3.Options) {
			o.BaseEndpoint = aws.String(ep)
			o.UsePathStyle = true
		}}, opts...)
	}
	return s3.NewFromConfig(cfg, opts...)
}
