package emulators

import (
	"os"
	"slices"
	"testing"
)

// DynamoDB Local runs with the client compiler only unless DYNAMODB_LOCAL_JAVA_OPTS says otherwise; set
// empty, it gets the JVM's defaults.
func TestDynamoJVMFlags(t *testing.T) {
	for _, c := range []struct {
		env  *string
		want []string
	}{
		{nil, []string{"-XX:TieredStopAtLevel=1"}},
		{ptr(""), nil},
		{ptr(" -XX:+UseSerialGC  -Xss512k "), []string{"-XX:+UseSerialGC", "-Xss512k"}},
	} {
		if c.env == nil {
			t.Setenv("DYNAMODB_LOCAL_JAVA_OPTS", "")
			unsetenv(t, "DYNAMODB_LOCAL_JAVA_OPTS")
		} else {
			t.Setenv("DYNAMODB_LOCAL_JAVA_OPTS", *c.env)
		}
		if got := dynamoJVMFlags(); !slices.Equal(got, c.want) {
			t.Errorf("DYNAMODB_LOCAL_JAVA_OPTS %s: flags %q, want %q", describe(c.env), got, c.want)
		}
	}
}

func ptr(s string) *string { return &s }

func describe(v *string) string {
	if v == nil {
		return "unset"
	}
	return "=" + *v
}

// unsetenv removes k for the rest of the test; t.Setenv first, so it is restored after.
func unsetenv(t *testing.T, k string) {
	t.Helper()
	if err := os.Unsetenv(k); err != nil {
		t.Fatal(err)
	}
}
