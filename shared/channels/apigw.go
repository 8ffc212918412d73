package channels

import (
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/httpapi"
)

// FromHTTPAPI builds a Request from an API Gateway HTTP API (payload 2.0)
// event. publicBaseURL is PUBLIC_BASE_URL; the public URL is never taken from
// the event's Host header. now zero means the time API Gateway stamped on the
// request (requestContext.timeEpoch), which lets a recorded event be replayed
// against its own signing time.
func FromHTTPAPI(ev *events.APIGatewayV2HTTPRequest, publicBaseURL string, now time.Time) (Request, error) {
	body, err := httpapi.Body(*ev)
	if err != nil {
		return Request{}, err
	}
	headers := make(map[string]string, len(ev.Headers))
	for k, v := range ev.Headers {
		headers[strings.ToLower(k)] = v
	}
	query, err := url.ParseQuery(ev.RawQueryString)
	if err != nil {
		return Request{}, Invalid("malformed query string")
	}
	if now.IsZero() && ev.RequestContext.TimeEpoch > 0 {
		now = time.UnixMilli(ev.RequestContext.TimeEpoch).UTC()
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	return Request{
		Method:    ev.RequestContext.HTTP.Method,
		Path:      path,
		PublicURL: strings.TrimRight(publicBaseURL, "/") + path,
		RawQuery:  ev.RawQueryString,
		Headers:   headers,
		Query:     query,
		Body:      body,
		Now:       now,
	}, nil
}
