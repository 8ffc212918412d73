package story

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
)

// A call nobody answered is one contact, not two; replies are not her contacts.
func TestTallyCountsAMissedCallOnce(t *testing.T) {
	tl := []domain.Touchpoint{
		{Channel: domain.ChannelZalo, Direction: domain.DirectionIn, Kind: domain.KindMessage, Provider: "zalo", ProviderMessageID: "z1"},
		{Channel: domain.ChannelWhatsApp, Direction: domain.DirectionOut, Kind: domain.KindMessage, Provider: "meta", ProviderMessageID: "wamid.ack"},
		{Channel: domain.ChannelVoice, Direction: domain.DirectionIn, Kind: domain.KindCall, Provider: "twilio", ProviderMessageID: "CA1"},
		{Channel: domain.ChannelVoice, Direction: domain.DirectionIn, Kind: domain.KindMissedCall, Provider: "twilio", ProviderMessageID: "CA1:missed"},
		// A missed call whose ringing was never stored is still a contact.
		{Channel: domain.ChannelVoice, Direction: domain.DirectionIn, Kind: domain.KindMissedCall, Provider: "twilio", ProviderMessageID: "CA2:missed"},
	}
	got := Tally(tl)
	if got[domain.ChannelVoice] != 2 || got[domain.ChannelZalo] != 1 || got[domain.ChannelWhatsApp] != 0 || len(got) != 2 {
		t.Fatalf("tally %v", got)
	}
}

// Times print with their zone, and a retelling says so.
func TestPrintShowsZonesAndRetelling(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	at := time.Date(2026, 11, 29, 20, 42, 41, 0, time.UTC)
	r := Result{Customer: domain.Customer{DisplayName: Name, ID: "cus_1"}, Known: true, Before: 8,
		Timeline: []domain.Touchpoint{{Channel: domain.ChannelZalo, Direction: domain.DirectionIn, Kind: domain.KindMessage, Text: ZaloText, OccurredAt: at}}}
	var b bytes.Buffer
	Print(&b, r, loc)
	out := b.String()
	for _, want := range []string{"2026-11-30 03:42:41 +07:00", "UTC+07:00", "told her story again", "nothing was merged"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
