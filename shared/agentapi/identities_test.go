package agentapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/store"
)

// Proof rules, end to end through ingest and the API (see docs/identities.md):
//
//	rule                                   | case here
//	email From, auth PASS: verified        | Zoe's first mail makes her customer
//	email Reply-To: claimed                 | the stranger's Reply-To names Zoe: two customers, a suggestion
//	email From, auth FAIL: claimed          | forged From: own customer, flagged, no ack, suggested
//	web-chat typed phone: claimed           | the visitor stays her own customer; suggestion on the phone's owner
//	Zalo user_submit_info phone: verified   | links the follower to the phone customer (merge on proof)
//	staff add / supervisor remove           | POST and DELETE /customers/{id}/identities
func TestIdentitiesLinkOnlyOnProof(t *testing.T) {
	e := newEnv(t)
	e.ing.Merger, e.ing.Profiles = e.st, e.st
	ctx := context.Background()
	sup := e.supervisor(t, "sup-ids")
	ingestOne := func(in domain.Inbound) ingest.Outcome {
		t.Helper()
		if in.OccurredAt.IsZero() {
			in.OccurredAt = e.clk.now()
		}
		out, err := e.ing.Ingest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	mail := func(id, from, replyTo string, unverified bool) ingest.Outcome {
		in := domain.Inbound{Provider: "ses", Channel: domain.ChannelEmail, Kind: domain.KindEmailMsg, ProviderMessageID: id,
			Identities: []domain.RawIdentity{{Kind: domain.KindEmail, Value: from}}, Text: "Hello, about my order", UnverifiedSender: unverified}
		if replyTo != "" {
			in.Identities = append(in.Identities, domain.RawIdentity{Kind: domain.KindEmail, Value: replyTo, Proof: domain.ProofClaimed, Source: domain.ClaimReplyTo})
		}
		return ingestOne(in)
	}

	zoe := mail("ses-zoe-1", "zoe@victim.example", "", false)
	stranger := mail("ses-aaa-1", "aaa@attacker.example", "zoe@victim.example", false)
	if stranger.Customer.ID == zoe.Customer.ID {
		t.Fatal("a Reply-To linked the stranger to Zoe")
	}
	z, err := e.st.GetCustomer(ctx, zoe.Customer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(z.Identities) != 1 || z.Identities[0].Value != "zoe@victim.example" || z.IdentityProof["email#zoe@victim.example"] != domain.ProofVerified {
		t.Fatalf("Zoe's identities changed: %+v %v", z.Identities, z.IdentityProof)
	}
	if stranger.Job.Address != "aaa@attacker.example" {
		t.Fatalf("the stranger is acknowledged at %q", stranger.Job.Address)
	}
	var view struct {
		PossibleDuplicates []struct {
			ID      string   `json:"id"`
			Reasons []string `json:"reasons"`
		} `json:"possibleDuplicates"`
	}
	e.gw.do(t, "GET", "/customers/"+stranger.Customer.ID, sup, "").decode(t, &view)
	if len(view.PossibleDuplicates) != 1 || view.PossibleDuplicates[0].ID != zoe.Customer.ID ||
		!slices.Contains(view.PossibleDuplicates[0].Reasons, "reply-to email zoe@victim.example") {
		t.Fatalf("stranger's possible duplicates = %+v", view.PossibleDuplicates)
	}

	// Forged From naming Zoe: stored, flagged, on its own customer, not acknowledged, suggested.
	forged := mail("ses-forged-1", "zoe@victim.example", "", true)
	if forged.Customer.ID == zoe.Customer.ID || forged.Touchpoint.ConversationID == z.OpenConversationID {
		t.Fatal("forged mail landed on Zoe")
	}
	if !forged.Touchpoint.UnverifiedSender || forged.Job.Address != "" {
		t.Fatalf("forged mail: unverifiedSender=%v ack address %q", forged.Touchpoint.UnverifiedSender, forged.Job.Address)
	}
	notes, err := e.st.DuplicateNotes(ctx, zoe.Customer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(notes, func(n store.DuplicateNote) bool {
		return n.OtherCustomerID == forged.Customer.ID && slices.Contains(n.Reasons, "unverified-from email zoe@victim.example")
	}) {
		t.Fatalf("no suggestion for the forged mail on Zoe: %+v", notes)
	}

	// A web-chat visitor typing Lan's phone stays her own customer.
	lan := e.inbound(t, "0912345678", "wamid.lan1", "Đơn hàng của em")
	visitor := ingestOne(domain.Inbound{Provider: "webchat", Channel: domain.ChannelWebchat, Kind: domain.KindMessage, ProviderMessageID: "wc-1",
		Identities: []domain.RawIdentity{{Kind: domain.KindWebchat, Value: "v_1"}, {Kind: domain.KindPhone, Value: "0912 345 678", Proof: domain.ProofClaimed, Source: domain.ClaimTyped}},
		Text:       "hi"})
	if visitor.Customer.ID == lan.Customer.ID || len(visitor.Customer.Identities) != 1 {
		t.Fatalf("typed phone linked: %+v", visitor.Customer)
	}
	if ids, _ := e.st.PossibleDuplicates(ctx, lan.Customer.ID); !slices.Contains(ids, visitor.Customer.ID) {
		t.Fatalf("no suggestion on Lan for the visitor: %v", ids)
	}

	// A body mentioning Lan's phone suggests, never links.
	sig := mail("ses-lan-sig", "lan.work@example.org", "", false)
	body := ingestOne(domain.Inbound{Provider: "ses", Channel: domain.ChannelEmail, Kind: domain.KindEmailMsg, ProviderMessageID: "ses-lan-2",
		Identities: []domain.RawIdentity{{Kind: domain.KindEmail, Value: "lan.home@example.org"}}, Text: "Cảm ơn,\nLan\nĐT: 0912 345 678"})
	if body.Customer.ID == lan.Customer.ID || !slices.Contains(body.PossibleDuplicates, lan.Customer.ID) {
		t.Fatalf("signature phone: customer %s duplicates %v", body.Customer.ID, body.PossibleDuplicates)
	}
	var queue struct {
		Items []store.Suggestion `json:"items"`
	}
	e.gw.do(t, "GET", "/duplicates", sup, "").decode(t, &queue)
	if len(queue.Items) < 4 || queue.Items[0].FirstSeen.Before(queue.Items[len(queue.Items)-1].FirstSeen) {
		t.Fatalf("queue = %+v", queue.Items)
	}
	sid := store.SuggestionID(body.Customer.ID, lan.Customer.ID)
	if res := e.gw.do(t, "POST", "/customers/"+lan.Customer.ID+"/merge", sup, `{"sourceId":"`+body.Customer.ID+`"}`); res.Status != http.StatusOK {
		t.Fatalf("merge: %d %s", res.Status, res.Body)
	}
	if sg, err := e.st.GetSuggestion(ctx, sid); err != nil || sg.Status != store.SuggestionMerged {
		t.Fatalf("accepted suggestion = %+v, %v", sg, err)
	}

	// Zalo: the follower's message, then user_submit_info with Lan's phone: linked on proof.
	zalo := ingestOne(domain.Inbound{Provider: "zalo", Channel: domain.ChannelZalo, Kind: domain.KindMessage, ProviderMessageID: "z-1",
		Identities: []domain.RawIdentity{{Kind: domain.KindZalo, Value: "2468458835296197922"}}, Text: "Chào shop"})
	if zalo.Customer.ID == lan.Customer.ID {
		t.Fatal("zalo linked without proof")
	}
	ingestOne(domain.Inbound{Provider: "zalo", Channel: domain.ChannelZalo, Kind: domain.KindStatus, ProviderMessageID: "user_submit_info:2468458835296197922:1",
		Identities: []domain.RawIdentity{{Kind: domain.KindZalo, Value: "2468458835296197922"}, {Kind: domain.KindPhone, Value: "84912345678"}}})
	got, err := e.st.FindByIdentity(ctx, domain.Identity{Kind: domain.KindZalo, Value: "2468458835296197922"})
	if err != nil || got.ID != lan.Customer.ID {
		t.Fatalf("Zalo follower is %s (%v), want Lan %s", got.ID, err, lan.Customer.ID)
	}

	// Staff add, foreign add, remove, last identity.
	res := e.gw.do(t, "POST", "/customers/"+zoe.Customer.ID+"/identities", sup, `{"kind":"email","value":"lan.work@example.org"}`)
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, sig.Customer.ID) {
		t.Fatalf("foreign add: %d %s", res.Status, res.Body)
	}
	if res = e.gw.do(t, "POST", "/customers/"+zoe.Customer.ID+"/identities", sup, `{"kind":"phone","value":"not a phone"}`); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "identity.value") {
		t.Fatalf("bad add: %d %s", res.Status, res.Body)
	}
	if res = e.gw.do(t, "POST", "/customers/"+zoe.Customer.ID+"/identities", sup, `{"kind":"email","value":"Zoe.Home@Victim.example"}`); res.Status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.Status, res.Body)
	}
	if res = e.gw.do(t, "DELETE", "/customers/"+zoe.Customer.ID+"/identities/email/zoe.home@victim.example", sup, ""); res.Status != http.StatusOK {
		t.Fatalf("remove: %d %s", res.Status, res.Body)
	}
	if _, err := e.st.FindByIdentity(ctx, domain.Identity{Kind: domain.KindEmail, Value: "zoe.home@victim.example"}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("removed identity still finds a customer: %v", err)
	}
	if res = e.gw.do(t, "DELETE", "/customers/"+zoe.Customer.ID+"/identities/email/zoe@victim.example", sup, ""); res.Status != http.StatusConflict {
		t.Fatalf("removing the last identity: %d %s", res.Status, res.Body)
	}
}

