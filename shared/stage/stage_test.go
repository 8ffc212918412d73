package stage

import (
	"slices"
	"testing"

	"github.com/concierge-cx/concierge/shared/envconfig"
)

func TestDefaultsComeFromTheTags(t *testing.T) {
	var loaded Settings
	if err := envconfig.LoadFrom(func(k string) (string, bool) { return map[string]string{"TABLE_NAME": "t"}[k], k == "TABLE_NAME" }, &loaded); err != nil {
		t.Fatal(err)
	}
	d := Defaults()
	if DefaultTeam != "support" || d.DefaultTeam != loaded.DefaultTeam || d.TimeZone != "Asia/Ho_Chi_Minh" || !slices.Equal(d.DefaultLanguages, []string{"vi", "en"}) {
		t.Fatalf("defaults %+v, loaded %+v", d, loaded)
	}
}
