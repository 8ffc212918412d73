package outbound

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// A Zalo follower id larger than 2^53: it must travel as a string.
const zaloUser = "2512523625412515123"

func TestZalo(t *testing.T) {
	p := newProvider(t, reply{status: 200, body: `{"data":{"message_id":"a8d2b58c4f1e2a0d7b1c","user_id":"2512523625412515123"},"error":0,"message":"Success"}`})
	res, err := newHarness(Config{ZaloAPIBase: p.URL, ZaloOAAccessToken: "zalo-oa-token"}).Send(context.Background(), Message{Channel: domain.ChannelZalo, To: zaloUser, Text: "Dạ shop chào anh ạ", LastInboundAt: now.Add(-time.Hour)})
	if err != nil || res.ProviderMessageID != "a8d2b58c4f1e2a0d7b1c" || res.Provider != "zalo" {
		t.Fatalf("res %+v err %v", res, err)
	}
	req := p.only(t)
	if req.Path != "/v3.0/oa/message/cs" || req.Header.Get("access_token") != "zalo-oa-token" {
		t.Fatalf("request %s access_token %q", req.Path, req.Header.Get("access_token"))
	}
	want := map[string]any{"recipient": map[string]any{"user_id": zaloUser}, "message": map[string]any{"text": "Dạ shop chào anh ạ"}}
	if got := decodeJSON(t, req.Body); !reflect.DeepEqual(got, want) {
		t.Fatalf("body = %v", got)
	}
}

func TestZaloErrorUnderHTTP200(t *testing.T) {
	p := newProvider(t, reply{status: 200, body: `{"error":-213,"message":"User has not followed OA"}`})
	h := newHarness(Config{ZaloAPIBase: p.URL, ZaloOAAccessToken: "t"})
	_, err := h.Send(context.Background(), Message{Channel: domain.ChannelZalo, To: zaloUser, Text: "x", LastInboundAt: now.Add(-time.Hour)})
	e, ok := channels.AsError(err)
	if !ok || e.Temporary || e.Code != "-213" || e.Message != "User has not followed OA" || len(p.requests()) != 1 {
		t.Fatalf("err = %v", err)
	}
	if domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("code = %s", domain.ErrorCode(err))
	}
}
