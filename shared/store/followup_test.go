package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// routedConversation is an open conversation as routing leaves it: assigned,
// normal priority, urgency 20, Vietnamese, its first-response clock running.
func routedConversation(t *testing.T, s *store.Store, num string, edit func(c *domain.Conversation)) domain.Conversation {
	t.Helper()
	c := openConversation(t, s, num)
	now := s.Now()
	saved, err := s.UpdateLoadedConversation(context.Background(), c, func(c *domain.Conversation) ([]store.Write, error) {
		c.Team, c.Language, c.AssigneeID, c.AssignedAt = "support", "vi", "lan", now
		c.Priority, c.Urgency = domain.PriorityNormal, &domain.Urgency{Score: 20}
		c.LastMessageAt, c.LastInboundAt = now.Add(-time.Minute), now.Add(-time.Minute)
		c.SLA.Metric, c.SLA.StartedAt, c.SLA.DueAt, c.SLA.WarnAt = "first_response", now, now.Add(time.Hour), now.Add(48*time.Minute)
		if edit != nil {
			edit(c)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

// refusal is a follow-up the in-place path must leave to the router: what
// the stored conversation or the message differs in.
type refusal struct {
	name string
	conv func(*domain.Conversation)
	msg  func(*store.FollowUp)
}

// followUpOf is base for conversation c, edited by f.
func followUpOf(c domain.Conversation, base store.FollowUp, f func(*store.FollowUp)) store.FollowUp {
	base.ConversationID = c.ID
	if f != nil {
		f(&base)
	}
	return base
}

// checkRefused applies fu to conv and fails unless it is left to the router
// with nothing written.
func checkRefused(t *testing.T, s *store.Store, name string, conv domain.Conversation, fu store.FollowUp) {
	t.Helper()
	ctx := context.Background()
	done, err := s.TouchFollowUp(ctx, fu)
	if err != nil || done {
		t.Fatalf("%s: applied %v (%v), want it left to the router", name, done, err)
	}
	after, err := s.GetConversation(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != conv.Version || !after.LastInboundAt.Equal(conv.LastInboundAt) {
		t.Fatalf("%s: the refused follow-up wrote (version %d → %d)", name, conv.Version, after.Version)
	}
}

// A follow-up is applied in place only when it can change nothing but the
// conversation's times; in every other case it writes nothing and is left
// to the router.
func TestAFollowUpIsAppliedInPlaceOnlyWhenItChangesNothingButTimes(t *testing.T) {
	s, db, table := newStore(t)
	ctx := context.Background()
	base := store.FollowUp{OccurredAt: s.Now(), Channel: domain.ChannelZalo, Priority: domain.PriorityNormal, Score: 10, Language: "vi"}
	follow := func(c domain.Conversation, f func(*store.FollowUp)) store.FollowUp { return followUpOf(c, base, f) }
	refused := []refusal{
		{name: "never routed", conv: func(c *domain.Conversation) { c.Team, c.AssigneeID = "", "" }},
		{name: "pending on the customer", conv: func(c *domain.Conversation) {
			c.Status, c.SLA.PausedSince = domain.ConversationPending, c.SLA.StartedAt
		}},
		{name: "resolved", conv: func(c *domain.Conversation) { c.Status = domain.ConversationResolved }},
		{name: "the agent has answered", conv: func(c *domain.Conversation) { c.SLA.MetAt = c.SLA.StartedAt }},
		{name: "an effect is owed", conv: func(c *domain.Conversation) { c.Owed = []string{"ack"} }},
		{name: "another language", conv: func(c *domain.Conversation) { c.Language = "en" }},
		{name: "a more urgent message", msg: func(f *store.FollowUp) { f.Priority = domain.PriorityHigh }},
		{name: "a higher urgency score", msg: func(f *store.FollowUp) { f.Score = 21 }},
		{name: "an older message", msg: func(f *store.FollowUp) { f.OccurredAt = f.OccurredAt.Add(-2 * time.Minute) }},
		{name: "no such conversation", msg: func(f *store.FollowUp) { f.ConversationID = "con_01M8MRC9G7EBE5Q9VDQC71TXWG" }},
	}
	for i, c := range refused {
		conv := routedConversation(t, s, "091300100"+string(rune('0'+i)), c.conv)
		checkRefused(t, s, c.name, conv, follow(conv, c.msg))
	}
	conv := routedConversation(t, s, "0913001100", nil)
	fu := follow(conv, nil)
	done, err := s.TouchFollowUp(ctx, fu)
	if err != nil || !done {
		t.Fatalf("a times-only follow-up: applied %v (%v), want applied", done, err)
	}
	after, err := s.GetConversation(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != conv.Version+1 || !after.LastInboundAt.Equal(fu.OccurredAt) || !after.LastMessageAt.Equal(fu.OccurredAt) ||
		after.LastChannel != domain.ChannelZalo || after.Priority != conv.Priority || after.AssigneeID != "lan" || !after.SLA.DueAt.Equal(conv.SLA.DueAt) {
		t.Fatalf("after the follow-up: %+v", after)
	}
	// The same message again (a redelivery) is not newer: left to the router.
	if done, err := s.TouchFollowUp(ctx, fu); err != nil || done {
		t.Fatalf("the same follow-up again: applied %v (%v)", done, err)
	}

	// Saved before an emptied owed set was left out, a conversation holds
	// owed = NULL: it owes nothing, and takes the same path.
	old := routedConversation(t, s, "0913001300", nil)
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table,
		Key:              map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "V#" + old.ID}, "SK": &types.AttributeValueMemberS{Value: "V"}},
		UpdateExpression: aws.String("SET owed = :n"), ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberNULL{Value: true}},
	}); err != nil {
		t.Fatal(err)
	}
	if done, err := s.TouchFollowUp(ctx, follow(old, nil)); err != nil || !done {
		t.Fatalf("a times-only follow-up in a conversation whose owed is NULL: applied %v (%v), want applied", done, err)
	}

	// Waiting in its team's queue, it takes the same path: the queue's order
	// (priority, due time) does not move, and it stays unassigned.
	queued := routedConversation(t, s, "0913001200", func(c *domain.Conversation) { c.AssigneeID, c.AssignedAt = "", time.Time{} })
	qf := follow(queued, nil)
	if done, err := s.TouchFollowUp(ctx, qf); err != nil || !done {
		t.Fatalf("a times-only follow-up in a queued conversation: applied %v (%v), want applied", done, err)
	}
	page, err := s.Queue(ctx, "support", 50, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range page.Items {
		if c.ID == queued.ID {
			found = c.AssigneeID == "" && c.LastInboundAt.Equal(qf.OccurredAt) && c.SLA.DueAt.Equal(queued.SLA.DueAt) && c.Version == queued.Version+1
		}
	}
	if !found {
		t.Fatalf("the queued conversation after its follow-up is not in its queue as it was with new times: %+v", page.Items)
	}

	// A customer of no known language takes the same path (the request then
	// names no language attribute: DynamoDB refuses an unused name).
	nolang := routedConversation(t, s, "0913001400", nil)
	if done, err := s.TouchFollowUp(ctx, follow(nolang, func(f *store.FollowUp) { f.Language = "" })); err != nil || !done {
		t.Fatalf("a times-only follow-up from a customer of no known language: applied %v (%v), want applied", done, err)
	}
}

// A conversation whose first message is still on its way to the router (no
// team, no clock) takes a follow-up of no urgency in place: its times and
// the customer's language. One the stored state cannot vouch for (any
// urgency, a more urgent priority, an owed effect, an older message) is left
// to the router.
func TestAFollowUpBeforeTheFirstMessageIsRoutedIsAppliedInPlaceWhenItHasNoUrgency(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	base := store.FollowUp{OccurredAt: s.Now().Add(time.Second), Channel: domain.ChannelWebchat, Priority: domain.PriorityNormal, Language: "vi"}
	follow := func(c domain.Conversation, f func(*store.FollowUp)) store.FollowUp { return followUpOf(c, base, f) }
	refused := []refusal{
		{name: "some urgency", msg: func(f *store.FollowUp) { f.Score = 5 }},
		{name: "a more urgent message", msg: func(f *store.FollowUp) { f.Priority = domain.PriorityHigh }},
		{name: "an effect is owed", conv: func(c *domain.Conversation) { c.Owed = []string{"ack"} }},
		{name: "its clock started", conv: func(c *domain.Conversation) { c.SLA.StartedAt = s.Now() }},
		{name: "an older message", conv: func(c *domain.Conversation) { c.LastMessageAt = s.Now().Add(time.Hour) }},
		{name: "resolved", conv: func(c *domain.Conversation) { c.Status = domain.ConversationResolved }},
	}
	for i, c := range refused {
		conv := openConversation(t, s, "091300200"+string(rune('0'+i)))
		if c.conv != nil {
			var err error
			if conv, err = s.UpdateLoadedConversation(ctx, conv, func(cv *domain.Conversation) ([]store.Write, error) { c.conv(cv); return nil, nil }); err != nil {
				t.Fatal(err)
			}
		}
		checkRefused(t, s, c.name, conv, follow(conv, c.msg))
	}
	conv := openConversation(t, s, "0913002100")
	if conv.Team != "" || !conv.SLA.StartedAt.IsZero() {
		t.Fatalf("the conversation as ingest opens it is routed already: %+v", conv)
	}
	fu := follow(conv, nil)
	if done, err := s.TouchFollowUp(ctx, fu); err != nil || !done {
		t.Fatalf("a follow-up of no urgency before routing: applied %v (%v), want applied", done, err)
	}
	after, err := s.GetConversation(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != conv.Version+1 || !after.LastInboundAt.Equal(fu.OccurredAt) || after.Language != "vi" || after.LastChannel != domain.ChannelWebchat ||
		after.Team != "" || !after.SLA.StartedAt.IsZero() || after.Urgency != nil {
		t.Fatalf("after the follow-up: %+v", after)
	}
	// Its redelivery is not newer: left to the router.
	if done, err := s.TouchFollowUp(ctx, fu); err != nil || done {
		t.Fatalf("the same follow-up again: applied %v (%v)", done, err)
	}

	// No routing job follows a conversation staff opened (a win-back
	// outreach) or one quarantined mail opened: her next message is the
	// router's, or the conversation would never be routed.
	byStaff, err := s.ResolveCustomer(ctx, []domain.Identity{phone(t, "0913002200")}, "Lan")
	if err != nil {
		t.Fatal(err)
	}
	outreach, _, err := s.OpenConversation(ctx, byStaff.Customer.ID, domain.ChannelWhatsApp)
	if err != nil {
		t.Fatal(err)
	}
	checkRefused(t, s, "opened by staff", outreach, follow(outreach, nil))
	in := msg([]domain.Identity{phone(t, "0913002300")}, "ses", "m-quarantined", "You won a prize", time.Now())
	in.Touchpoint.Metadata = map[string]string{"quarantined": "spam verdict FAIL"}
	q, err := s.RecordInbound(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	qc, err := s.GetConversation(ctx, q.Touchpoint.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	checkRefused(t, s, "opened by quarantined mail", qc, follow(qc, nil))
}
