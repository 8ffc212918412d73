package webhook_test

import (
	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/meta"
	"github.com/concierge-cx/concierge/shared/channels/twilio"
	"github.com/concierge-cx/concierge/shared/channels/vonage"
)

func parseBy(provider string) func(channels.Request) (channels.Result, error) {
	switch provider {
	case "meta":
		return meta.Parse
	case "twilio":
		return twilio.ParseMessage
	default:
		return vonage.Parse
	}
}
