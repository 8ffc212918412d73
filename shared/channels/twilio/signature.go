// Package twilio adapts Twilio's Messaging (SMS, WhatsApp) and Voice webhooks:
// signature checks, parsing into domain events, and the TwiML we answer calls
// with.
package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"

	"github.com/concierge-cx/concierge/shared/channels"
)

// SignatureHeader is the lower-cased name of Twilio's signature header.
const SignatureHeader = "x-twilio-signature"

// StringToSign is what Twilio signs: the URL, then every POST parameter's
// name and value, names in byte order and a repeated name's values sorted.
func StringToSign(rawURL string, params url.Values) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(rawURL)
	for _, k := range names {
		vals := append([]string(nil), params[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	return b.String()
}

// Signature computes X-Twilio-Signature: base64(HMAC-SHA1(authToken, StringToSign)).
func Signature(authToken, rawURL string, params url.Values) string {
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(StringToSign(rawURL, params)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidSignature reports whether signature matches the URL and params. Like
// Twilio's SDKs it also accepts the URL with its port removed, or with the
// scheme's default port added, because Twilio is inconsistent about ports.
func ValidSignature(authToken, rawURL string, params url.Values, signature string) bool {
	if signature == "" || authToken == "" {
		return false
	}
	ok := false
	// Every candidate is computed and compared so timing does not reveal
	// which URL form matched.
	for _, u := range urlVariants(rawURL) {
		if channels.Equal(Signature(authToken, u, params), signature) {
			ok = true
		}
	}
	return ok
}

// ValidBodyHash checks the bodySHA256 query parameter Twilio sends with JSON
// bodies against the body's SHA-256.
func ValidBodyHash(body []byte, hexHash string) bool {
	sum := sha256.Sum256(body)
	return channels.Equal(hex.EncodeToString(sum[:]), strings.ToLower(hexHash))
}

// Verify checks a Twilio webhook: the signature over the configured public URL
// (plus the query string received) and the form parameters, or, when the URL
// carries bodySHA256, over the URL alone with the body's hash checked apart.
func Verify(req channels.Request, authToken string) error {
	sig := req.Header(SignatureHeader)
	if sig == "" {
		return channels.Forbidden("missing X-Twilio-Signature")
	}
	signedURL := req.SignedURL()
	if h := req.Query.Get("bodySHA256"); h != "" {
		if !ValidSignature(authToken, signedURL, nil, sig) {
			return channels.Forbidden("bad Twilio signature")
		}
		if !ValidBodyHash(req.Body, h) {
			return channels.Forbidden("body does not match bodySHA256")
		}
		return nil
	}
	params, err := url.ParseQuery(string(req.Body))
	if err != nil {
		// A body we cannot read cannot carry a valid signature either.
		return channels.Forbidden("bad Twilio signature")
	}
	if !ValidSignature(authToken, signedURL, params, sig) {
		return channels.Forbidden("bad Twilio signature")
	}
	return nil
}

// urlVariants returns the URL as given, without its port, and with the
// scheme's default port added. String surgery keeps every other byte as it
// was: re-encoding through url.URL could change escapes and break the HMAC.
func urlVariants(rawURL string) []string {
	out := []string{rawURL}
	i := strings.Index(rawURL, "://")
	if i < 0 {
		return out
	}
	scheme := strings.ToLower(rawURL[:i])
	start := i + 3
	end := len(rawURL)
	if j := strings.IndexAny(rawURL[start:], "/?#"); j >= 0 {
		end = start + j
	}
	authority := rawURL[start:end]
	hostStart := strings.LastIndexByte(authority, '@') + 1
	hostport := authority[hostStart:]
	host, port := hostport, ""
	if c := strings.LastIndexByte(hostport, ':'); c >= 0 && !strings.Contains(hostport[c:], "]") {
		host, port = hostport[:c], hostport[c+1:]
	}
	prefix, suffix := rawURL[:start]+authority[:hostStart], rawURL[end:]
	if port != "" {
		out = append(out, prefix+host+suffix)
		return out
	}
	switch scheme {
	case "https":
		out = append(out, prefix+host+":443"+suffix)
	case "http":
		out = append(out, prefix+host+":80"+suffix)
	}
	return out
}
