package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Routing keys. A conversation waiting for an agent is in its team's queue
// (GSI1 QUEUE#<team>); an assigned one is in its agent's list (GSI1
// AGENT#<id>); both sort by priority rank, then due time. A running SLA clock
// puts the conversation in the sweeper's index (GSI2 SLA) at its next event
// time, in one of KeyShards partitions (SLA#<n>, see shards.go). Agents are
// in GSI2 by status.
const (
	pfxAgent       = "A#"
	skAgent        = "A"
	typeAgent      = "agent"
	gsiQueue       = "QUEUE#"
	gsiAgentConvs  = "AGENT#"
	gsiSLA         = "SLA"
	gsiAgentStatus = "AGENTS#"
	pfxQuiet       = "Q#"
	typeQuiet      = "quiet"
	// sortTime is fixed-width so that times sort as strings.
	sortTime = "2006-01-02T15:04:05.000Z"
)

func agentKey(id string) map[string]types.AttributeValue { return key(pfxAgent+id, skAgent) }

// queueSortKey orders a work queue as domain.QueueOrder does: urgent first,
// then the earliest due.
func queueSortKey(c domain.Conversation) string {
	return strconv.Itoa(domain.PriorityRank(c.Priority)) + "#" + domain.QueueDue(c).UTC().Format(sortTime) + "#" + c.ID
}

// slaNextEvent is when the sweeper must next look at the conversation.
func slaNextEvent(c domain.Conversation) time.Time {
	s := c.SLA
	if s.StartedAt.IsZero() || !s.MetAt.IsZero() || !s.PausedSince.IsZero() || c.Closed() {
		return time.Time{}
	}
	if s.WarnedAt.IsZero() && !s.WarnAt.IsZero() {
		return s.WarnAt
	}
	if s.BreachedAt.IsZero() {
		return s.DueAt
	}
	return time.Time{}
}

func (s *Store) marshalRoutedConversation(c domain.Conversation) (map[string]types.AttributeValue, error) {
	item, err := marshalConversation(c)
	if err != nil {
		return nil, err
	}
	if !c.Closed() {
		team := c.Team
		if team == "" {
			team = stage.DefaultTeam
		}
		pk := gsiQueue + team
		if c.AssigneeID != "" {
			pk = gsiAgentConvs + c.AssigneeID
		}
		item[table.GSI1PK] = &types.AttributeValueMemberS{Value: pk}
		item[table.GSI1SK] = &types.AttributeValueMemberS{Value: queueSortKey(c)}
	}
	if next := slaNextEvent(c); !next.IsZero() {
		item[table.GSI2PK] = &types.AttributeValueMemberS{Value: s.sharded(gsiSLA, c.ID)}
		item[table.GSI2SK] = &types.AttributeValueMemberS{Value: next.UTC().Format(sortTime) + "#" + c.ID}
	}
	return item, nil
}

// PutAgent creates or replaces an agent's configuration, keeping the load the
// store counts.
func (s *Store) PutAgent(ctx context.Context, a domain.Agent) (domain.Agent, error) {
	if a.ID == "" || a.MaxConcurrent <= 0 {
		return a, domain.Errorf(domain.CodeInvalid, "an agent needs an id and a capacity above zero")
	}
	if a.Status == "" {
		a.Status = domain.AgentOffline
	}
	a.Version = 1
	if cur, err := s.GetAgent(ctx, a.ID); err == nil {
		a.Load, a.LastAssignedAt, a.LastSeenAt, a.Version = cur.Load, cur.LastAssignedAt, cur.LastSeenAt, cur.Version+1
	} else if domain.ErrorCode(err) != domain.CodeNotFound {
		return a, err
	}
	a.UpdatedAt = s.Now()
	item, err := marshalAgent(a)
	if err != nil {
		return a, err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return a, unavailable(err, "save agent")
	}
	return a, nil
}

func marshalAgent(a domain.Agent) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(a)
	if err != nil {
		return nil, err
	}
	addKeys(item, pfxAgent+a.ID, skAgent, typeAgent)
	agentIndexKeys(item, a)
	return item, nil
}

