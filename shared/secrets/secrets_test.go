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

// declares is a function's config: two provider secrets and a plain setting.
type declares struct {
	Twilio string `env:"TWILIO_AUTH_TOKEN" secret:"true"`
	Meta   string `env:"META_APP_SECRET" secret:"true"`
	Name   string `env:"BUSINESS_NAME"`
}

func TestLoadIntoEnvSetsMissingSecretsOnly(t *testing.T) {
	t.Setenv(EnvVar, "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:concierge")
	t.Setenv("META_APP_SECRET", "from-env")
	os.Unsetenv("TWILIO_AUTH_TOKEN")
	t.Cleanup(func() { os.Unsetenv("TWILIO_AUTH_TOKEN") })
	sm := fakeSecretsManager(t, `{"TWILIO_AUTH_TOKEN":"tw-secret","META_APP_SECRET":"from-secret"}`)
	set, err := LoadIntoEnv(context.Background(), sm, &declares{})
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
	if _, err := LoadIntoEnv(context.Background(), fakeSecretsManager(t, `"just a string"`), &declares{}); err == nil || !strings.Contains(err.Error(), "JSON object") {
		t.Fatalf("err = %v", err)
	}
}

func TestNothingToLoadWithoutTheVariable(t *testing.T) {
	t.Setenv(EnvVar, "")
	if set, err := LoadIntoEnv(context.Background(), nil, &declares{}); err != nil || set != nil {
		t.Fatalf("%v %v", set, err)
	}
}

func TestLoadIntoEnvTakesOnlyTheDeclaredKeys(t *testing.T) {
	t.Setenv(EnvVar, "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:concierge")
	for _, k := range []string{"TWILIO_AUTH_TOKEN", "META_APP_SECRET", "TELEGRAM_BOT_TOKEN", "BUSINESS_NAME"} {
		os.Unsetenv(k)
		t.Cleanup(func() { os.Unsetenv(k) })
	}
	sm := fakeSecretsManager(t, `{"TWILIO_AUTH_TOKEN":"tw","META_APP_SECRET":"meta","TELEGRAM_BOT_TOKEN":"tg","BUSINESS_NAME":"not a secret"}`)
	set, err := LoadIntoEnv(context.Background(), sm, &declares{})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(set)
	if strings.Join(set, ",") != "META_APP_SECRET,TWILIO_AUTH_TOKEN" {
		t.Fatalf("set %v, want only the declared secrets", set)
	}
	for _, k := range []string{"TELEGRAM_BOT_TOKEN", "BUSINESS_NAME"} {
		if v, ok := os.LookupEnv(k); ok {
			t.Errorf("%s=%q set from the secret, but the config does not declare it secret", k, v)
		}
	}
}
