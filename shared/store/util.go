package store

import (
	"errors"

	"github.com/concierge-cx/concierge/shared/domain"
	"strconv"
	"strings"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func joinComma(parts []string) string { return strings.Join(parts, ", ") }

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func errMalformedCursor() error { return domain.Errorf(domain.CodeInvalid, "malformed cursor") }
