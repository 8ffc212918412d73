package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/ddbmeter"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
)

var norm = domain.Normalizer{DefaultRegion: "VN"}

func newStore(t *testing.T) (*store.Store, *dynamodb.Client, string) {
	t.Helper()
	db, table := testenv.NewTable(t)
	return store.New(db, table), db, table
}

// newMeteredStore is newStore with a meter on its client, and a function
// giving another store on the same table and meter (another container).
func newMeteredStore(t *testing.T) (*store.Store, *ddbmeter.Meter, func() *store.Store) {
	t.Helper()
	base, table := testenv.NewTable(t)
	meter := &ddbmeter.Meter{}
	another := func() *store.Store { return store.New(dynamodb.New(base.Options(), meter.Option), table) }
	return another(), meter, another
}

func phone(t *testing.T, raw string) domain.Identity {
	t.Helper()
	id, err := norm.Normalize(domain.KindPhone, raw)
	if err != nil {
		t.Fatalf("normalize %q: %v", raw, err)
	}
	return id
}

func msg(ids []domain.Identity, provider, msgID, text string, at time.Time) store.Inbound {
	return store.Inbound{
		Identities: ids,
		Touchpoint: domain.Touchpoint{
			Channel: domain.ChannelSMS, Kind: domain.KindMessage, Provider: provider,
			ProviderMessageID: msgID, Text: text, OccurredAt: at,
		},
	}
}

// countItems scans the whole table: what a user of the table would find.
func countItems(t *testing.T, db *dynamodb.Client, table string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	var start map[string]types.AttributeValue
	for {
		out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: &table, ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			typ := "?"
			if v, ok := it["type"].(*types.AttributeValueMemberS); ok {
				typ = v.Value
			}
			counts[typ]++
		}
		if out.LastEvaluatedKey == nil {
			return counts
		}
		start = out.LastEvaluatedKey
	}
}

