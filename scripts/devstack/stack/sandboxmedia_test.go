package stack

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/httpapi"
	"github.com/concierge-cx/concierge/shared/media"
	"github.com/concierge-cx/concierge/shared/outbound"
)

// Under make dev the router downloads customers' media from the sandbox,
// through the same fetcher and the same provider API shapes as in AWS.
func TestSandboxServesMediaTheWayTheProvidersDo(t *testing.T) {
	srv := httptest.NewServer(&Gateway{Routes: httpapi.NewRouteTable(httpapi.Routes()), Sandbox: &Sandbox{}})
	defer srv.Close()
	bases := SandboxBases(srv.URL)
	p := media.New(outbound.Config{
		MetaGraphBase: bases[outbound.MetaGraphBaseEnv], MetaAccessToken: "dev-token",
		TelegramAPIBase: bases[outbound.TelegramAPIBaseEnv], TelegramBotToken: "123:dev",
	}, &http.Client{Timeout: 5 * time.Second})
	for _, c := range []struct{ provider, ref string }{
		{"meta", "whatsapp:media/1481203367"},
		{"telegram", "telegram:file/AgACAgIAAxkB"},
	} {
		b, err := p.Open(context.Background(), c.provider, domain.Attachment{URL: c.ref})
		if err != nil {
			t.Fatalf("%s: %v", c.ref, err)
		}
		data, _ := io.ReadAll(b)
		b.Close()
		if !strings.HasPrefix(http.DetectContentType(data), "image/jpeg") {
			t.Fatalf("%s: %d bytes of %s", c.ref, len(data), http.DetectContentType(data))
		}
	}
}
