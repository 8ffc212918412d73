// Package devjwt mints and checks the local stack's agent tokens: HS256 JWTs signed with LOCAL_JWT_SECRET,
// carrying the claims the deployed Cognito authorizer passes on (sub, cognito:groups). It stands in for
// Cognito on one machine and must never be deployed.
package devjwt

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// DefaultSecret is LOCAL_JWT_SECRET when the environment does not set it: public, development only.
	DefaultSecret = "concierge-dev-jwt-secret"
	// Issuer and Audience are what the local authorizer requires, as the deployed one requires the user
	// pool's issuer and the app client's audience.
	Issuer   = "concierge-local"
	Audience = "concierge-agents"
	// GroupsClaim is Cognito's group list claim.
	GroupsClaim = "cognito:groups"
)

// Secret is LOCAL_JWT_SECRET, or DefaultSecret.
func Secret() string {
	if s := os.Getenv("LOCAL_JWT_SECRET"); s != "" {
		return s
	}
	return DefaultSecret
}

// Mint signs a token for sub in groups, valid for ttl from now.
func Mint(secret, sub string, groups []string, extra map[string]any, now time.Time, ttl time.Duration) (string, error) {
	if sub == "" {
		return "", errors.New("devjwt: sub is required")
	}
	claims := jwt.MapClaims{
		"sub":       sub,
		"iss":       Issuer,
		"aud":       Audience,
		"iat":       now.Unix(),
		"exp":       now.Add(ttl).Unix(),
		"token_use": "id",
	}
	if len(groups) > 0 {
		claims[GroupsClaim] = groups
	}
	for k, v := range extra {
		claims[k] = v
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
}

// Verified is what the authorizer passes to the function.
type Verified struct {
	Claims map[string]string
	Scopes []string
}

// Verify checks the token the way API Gateway's JWT authorizer does (signature, exp, nbf, iss, aud) and
// renders its claims as API Gateway does: every value a string, a list as "[a b]".
func Verify(secret, token string, now time.Time) (Verified, error) {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithJSONNumber(),
	)
	claims := jwt.MapClaims{}
	if _, err := parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil }); err != nil {
		return Verified{}, err
	}
	v := Verified{Claims: make(map[string]string, len(claims))}
	keys := make([]string, 0, len(claims))
	for k := range claims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.Claims[k] = render(claims[k])
	}
	// API Gateway takes scopes from "scope" (space-separated) or "scp".
	switch s := claims["scope"].(type) {
	case string:
		v.Scopes = strings.Fields(s)
	}
	if v.Scopes == nil {
		if list, ok := claims["scp"].([]any); ok {
			for _, x := range list {
				v.Scopes = append(v.Scopes, render(x))
			}
		}
	}
	return v, nil
}

func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = render(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case nil:
		return ""
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}
