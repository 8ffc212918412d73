package webhook

import "net/url"

func parseForm(body []byte) (url.Values, error) { return url.ParseQuery(string(body)) }