// GetAgent reads one agent.
func (s *Store) GetAgent(ctx context.Context, id string) (domain.Agent, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: agentKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.Agent{}, unavailable(err, "read agent")
	}
	if out.Item == nil {
		return domain.Agent{}, domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
	}
	var a domain.Agent
	if err := attributevalue.UnmarshalMap(out.Item, &a); err != nil {
		return a, unavailable(err, "decode agent")
	}
	return a, nil
}

// decodeAgents decodes agent items; status, when set, is the status of the
// index partition they were listed in (a projection does not carry it).
func decodeAgents(items []map[string]types.AttributeValue, status string) ([]domain.Agent, error) {
	out := make([]domain.Agent, 0, len(items))
	for _, it := range items {
		var a domain.Agent
		if err := attributevalue.UnmarshalMap(it, &a); err != nil {
			return nil, unavailable(err, "decode agent")
		}
		if status != "" {
			a.Status = status
		}
		out = append(out, a)
	}
	return out, nil
}

// SetAgentStatus changes an agent's availability. The agent is read first:
// the partition it moves to depends on its teams (agentStatusPK), which
// change only with its version, so the write is conditional on that version
// and tried again when a supervisor's edit came between.
func (s *Store) SetAgentStatus(ctx context.Context, id, status string) (domain.Agent, error) {
	switch status {
	case domain.AgentAvailable, domain.AgentAway, domain.AgentOffline:
	default:
		return domain.Agent{}, domain.Errorf(domain.CodeInvalid, "status must be available, away or offline")
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		cur, err := s.GetAgent(ctx, id)
		if err != nil {
			return domain.Agent{}, err
		}
		if cur.Status == domain.AgentInactive {
			return domain.Agent{}, domain.Errorf(domain.CodeForbidden, "agent %s is deactivated", id)
		}
		now, _ := attributevalue.Marshal(s.Now())
		vals := map[string]types.AttributeValue{
			":s": &types.AttributeValueMemberS{Value: status}, ":now": now,
			":g":        &types.AttributeValueMemberS{Value: agentStatusPK(cur.Teams, status)},
			":inactive": &types.AttributeValueMemberS{Value: domain.AgentInactive},
			":v":        &types.AttributeValueMemberN{Value: itoa(cur.Version)},
		}
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       agentKey(id),
			UpdateExpression:          aws.String("SET #st = :s, updatedAt = :now, " + table.GSI2PK + " = :g, " + rosterSet(vals, id)),
			ConditionExpression:       aws.String("attribute_exists(PK) AND #st <> :inactive AND version = :v"),
			ExpressionAttributeNames:  map[string]string{"#st": "status"},
			ExpressionAttributeValues: vals,
			ReturnValues:              types.ReturnValueAllNew,
		})
		if isConditionFailed(err) {
			continue // deleted, deactivated or edited meanwhile: read again
		}
		if err != nil {
			return domain.Agent{}, unavailable(err, "set agent status")
		}
		var a domain.Agent
		err = attributevalue.UnmarshalMap(out.Attributes, &a)
		return a, err
	}
	return domain.Agent{}, errTooManyAttempts("set agent status " + id)
}

// Assign gives conv to agent atomically: the agent must be available with a
// free slot, and the conversation unassigned and unchanged since it was read.
// Under any concurrency no agent exceeds capacity and no conversation is
// assigned twice. A full or unavailable agent is ErrAgentUnavailable
// (CodeConflict); a changed conversation is CodeStale.
func (s *Store) Assign(ctx context.Context, conv domain.Conversation, agentID string) (domain.Conversation, error) {
	if conv.AssigneeID != "" {
		return conv, domain.Errorf(domain.CodeConflict, "conversation %s is already assigned to %s", conv.ID, conv.AssigneeID)
	}
	next := conv
	w := s.AssignChange(&next, agentID)
	return s.saveConversation(ctx, conv, next, []Write{w})
}

// AssignChange sets c's assignee to agentID inside an UpdateConversation
// change and returns the write that takes one of the agent's slots with it
// (TakeAgentSlot).
func (s *Store) AssignChange(c *domain.Conversation, agentID string) Write {
	c.AssigneeID, c.AssignedAt = agentID, s.Now()
	return TakeAgentSlot(agentID)
}

func agentUnavailable(agentID string) error {
	return domain.Wrap(ErrAgentUnavailable, domain.CodeConflict, "agent "+agentID+" is not available or at capacity")
}

