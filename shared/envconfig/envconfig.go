// Package envconfig loads a function's configuration from environment
// variables into a struct, at cold start, with one clear error naming every
// missing or malformed variable. The struct is the one source of truth for
// the names: the CDK stack's tests compare each function's environment with
// Names(&Config{}).
//
//	type Config struct {
//	    Table  string `env:"TABLE_NAME" required:"true"`
//	    Region string `env:"DEFAULT_PHONE_REGION" default:"VN"`
//	    Token  string `env:"TWILIO_AUTH_TOKEN" secret:"true"`
//	}
package envconfig

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Load fills cfg (a pointer to a struct) from the environment.
func Load(cfg any) error { return LoadFrom(os.LookupEnv, cfg) }

// LoadFrom fills cfg from lookup (tests pass a map's lookup).
func LoadFrom(lookup func(string) (string, bool), cfg any) error {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("envconfig: want a pointer to a struct, got %T", cfg)
	}
	var problems []string
	walk(v.Elem(), func(f reflect.StructField, fv reflect.Value) {
		name := f.Tag.Get("env")
		raw, ok := lookup(name)
		raw = strings.TrimSpace(raw)
		if !ok || raw == "" {
			if f.Tag.Get("required") == "true" {
				problems = append(problems, name+" is required but not set")
				return
			}
			raw, ok = f.Tag.Get("default"), f.Tag.Get("default") != ""
			if !ok {
				return
			}
		}
		if err := set(fv, raw); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
		}
	})
	if len(problems) > 0 {
		return fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Defaults fills cfg's fields from their default tags only, as if nothing
// were set and nothing required. A malformed default panics: it is a
// programming error caught by any test that loads the struct.
func Defaults(cfg any) {
	walk(reflect.ValueOf(cfg).Elem(), func(f reflect.StructField, fv reflect.Value) {
		if d := f.Tag.Get("default"); d != "" {
			if err := set(fv, d); err != nil {
				panic(fmt.Sprintf("envconfig: default of %s: %v", f.Tag.Get("env"), err))
			}
		}
	})
}

// Names lists the environment variables cfg reads, in field order.
func Names(cfg any) []string {
	var out []string
	walk(reflect.ValueOf(cfg).Elem(), func(f reflect.StructField, _ reflect.Value) {
		out = append(out, f.Tag.Get("env"))
	})
	return out
}

// Required lists the variables that must be set.
func Required(cfg any) []string {
	var out []string
	walk(reflect.ValueOf(cfg).Elem(), func(f reflect.StructField, _ reflect.Value) {
		if f.Tag.Get("required") == "true" {
			out = append(out, f.Tag.Get("env"))
		}
	})
	return out
}

// Secrets lists the variables marked secret: never logged, provided from a
// secret store in AWS.
func Secrets(cfg any) []string {
	var out []string
	walk(reflect.ValueOf(cfg).Elem(), func(f reflect.StructField, _ reflect.Value) {
		if f.Tag.Get("secret") == "true" {
			out = append(out, f.Tag.Get("env"))
		}
	})
	return out
}

// walk visits every field with an env tag, descending into embedded structs.
func walk(v reflect.Value, visit func(reflect.StructField, reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		// Embedded and nested config structs (a function's config holding the
		// senders' config) contribute their variables.
		if f.Type.Kind() == reflect.Struct && f.Tag.Get("env") == "" && f.Type != reflect.TypeOf(time.Time{}) {
			walk(fv, visit)
			continue
		}
		if f.Tag.Get("env") != "" {
			visit(f, fv)
		}
	}
}

func set(fv reflect.Value, raw string) error {
	switch fv.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration: %q", raw)
		}
		fv.SetInt(int64(d))
		return nil
	case []string:
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		fv.Set(reflect.ValueOf(parts))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(raw)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer: %q", raw)
		}
		fv.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not a boolean: %q", raw)
		}
		fv.SetBool(b)
	default:
		return fmt.Errorf("unsupported field type %s", fv.Type())
	}
	return nil
}
