// Package awsclient loads the AWS configuration every function shares. The
// clients are built by one small package per service (ddbclient, sqsclient,
// s3client), so each binary links only the SDK clients it uses. In AWS the
// defaults apply; locally DYNAMODB_ENDPOINT, SQS_ENDPOINT and S3_ENDPOINT
// point the clients at the emulators.
package awsclient

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Load reads the shared AWS configuration (region, credentials) once per cold start.
func Load(ctx context.Context) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx)
}