// takeSlotWrite counts one more conversation on an available agent with a
// free slot.
func (s *Store) takeSlotWrite(agentID string, now time.Time) types.TransactWriteItem {
	nowAV, _ := attributevalue.Marshal(now)
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                &s.table,
		Key:                      agentKey(agentID),
		UpdateExpression:         aws.String("SET #load = #load + :one, lastAssignedAt = :now"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #st = :avail AND #load < maxConcurrent"),
		ExpressionAttributeNames: map[string]string{"#load": "load", "#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": &types.AttributeValueMemberN{Value: "1"}, ":now": nowAV,
			":avail": &types.AttributeValueMemberS{Value: domain.AgentAvailable},
		},
	}}
}

// releaseAgentWrite is ReleaseAgentSlot's transaction item.
func (s *Store) releaseAgentWrite(agentID string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       agentKey(agentID),
		UpdateExpression:          aws.String("SET #load = #load - :one"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND #load > :zero"),
		ExpressionAttributeNames:  map[string]string{"#load": "load"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}, ":zero": &types.AttributeValueMemberN{Value: "0"}},
	}}
}

// closeOpenConversationWrite is CloseOpenConversation's transaction item.
func (s *Store) closeOpenConversationWrite(customerID, conversationID string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       profileKey(customerID),
		UpdateExpression:          aws.String("REMOVE openConversationId"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND openConversationId = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: conversationID}},
	}}
}

// ConversationPage is a page of a work queue.
type ConversationPage struct {
	Items []domain.Conversation
	Next  string
}

// Queue lists a team's unassigned conversations, urgent first then by due time.
func (s *Store) Queue(ctx context.Context, team string, limit int, cursor string) (ConversationPage, error) {
	return s.queryGSI1(ctx, gsiQueue+team, limit, cursor)
}

// AssignedTo lists an agent's conversations, urgent first then by due time.
func (s *Store) AssignedTo(ctx context.Context, agentID string, limit int, cursor string) (ConversationPage, error) {
	return s.queryGSI1(ctx, gsiAgentConvs+agentID, limit, cursor)
}

func (s *Store) queryGSI1(ctx context.Context, pk string, limit int, cursor string) (ConversationPage, error) {
	if limit <= 0 {
		limit = defaultPageSize
	}
	if limit > maxPageSize {
		return ConversationPage{}, domain.Errorf(domain.CodeInvalid, "limit must be at most %d", maxPageSize)
	}
	in := &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(table.GSI1),
		KeyConditionExpression:    aws.String(table.GSI1PK + " = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: pk}},
		Limit:                     aws.Int32(int32(limit)),
	}
	if cursor != "" {
		start, err := decodeIndexCursor(pk, cursor)
		if err != nil {
			return ConversationPage{}, err
		}
		in.ExclusiveStartKey = start
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return ConversationPage{}, unavailable(err, "read queue")
	}
	// GSI1 holds keys only: the page's conversations are read in one
	// BatchGetItem (a conversation moved since is shown as it now stands).
	items, err := s.itemsOf(ctx, out.Items)
	if err != nil {
		return ConversationPage{}, err
	}
	p := ConversationPage{}
	for _, it := range items {
		c, err := unmarshalConversation(it)
		if err != nil {
			return p, unavailable(err, "decode conversation")
		}
		p.Items = append(p.Items, c)
	}
	if out.LastEvaluatedKey != nil {
		p.Next = encodeIndexCursor(pk, out.LastEvaluatedKey)
	}
	return p, nil
}

// SLADue lists conversations whose next SLA event (warning or breach) is at
// or before t, oldest first, read whole.
func (s *Store) SLADue(ctx context.Context, t time.Time, limit int) ([]domain.Conversation, error) {
	ids, err := s.SLADueIDs(ctx, t, limit)
	if err != nil {
		return nil, err
	}
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = conversationKey(id)
	}
	items, err := s.itemsOf(ctx, keys)
	if err != nil {
		return nil, err
	}
	var convs []domain.Conversation
	for _, it := range items {
		c, err := unmarshalConversation(it)
		if err != nil {
			return nil, unavailable(err, "decode conversation")
		}
		convs = append(convs, c)
	}
	return convs, nil
}

