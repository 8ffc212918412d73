package envconfig

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

type base struct {
	Table string `env:"TABLE_NAME" required:"true"`
}

type cfg struct {
	base
	Region  string        `env:"DEFAULT_PHONE_REGION" default:"VN"`
	Token   string        `env:"TWILIO_AUTH_TOKEN" secret:"true"`
	Timeout time.Duration `env:"TIMEOUT" default:"3s"`
	Max     int           `env:"MAX"`
	List    []string      `env:"SUPPORT_ADDRESSES"`
}

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadNamesEveryProblem(t *testing.T) {
	var c cfg
	err := LoadFrom(lookup(map[string]string{"MAX": "ten"}), &c)
	if err == nil || !strings.Contains(err.Error(), "TABLE_NAME is required") || !strings.Contains(err.Error(), "MAX: not an integer") {
		t.Fatalf("error %v should name TABLE_NAME and MAX", err)
	}
}

func TestLoadFillsDefaultsAndLists(t *testing.T) {
	var c cfg
	err := LoadFrom(lookup(map[string]string{"TABLE_NAME": "t", "SUPPORT_ADDRESSES": " a@x.vn, b@x.vn ,", "TWILIO_AUTH_TOKEN": "s"}), &c)
	if err != nil {
		t.Fatal(err)
	}
	if c.Table != "t" || c.Region != "VN" || c.Timeout != 3*time.Second || !reflect.DeepEqual(c.List, []string{"a@x.vn", "b@x.vn"}) || c.Token != "s" {
		t.Fatalf("%+v", c)
	}
	if got := Names(&c); !reflect.DeepEqual(got, []string{"TABLE_NAME", "DEFAULT_PHONE_REGION", "TWILIO_AUTH_TOKEN", "TIMEOUT", "MAX", "SUPPORT_ADDRESSES"}) {
		t.Fatalf("names %v", got)
	}
	if got := Secrets(&c); !reflect.DeepEqual(got, []string{"TWILIO_AUTH_TOKEN"}) {
		t.Fatalf("secrets %v", got)
	}
	if got := Required(&c); !reflect.DeepEqual(got, []string{"TABLE_NAME"}) {
		t.Fatalf("required %v", got)
	}
}

func TestDefaultsIgnoreRequired(t *testing.T) {
	var c cfg
	Defaults(&c)
	if c.Table != "" || c.Region != "VN" || c.Timeout != 3*time.Second {
		t.Fatalf("%+v", c)
	}
}
