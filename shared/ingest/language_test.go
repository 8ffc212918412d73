package ingest

import (
	"testing"

	"github.com/concierge-cx/concierge/shared/domain"
)

// What decides a new customer's language, in order: a reliable reading of
// her text, the language her own app reports (Telegram), a +84 phone.
func TestGuessLanguage(t *testing.T) {
	vnPhone := []domain.Identity{{Kind: domain.KindPhone, Value: "+84912345678"}}
	tg := []domain.Identity{{Kind: domain.KindTelegram, Value: "123456789"}}
	for _, c := range []struct {
		name, text, app string
		ids             []domain.Identity
		want            string
	}{
		{"English text wins over a Vietnamese phone", "Hello, my order has not arrived yet, can you check it please?", "", vnPhone, "en"},
		{"Vietnamese text wins over an English app", "Chào shop, đơn hàng của mình chưa được giao ạ", "en", tg, "vi"},
		{"a short hello: the app's language", "ok", "en-US", tg, "en"},
		{"a short hello: the app says Vietnamese", "ok", "vi", tg, "vi"},
		{"an app language not served is no evidence", "ok", "ru", tg, ""},
		{"nothing else: the +84 phone", "ok", "", vnPhone, "vi"},
		{"nothing at all", "ok", "", tg, ""},
	} {
		if got := GuessLanguage(c.text, c.ids, c.app); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
