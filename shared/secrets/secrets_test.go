package secrets

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// A Secrets Manager endpoint speaking the documented JSON protocol
// (X-Amz-Target: secretsmanager.GetSecretValue).
func fakeSecretsManager(t *testing.T, secret string) *secretsmanager.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || !strings.Contains(string(body), "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:concierge") {
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"ValidationException","message":"unexpected request"}`)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(map[string]string{"ARN": "arn", "Name": "concierge", "SecretString": secret})
	}))
	t.Cleanup(srv.Close)
	return secretsmanager.New(secretsmanager.Options{
		Region: "ap-southeast-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}, Retryer: aws.NopRetryer{},
	})
}

func TestLoadIntoEnvSetsMissingSecretsOnly(t *testing.T) {
	t.Setenv(EnvVar, "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:concierge")
	t.Setenv("META_APP_SECRET", "from-env")
	os.Unsetenv("TWILIO_AUTH_TOKEN")
	t.Cleanup(func() { os.Unsetenv("TWILIO_AUTH_TOKEN") })
	sm := fakeSecretsManager(t, `{"TWILIO_AUTH_TOKEN":"tw-secret","META_APP_SECRET":"from-secret"}`)
	set, err := LoadIntoEnv(context.Background(), sm)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(set)
	if len(set) != 1 || set[0] != "TWILIO_AUTH_TOKEN" || os.Getenv("TWILIO_AUTH_TOKEN") != "tw-secret" || os.Getenv("META_APP_SECRET") != "from-env" {
		t.Fatalf("set %v; TWILIO_AUTH_TOKEN=%q META_APP_SECRET=%q", set, os.Getenv("TWILIO_AUTH_TOKEN"), os.Getenv("META_APP_SECRET"))
	}
}

func TestLoadIntoEnvRefusesANonObjectSecret(t *testing.T) {
	t.Setenv(EnvVar, "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:concierge")
	if _, err := LoadIntoEnv(context.Background(), fakeSecretsManager(t, `"just a string"`)); err == nil || !strings.Contains(err.Error(), "JSON object") {
		t.Fatalf("err = %v", err)
	}
}

func TestNothingToLoadWithoutTheVariable(t *testing.T) {
	t.Setenv(EnvVar, "")
	if set, err := LoadIntoEnv(context.Background(), nil); err != nil || set != nil {
		t.Fatalf("%v %v", set, err)
	}
}