// SLADueIDs lists the ids of the conversations whose next SLA event is at or
// before t, oldest first, at most limit: the sweep reads each as it updates
// it, so the index (keys only) is all it queries. It reads every SLA shard in
// parallel, one Query of at most limit entries each, so the oldest limit
// entries of all shards are among what it merges.
func (s *Store) SLADueIDs(ctx context.Context, t time.Time, limit int) ([]string, error) {
	until := t.UTC().Format(sortTime) + "#~"
	pages, err := eachPartition(ctx, s.partitionsOf(gsiSLA), func(ctx context.Context, pk string) ([]map[string]types.AttributeValue, error) {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: &s.table, IndexName: aws.String(table.GSI2),
			KeyConditionExpression: aws.String(table.GSI2PK + " = :p AND " + table.GSI2SK + " <= :t"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":p": &types.AttributeValueMemberS{Value: pk},
				":t": &types.AttributeValueMemberS{Value: until},
			},
			Limit: aws.Int32(int32(limit)),
		})
		if err != nil {
			return nil, unavailable(err, "read SLA index")
		}
		return out.Items, nil
	})
	if err != nil {
		return nil, err
	}
	var due []map[string]types.AttributeValue
	for _, p := range pages {
		due = append(due, p...)
	}
	// GSI2SK is <next event time>#<id>: fixed-width times sort as strings.
	slices.SortFunc(due, func(x, y map[string]types.AttributeValue) int {
		return strings.Compare(str(x, table.GSI2SK), str(y, table.GSI2SK))
	})
	if len(due) > limit {
		due = due[:limit]
	}
	ids := make([]string, 0, len(due))
	for _, it := range due {
		ids = append(ids, strings.TrimPrefix(pkOf(it), pfxConversation))
	}
	return ids, nil
}

// AckClaim is what ClaimAck found.
type AckClaim int

const (
	// AckClaimed: the window was free; this conversation's acknowledgement
	// may be sent now.
	AckClaimed AckClaim = iota
	// AckQuiet: another automatic message went to the customer inside the
	// window; none is sent.
	AckQuiet
	// AckInDoubt: this conversation claimed the window before and did not
	// release it: an earlier attempt stopped during its send, which may
	// have gone out. It is not sent again (never twice to a customer).
	AckInDoubt
)

// ClaimAck records, before an acknowledgement of conversationID is sent,
// that the customer is being sent an automatic message: no two inside the
// window. The marker names the conversation, so a retry of the same
// acknowledgement tells "another message was sent" from "my own attempt did
// not finish" (AckInDoubt). A send known to have failed releases the claim
// (ReleaseAck) so that the retry may send.
func (s *Store) ClaimAck(ctx context.Context, customerID, conversationID string, window time.Duration) (AckClaim, error) {
	now := s.Now()
	item := key(pfxQuiet+customerID, "Q")
	item["type"] = &types.AttributeValueMemberS{Value: typeQuiet}
	item["conversationId"] = &types.AttributeValueMemberS{Value: conversationID}
	item[table.TTL] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(window).Unix(), 10)}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           &s.table,
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(PK) OR #ttl < :now"),
		ExpressionAttributeNames:            map[string]string{"#ttl": table.TTL},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errorsAs(err, &ccf) {
		if str(ccf.Item, "conversationId") == conversationID {
			return AckInDoubt, nil
		}
		return AckQuiet, nil
	}
	if err != nil {
		return AckQuiet, unavailable(err, "claim quiet window")
	}
	return AckClaimed, nil
}

// ReleaseAck gives back a claim whose send is known to have failed, if it is
// still conversationID's: it expires at once (an update, so the router needs
// no DeleteItem permission).
func (s *Store) ReleaseAck(ctx context.Context, customerID, conversationID string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      key(pfxQuiet+customerID, "Q"),
		UpdateExpression:         aws.String("SET #ttl = :zero REMOVE conversationId"),
		ConditionExpression:      aws.String("conversationId = :c"),
		ExpressionAttributeNames: map[string]string{"#ttl": table.TTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":c": &types.AttributeValueMemberS{Value: conversationID}, ":zero": &types.AttributeValueMemberN{Value: "0"},
		},
	})
	if isConditionFailed(err) {
		return nil
	}
	return unavailable(err, "release quiet window")
}