// Replies go to the address that wrote last on the channel; "to" may name
// another verified or staff identity; a claimed or foreign one is 422.
func TestReplyGoesToTheAddressThatWroteLast(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sup := e.supervisor(t, "sup-reply")
	mail := func(id, from string, claimed ...string) ingest.Outcome {
		t.Helper()
		in := domain.Inbound{Provider: "ses", Channel: domain.ChannelEmail, Kind: domain.KindEmailMsg, ProviderMessageID: id,
			Identities: []domain.RawIdentity{{Kind: domain.KindEmail, Value: from}}, Text: "Hello", OccurredAt: e.clk.now()}
		for _, c := range claimed {
			in.Identities = append(in.Identities, domain.RawIdentity{Kind: domain.KindEmail, Value: c, Proof: domain.ProofClaimed, Source: domain.ClaimReplyTo})
		}
		out, err := e.ing.Ingest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		e.clk.advance(time.Minute)
		return out
	}
	zoe := mail("ses-r1", "zoe@victim.example")
	// A second verified address, confirmed by staff, then Zoe writes from it.
	if res := e.gw.do(t, "POST", "/customers/"+zoe.Customer.ID+"/identities", sup, `{"kind":"email","value":"zoe@work.example"}`); res.Status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.Status, res.Body)
	}
	mail("ses-r2", "zoe@work.example")
	// A stranger's Reply-To naming Zoe changes nothing for her replies.
	mail("ses-r3", "aaa@attacker.example", "zoe@victim.example")
	conv := zoe.Touchpoint.ConversationID
	reply := func(body string) response {
		return e.gw.do(t, "POST", "/conversations/"+conv+"/messages", sup, body)
	}
	if res := reply(`{"text":"Dạ em kiểm tra ạ"}`); res.Status != http.StatusCreated {
		t.Fatalf("reply: %d %s", res.Status, res.Body)
	}
	if res := reply(`{"text":"Bản sao","to":{"kind":"email","value":"zoe@victim.example"}}`); res.Status != http.StatusCreated {
		t.Fatalf("reply to: %d %s", res.Status, res.Body)
	}
	if got := e.ses.recipients(); !slices.Equal(got, []string{"zoe@work.example", "zoe@victim.example"}) {
		t.Fatalf("replies went to %v", got)
	}
	for _, to := range []string{`{"kind":"email","value":"aaa@attacker.example"}`, `{"kind":"phone","value":"0912345678"}`} {
		if res := reply(`{"text":"x","to":` + to + `}`); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("reply to %s: %d %s", to, res.Status, res.Body)
		}
	}
	if res := reply(`{"text":"x","to":{"kind":"email","value":"nope"}}`); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "to.value") {
		t.Fatalf("malformed to: %d %s", res.Status, res.Body)
	}
}
