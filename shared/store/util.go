package store

import (
	"strconv"
	"strings"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func joinComma(parts []string) string { return strings.Join(parts, ", ") }
