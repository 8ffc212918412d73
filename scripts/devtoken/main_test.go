package main

import (
	"testing"
	"time"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
)

// A partner token carries the partner id under the one claim name the agent API reads, as the gateway
// passes it on.
func TestPartnerTokenCarriesCustomPartnerID(t *testing.T) {
	now := time.Now()
	tok, err := devjwt.Mint("s", "partner-1", splitList("partner"), Claims("p1", "Đối tác Một", "p1@partner.example"), now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	v, err := devjwt.Verify("s", tok, now)
	if err != nil {
		t.Fatal(err)
	}
	if v.Claims["custom:partner_id"] != "p1" || v.Claims["cognito:groups"] != "[partner]" || v.Claims["name"] != "Đối tác Một" || v.Claims["email"] != "p1@partner.example" {
		t.Fatalf("claims %v", v.Claims)
	}
	if _, ok := v.Claims["custom:partnerId"]; ok {
		t.Fatal("the old claim name is still minted")
	}
}