func TestConcurrentFirstContactsMakeOneCustomer(t *testing.T) {
	s, db, table := newStore(t)
	ctx := context.Background()
	ids := []domain.Identity{phone(t, "+84 912 345 678")}
	base := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const n = 32
	run := func() []store.InboundResult {
		var wg sync.WaitGroup
		results := make([]store.InboundResult, n)
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				results[i], errs[i] = s.RecordInbound(ctx, msg(ids, "twilio", fmt.Sprintf("SM%032d", i), fmt.Sprintf("Tin nhắn số %d", i), base.Add(time.Duration(i)*time.Second)))
			}(i)
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		return results
	}
	first := run()
	customers := map[string]bool{}
	created := 0
	for _, r := range first {
		customers[r.Customer.ID] = true
		if r.NewCustomer {
			created++
		}
		if r.Duplicate {
			t.Fatalf("first delivery reported as duplicate: %+v", r.Touchpoint)
		}
	}
	if len(customers) != 1 || created != 1 {
		t.Fatalf("32 first contacts made %d customers (%d created), want 1", len(customers), created)
	}
	// Replay every message three times, all at once.
	var wg sync.WaitGroup
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, res := range run() {
				if !res.Duplicate {
					t.Errorf("replay of %s stored again", res.Touchpoint.ProviderMessageID)
				}
			}
		}()
	}
	wg.Wait()

	got := countItems(t, db, table)
	want := map[string]int{"customer": 1, "identity": 1, "touchpoint": n, "dedup": n, "conversation": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s items = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	var cid string
	for id := range customers {
		cid = id
	}
	c, err := s.GetCustomer(ctx, cid)
	if err != nil {
		t.Fatal(err)
	}
	if c.ChannelCounts[domain.ChannelSMS] != n {
		t.Errorf("profile counts %d SMS messages, want %d (replays must not count)", c.ChannelCounts[domain.ChannelSMS], n)
	}
	if !c.LastContactAt.Equal(base.Add((n - 1) * time.Second)) {
		t.Errorf("last contact %v, want the newest message's time", c.LastContactAt)
	}
	page, err := s.Timeline(ctx, cid, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != n {
		t.Fatalf("timeline has %d touchpoints, want %d", len(page.Items), n)
	}
	conv := page.Items[0].ConversationID
	for i, tp := range page.Items {
		if want := fmt.Sprintf("Tin nhắn số %d", n-1-i); tp.Text != want {
			t.Fatalf("timeline[%d] = %q, want %q (newest first)", i, tp.Text, want)
		}
		if tp.ConversationID != conv || conv != c.OpenConversationID {
			t.Fatalf("touchpoint %d in conversation %q, want the one open conversation %q", i, tp.ConversationID, c.OpenConversationID)
		}
	}
}

func TestPhoneSpellingsAndEmailFindOneCustomer(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	email, err := norm.Normalize(domain.KindEmail, "  Lan.Nguyen@Example.COM ")
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.ResolveCustomer(ctx, []domain.Identity{phone(t, "+84 912 345 678"), email}, "Nguyễn Thị Lan")
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created {
		t.Fatal("first resolve did not create the customer")
	}
	spellings := []struct {
		kind domain.IdentityKind
		raw  string
	}{
		{domain.KindPhone, "+84 912 345 678"},
		{domain.KindPhone, "0912345678"},
		{domain.KindWhatsApp, "84912345678"},
		{domain.KindPhone, "whatsapp:+84912345678"},
		{domain.KindEmail, "  Lan.Nguyen@Example.COM "},
		{domain.KindEmail, "lan.nguyen@example.com"},
	}
	for _, sp := range spellings {
		id, err := norm.Normalize(sp.kind, sp.raw)
		if err != nil {
			t.Fatalf("%q: %v", sp.raw, err)
		}
		r, err := s.ResolveCustomer(ctx, []domain.Identity{id}, "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Created || r.Customer.ID != first.Customer.ID {
			t.Errorf("%q resolved to %s (created=%v), want %s", sp.raw, r.Customer.ID, r.Created, first.Customer.ID)
		}
		if r.Customer.DisplayName != "Nguyễn Thị Lan" {
			t.Errorf("%q: name %q", sp.raw, r.Customer.DisplayName)
		}
	}
}

func TestNewIdentityIsLinkedAndTwoCustomersAreNeverMerged(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	tele := domain.Identity{Kind: domain.KindTelegram, Value: "123456789"}
	lan := phone(t, "0912345678")
	r1, err := s.RecordInbound(ctx, msg([]domain.Identity{lan}, "twilio", "SM1", "Chào shop", time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	// A web-chat message carrying a new identity plus the known phone links the new one.
	in := msg([]domain.Identity{tele, lan}, "webchat", "w1", "Em là Lan đây", time.Time{})
	r2, err := s.RecordInbound(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Customer.ID != r1.Customer.ID || len(r2.Linked) != 1 {
		t.Fatalf("new identity not linked: %+v", r2)
	}
	r3, err := s.ResolveCustomer(ctx, []domain.Identity{tele}, "")
	if err != nil || r3.Customer.ID != r1.Customer.ID {
		t.Fatalf("telegram id resolves to %s, %v; want %s", r3.Customer.ID, err, r1.Customer.ID)
	}
	// Another person, then a message naming both: noted, not merged.
	other := phone(t, "0987654321")
	r4, err := s.RecordInbound(ctx, msg([]domain.Identity{other}, "twilio", "SM2", "Hello", time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	r5, err := s.RecordInbound(ctx, msg([]domain.Identity{other, lan}, "webchat", "w2", "Đây là số của chồng em", time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	if r5.Customer.ID != r4.Customer.ID {
		t.Fatalf("message went to %s, want the channel identity's owner %s", r5.Customer.ID, r4.Customer.ID)
	}
	if len(r5.PossibleDuplicates) != 1 || r5.PossibleDuplicates[0] != r1.Customer.ID {
		t.Fatalf("possible duplicates %v, want [%s]", r5.PossibleDuplicates, r1.Customer.ID)
	}
	for _, pair := range [][2]string{{r1.Customer.ID, r4.Customer.ID}, {r4.Customer.ID, r1.Customer.ID}} {
		d, err := s.PossibleDuplicates(ctx, pair[0])
		if err != nil || len(d) != 1 || d[0] != pair[1] {
			t.Errorf("duplicate note of %s = %v, %v", pair[0], d, err)
		}
	}
	lanNow, err := s.ResolveCustomer(ctx, []domain.Identity{lan}, "")
	if err != nil {
		t.Fatal(err)
	}
	if lanNow.Customer.ID != r1.Customer.ID {
		t.Errorf("Lan's phone now resolves to %s: customers were merged", lanNow.Customer.ID)
	}
}

func TestBadInputStoresNothing(t *testing.T) {
	s, db, table := newStore(t)
	ctx := context.Background()
	if _, err := norm.Normalize(domain.KindPhone, "12ab"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("invalid phone: %v, want code invalid", err)
	}
	if _, err := norm.Normalize(domain.KindPhone, "+84 123"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("too short phone: %v, want code invalid", err)
	}
	if _, err := norm.Normalize(domain.KindEmail, "lan at example"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("invalid email: %v, want code invalid", err)
	}
	cases := []struct {
		name string
		in   store.Inbound
		code domain.Code
	}{
		{"no identity", msg(nil, "twilio", "SM1", "hi", time.Time{}), domain.CodeInvalid},
		{"unnormalized identity", msg([]domain.Identity{{Kind: domain.KindPhone}}, "twilio", "SM1", "hi", time.Time{}), domain.CodeInvalid},
		{"no provider id", msg([]domain.Identity{phone(t, "0912345678")}, "twilio", "", "hi", time.Time{}), domain.CodeInvalid},
		{"over-long text", msg([]domain.Identity{phone(t, "0912345678")}, "twilio", "SM1", strings.Repeat("Ừ ", store.MaxTouchpointBytes/3), time.Time{}), domain.CodeTooLarge},
		{"invalid utf-8", msg([]domain.Identity{phone(t, "0912345678")}, "twilio", "SM1", "\xff\xfe", time.Time{}), domain.CodeInvalid},
	}
	for _, c := range cases {
		_, err := s.RecordInbound(ctx, c.in)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != c.code {
			t.Errorf("%s: err = %v, want a domain error with code %s", c.name, err, c.code)
		}
	}
	if _, err := s.ResolveCustomer(ctx, nil, ""); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("empty identity set: %v", err)
	}
	// Text just under the raw limit but whose item exceeds the budget with metadata.
	big := msg([]domain.Identity{phone(t, "0912345678")}, "twilio", "SM2", strings.Repeat("a", store.MaxTouchpointBytes-10), time.Time{})
	big.Touchpoint.Metadata = map[string]string{"note": strings.Repeat("b", 100)}
	if _, err := s.RecordInbound(ctx, big); domain.ErrorCode(err) != domain.CodeTooLarge {
		t.Errorf("item over budget: %v", err)
	}
	if got := countItems(t, db, table); len(got) != 0 {
		t.Fatalf("bad input left items behind: %v", got)
	}
}

func TestTimelinePagesWithCursor(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	lan := phone(t, "0912345678")
	var cid string
	// Recorded out of order: the timeline orders by when it happened.
	for _, i := range []int{3, 0, 4, 1, 2, 6, 5} {
		r, err := s.RecordInbound(ctx, msg([]domain.Identity{lan}, "twilio", fmt.Sprint("SM", i), fmt.Sprint("m", i), base.Add(time.Duration(i)*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		cid = r.Customer.ID
	}
	var texts []string
	cursor := ""
	pages := 0
	for {
		p, err := s.Timeline(ctx, cid, 3, cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tp := range p.Items {
			texts = append(texts, tp.Text)
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if got := strings.Join(texts, ","); got != "m6,m5,m4,m3,m2,m1,m0" {
		t.Fatalf("timeline = %s, want newest first", got)
	}
	if pages < 3 {
		t.Fatalf("7 items in pages of 3 took %d pages", pages)
	}
	other, err := s.RecordInbound(ctx, msg([]domain.Identity{phone(t, "0987654321")}, "twilio", "SMx", "x", time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	p1, err := s.Timeline(ctx, cid, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"garbage!", p1.Next[:len(p1.Next)-2], "dDEueA"} {
		if _, err := s.Timeline(ctx, cid, 2, bad); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("cursor %q: %v, want invalid", bad, err)
		}
	}
	if _, err := s.Timeline(ctx, other.Customer.ID, 2, p1.Next); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("another customer's cursor accepted: %v", err)
	}
	if _, err := s.Timeline(ctx, cid, 1000, ""); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("limit 1000: %v", err)
	}
}

func TestProfileUpdateRefusesStaleVersionAndKeepsAgentName(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	lan := phone(t, "0912345678")
	in := msg([]domain.Identity{lan}, "meta", "wamid.1", "Chào", time.Time{})
	in.ProfileName = "Lan 🌸"
	r, err := s.RecordInbound(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Customer.DisplayName != "Lan 🌸" {
		t.Fatalf("provider name did not fill the empty name: %q", r.Customer.DisplayName)
	}
	name, lang := "Nguyễn Thị Lan", "vi"
	c, err := s.UpdateProfile(ctx, r.Customer.ID, r.Customer.Version, store.ProfilePatch{DisplayName: &name, Language: &lang})
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != r.Customer.Version+1 || c.DisplayName != name || c.NameSource != "agent" {
		t.Fatalf("after update: %+v", c)
	}
	tier := "vip"
	if _, err := s.UpdateProfile(ctx, r.Customer.ID, r.Customer.Version, store.ProfilePatch{Tier: &tier}); domain.ErrorCode(err) != domain.CodeStale {
		t.Fatalf("stale version accepted: %v", err)
	}
	// New messages (which bump counters) do not make the agent's version stale,
	// and a provider name never overwrites the agent's.
	in2 := msg([]domain.Identity{lan}, "meta", "wamid.2", "Cảm ơn", time.Time{})
	in2.ProfileName = "lan.shop"
	if _, err := s.RecordInbound(ctx, in2); err != nil {
		t.Fatal(err)
	}
	c2, err := s.UpdateProfile(ctx, r.Customer.ID, c.Version, store.ProfilePatch{Tier: &tier})
	if err != nil {
		t.Fatalf("update after inbound message: %v", err)
	}
	if c2.DisplayName != name || c2.Tier != "vip" || c2.ChannelCounts[domain.ChannelSMS] != 2 {
		t.Fatalf("profile after message and update: %+v", c2)
	}
	missing := "cus_01JCQ0000000000000000000AA"
	if _, err := s.UpdateProfile(ctx, missing, 1, store.ProfilePatch{Tier: &tier}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("missing customer: %v", err)
	}
}

func TestDeliveryStatusOnlyMovesForward(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.RecordInbound(ctx, msg([]domain.Identity{phone(t, "0912345678")}, "meta", "wamid.9", "xin chào", time.Time{})); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		status  domain.DeliveryStatus
		applied bool
		want    domain.DeliveryStatus
	}{
		{domain.StatusDelivered, true, domain.StatusDelivered},
		{domain.StatusSent, false, domain.StatusDelivered}, // late callback
		{domain.StatusRead, true, domain.StatusRead},
		{domain.StatusDelivered, false, domain.StatusRead},
	}
	for _, st := range steps {
		tp, applied, err := s.UpdateDeliveryStatus(ctx, domain.StatusUpdate{Provider: "meta", ProviderMessageID: "wamid.9", Status: st.status})
		if err != nil {
			t.Fatal(err)
		}
		if applied != st.applied || tp.Status != st.want {
			t.Errorf("%s: applied=%v status=%s, want %v %s", st.status, applied, tp.Status, st.applied, st.want)
		}
	}
	if _, _, err := s.UpdateDeliveryStatus(ctx, domain.StatusUpdate{Provider: "meta", ProviderMessageID: "nope", Status: domain.StatusRead}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("unknown message: %v", err)
	}
}

func TestEmailThreadFindsTheConversation(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	email, _ := norm.Normalize(domain.KindEmail, "lan.nguyen@example.com")
	in := msg([]domain.Identity{email}, "ses", "ses-1", "Đơn hàng #123", time.Time{})
	in.MessageIDs = []string{"<CAF=abc@mail.gmail.com>"}
	r, err := s.RecordInbound(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.IndexMessageIDs(ctx, r.Touchpoint.ConversationID, r.Customer.ID, "<reply-1@concierge.example.com>"); err != nil {
		t.Fatal(err)
	}
	for _, refs := range [][]string{
		{"<reply-1@concierge.example.com>"},
		{"<unknown@x>", "CAF=abc@mail.gmail.com"},
	} {
		hit, ok, err := s.FindThread(ctx, refs)
		if err != nil || !ok || hit.ConversationID != r.Touchpoint.ConversationID || hit.CustomerID != r.Customer.ID {
			t.Fatalf("%v: %+v %v %v", refs, hit, ok, err)
		}
	}
	if _, ok, err := s.FindThread(ctx, []string{"<CAF=ABC@mail.gmail.com>"}); err != nil || ok {
		t.Fatalf("Message-ID local parts are case-sensitive (%v)", err)
	}
}

func TestACustomerResolvedBeforeAnyMessageCanWrite(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	email, _ := norm.Normalize(domain.KindEmail, "lan.nguyen@example.com")
	r, err := s.ResolveCustomer(ctx, []domain.Identity{phone(t, "0912345678"), email}, "Nguyễn Thị Lan")
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.RecordInbound(ctx, msg([]domain.Identity{email}, "ses", "ses-1", "Chào shop", time.Time{}))
	if err != nil || in.Customer.ID != r.Customer.ID || in.Customer.LastContactAt.IsZero() {
		t.Fatalf("first message of a resolved customer: %+v, %v", in.Customer, err)
	}
}

// A request DynamoDB refuses in itself (here a key above its size limit) is
// no outage: it must not read as "unavailable", which makes providers and SQS
// retry forever. Values from outside are checked before they become keys;
// this is the backstop for what slips through.
func TestRefusedRequestIsNotAnOutage(t *testing.T) {
	st, _, _ := newStore(t)
	_, err := st.FindByIdentity(context.Background(), domain.Identity{Kind: domain.KindTelegram, Value: strings.Repeat("9", 3<<10)})
	if err == nil || domain.ErrorCode(err) != domain.CodeInternal {
		t.Fatalf("oversized key: %v (code %s), want an internal error", err, domain.ErrorCode(err))
	}
}

// A missed call is the end of a call already on the timeline: the channel
// tally (and so the most used channel) counts the call once.
func TestAMissedCallIsCountedOnceWithItsCall(t *testing.T) {
	st, _, _ := newStore(t)
	ctx := context.Background()
	p, err := norm.Normalize(domain.KindPhone, "0912 345 678")
	if err != nil {
		t.Fatal(err)
	}
	rec := func(kind domain.TouchpointKind, ch domain.Channel, id string) store.InboundResult {
		t.Helper()
		res, err := st.RecordInbound(ctx, store.Inbound{Identities: []domain.Identity{p}, Touchpoint: domain.Touchpoint{
			Channel: ch, Kind: kind, Provider: "twilio", ProviderMessageID: id, OccurredAt: time.Now()}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	rec(domain.KindMessage, domain.ChannelWhatsApp, "SM-1")
	rec(domain.KindMessage, domain.ChannelWhatsApp, "SM-2")
	rec(domain.KindCall, domain.ChannelVoice, "CA-1")
	res := rec(domain.KindMissedCall, domain.ChannelVoice, "CA-1-missed")
	c, err := st.GetCustomer(ctx, res.Customer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.ChannelCounts[domain.ChannelVoice] != 1 || c.ChannelCounts[domain.ChannelWhatsApp] != 2 || c.MostUsedChannel != domain.ChannelWhatsApp {
		t.Fatalf("tally %v, most used %s; want voice 1, whatsapp 2, most used whatsapp", c.ChannelCounts, c.MostUsedChannel)
	}
}

// The supervisors' suggestion queue pages: the next cursor of one page reads
// the next page, and every open suggestion is seen once.
func TestOpenSuggestionsPage(t *testing.T) {
	st, _, _ := newStore(t)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 4; i++ {
		res, err := st.RecordInbound(ctx, store.Inbound{Identities: []domain.Identity{phone(t, fmt.Sprintf("091300%04d", i))}, Touchpoint: domain.Touchpoint{
			Channel: domain.ChannelSMS, Kind: domain.KindMessage, Provider: "twilio", ProviderMessageID: fmt.Sprint("SM-page-", i), Text: "xin chào", OccurredAt: time.Now()}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Customer.ID)
	}
	for i := 1; i < 4; i++ {
		if err := st.Suggest(ctx, ids[0], ids[i], []string{"same name Lan"}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	cursor := ""
	for page := 0; page < 5; page++ {
		list, next, err := st.OpenSuggestions(ctx, 1, cursor)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		for _, s := range list {
			if seen[s.ID] {
				t.Fatalf("suggestion %s seen twice", s.ID)
			}
			seen[s.ID] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 3 {
		t.Fatalf("paged through %d suggestions, want 3", len(seen))
	}
	if _, _, err := st.OpenSuggestions(ctx, 1, "bm90LWEtY3Vyc29y"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("a malformed cursor: %v, want invalid", err)
	}
}
