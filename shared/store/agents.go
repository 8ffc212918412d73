package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// CreateAgent stores a new agent (offline, no load, version 1); an
// existing id is CodeConflict.
func (s *Store) CreateAgent(ctx context.Context, a domain.Agent) (domain.Agent, error) {
	if a.ID == "" || a.MaxConcurrent <= 0 {
		return a, domain.Errorf(domain.CodeInvalid, "an agent needs an id and a capacity above zero")
	}
	a.Status, a.Load, a.Version, a.UpdatedAt = domain.AgentOffline, 0, 1, s.Now()
	item, err := marshalAgent(a)
	if err != nil {
		return a, unavailable(err, "encode agent")
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if err != nil {
		if isConditionFailed(err) {
			return a, domain.Errorf(domain.CodeConflict, "agent %s exists", a.ID)
		}
		return a, unavailable(err, "create agent")
	}
	return a, nil
}

// EnsureAgent returns the agent with a's id, creating it from a if there
// is none: concurrent first calls of one user make one agent.
func (s *Store) EnsureAgent(ctx context.Context, a domain.Agent) (domain.Agent, bool, error) {
	created, err := s.CreateAgent(ctx, a)
	if err == nil {
		return created, true, nil
	}
	if domain.ErrorCode(err) != domain.CodeConflict {
		return a, false, err
	}
	got, err := s.GetAgent(ctx, a.ID)
	return got, false, err
}

// ListAgents returns every agent, deactivated ones included, by id.
func (s *Store) ListAgents(ctx context.Context) ([]domain.Agent, error) {
	return s.agentsWhole(ctx, []string{domain.AgentAvailable, domain.AgentAway, domain.AgentOffline, domain.AgentInactive})
}

// TouchAgent records that the agent was just seen. It does not bump the
// version: it is not an edit.
func (s *Store) TouchAgent(ctx context.Context, id string) error {
	now, _ := attributevalue.Marshal(s.Now())
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: agentKey(id),
		UpdateExpression:          aws.String("SET lastSeenAt = :now"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": now},
	})
	if err != nil && !isConditionFailed(err) {
		return unavailable(err, "touch agent")
	}
	return nil
}

// AgentPatch is a supervisor's edit of an agent; nil fields are unchanged.
type AgentPatch struct {
	Name, Email              *string
	Teams, Languages, Skills *[]string
	MaxConcurrent            *int
	Supervisor               *bool
	Reactivate               bool // a deactivated agent becomes offline again
	// Phone calls (issue 18): "" removes a phone, client identity or Connect user.
	Phone, ClientIdentity, ConnectUserID *string
	Voice                                *bool
}

// UpdateAgent applies p if the agent's version is still version. A
// capacity below the agent's current load is CodeConflict; another edit
// meanwhile is CodeStale. An edit of the teams or a reactivation moves the
// agent's GSI2 entry (agentStatusPK), which depends on its status too: the
// agent is read first and the write is conditional on that status, tried
// again if only the status changed meanwhile.
func (s *Store) UpdateAgent(ctx context.Context, id string, version int64, p AgentPatch) (domain.Agent, error) {
	if p.Teams == nil && !p.Reactivate {
		return s.updateAgent(ctx, id, version, p, nil)
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		cur, err := s.GetAgent(ctx, id)
		if err != nil {
			return cur, err
		}
		a, err := s.updateAgent(ctx, id, version, p, &cur)
		if !errors.Is(err, errStatusMoved) {
			return a, err
		}
	}
	return domain.Agent{}, errTooManyAttempts("update agent " + id)
}

// errStatusMoved: the agent's status changed between the read and the
// write of an edit that moves its GSI2 entry.
var errStatusMoved = errors.New("store: agent status changed meanwhile")

// updateAgent is UpdateAgent's write; cur, when set, is the agent as just
// read, whose status the new GSI2 key is built from.
func (s *Store) updateAgent(ctx context.Context, id string, version int64, p AgentPatch, cur *domain.Agent) (domain.Agent, error) {
	ed := newEdit(version, s.Now())
	field := ed.field
	if p.Name != nil {
		field("name", *p.Name, false)
	}
	if p.Email != nil {
		field("email", *p.Email, *p.Email == "")
	}
	if p.Teams != nil {
		field("teams", *p.Teams, len(*p.Teams) == 0)
	}
	if p.Languages != nil {
		field("languages", *p.Languages, len(*p.Languages) == 0)
	}
	if p.Skills != nil {
		field("skills", *p.Skills, len(*p.Skills) == 0)
	}
	if p.Supervisor != nil {
		field("supervisor", *p.Supervisor, !*p.Supervisor)
	}
	for _, f := range []struct {
		attr string
		v    *string
	}{{"phone", p.Phone}, {"clientIdentity", p.ClientIdentity}, {"connectUserId", p.ConnectUserID}} {
		if f.v != nil {
			field(f.attr, *f.v, *f.v == "")
		}
	}
	if p.Voice != nil {
		field("voice", *p.Voice, !*p.Voice)
		if !*p.Voice {
			field("voiceAvailable", false, true) // no longer takes calls at all
		}
	}
	cond := "attribute_exists(PK) AND version = :v"
	if p.MaxConcurrent != nil {
		field("maxConcurrent", *p.MaxConcurrent, false)
		cond += " AND #load <= :maxConcurrent"
		ed.names["#load"] = "load"
	}
	if p.Reactivate {
		ed.names["#st"] = "status"
		ed.set = append(ed.set, "#st = :offline")
		ed.vals[":offline"] = &types.AttributeValueMemberS{Value: domain.AgentOffline}
		ed.vals[":inactive"] = &types.AttributeValueMemberS{Value: domain.AgentInactive}
		ed.remove = append(ed.remove, "deactivatedAt")
		cond += " AND #st = :inactive"
	}
	if cur != nil {
		teams, status := cur.Teams, cur.Status
		if p.Teams != nil {
			teams = *p.Teams
		}
		if p.Reactivate {
			status = domain.AgentOffline
		} else {
			ed.names["#st"] = "status"
			ed.vals[":cur"] = &types.AttributeValueMemberS{Value: cur.Status}
			cond += " AND #st = :cur"
		}
		ed.vals[":g"] = &types.AttributeValueMemberS{Value: agentStatusPK(teams, status)}
		ed.set = append(ed.set, table.GSI2PK+" = :g", rosterSet(ed.vals, id))
	}
	expr := ed.expression()
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: agentKey(id), UpdateExpression: &expr, ConditionExpression: &cond,
		ExpressionAttributeNames: ed.namesOrNil(), ExpressionAttributeValues: ed.vals,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		var cf *types.ConditionalCheckFailedException
		if !errorsAs(err, &cf) {
			return domain.Agent{}, unavailable(err, "update agent")
		}
		if cf.Item == nil {
			return domain.Agent{}, domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
		}
		var old domain.Agent
		_ = attributevalue.UnmarshalMap(cf.Item, &old)
		switch {
		case old.Version != version:
			return domain.Agent{}, domain.Errorf(domain.CodeStale, "agent %s is at version %d, not %d", id, old.Version, version)
		case p.MaxConcurrent != nil && old.Load > *p.MaxConcurrent:
			return domain.Agent{}, domain.Errorf(domain.CodeConflict, "agent %s holds %d conversations; capacity %d is below that", id, old.Load, *p.MaxConcurrent)
		case p.Reactivate:
			return domain.Agent{}, domain.Errorf(domain.CodeConflict, "agent %s is not deactivated", id)
		default:
			return domain.Agent{}, errStatusMoved
		}
	}
	var a domain.Agent
	if err := attributevalue.UnmarshalMap(out.Attributes, &a); err != nil {
		return a, unavailable(err, "decode agent")
	}
	return a, nil
}

// DeactivateAgent takes an agent out of routing and gives back their open
// conversations, urgent first. Each step is safe to repeat, so a
// deactivation cut off anywhere is finished by running it again:
//
//  1. the agent becomes inactive (history kept); from then on no
//     assignment can choose them, since Assign requires status available;
//  2. each conversation still assigned to them goes back to its team's
//     queue in one transaction with the release of their slot.
//
// It returns the agent and the conversations it put back, in queue order.
func (s *Store) DeactivateAgent(ctx context.Context, id string) (domain.Agent, []domain.Conversation, error) {
	nowAV, _ := attributevalue.Marshal(s.Now())
	vals := map[string]types.AttributeValue{
		":inactive": &types.AttributeValueMemberS{Value: domain.AgentInactive},
		":g":        &types.AttributeValueMemberS{Value: agentStatusPK(nil, domain.AgentInactive)},
		":now":      nowAV, ":one": &types.AttributeValueMemberN{Value: "1"},
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: agentKey(id),
		UpdateExpression:                    aws.String("SET #st = :inactive, " + table.GSI2PK + " = :g, deactivatedAt = :now, updatedAt = :now, version = version + :one, " + rosterSet(vals, id)),
		ConditionExpression:                 aws.String("attribute_exists(PK) AND #st <> :inactive"),
		ExpressionAttributeNames:            map[string]string{"#st": "status"},
		ExpressionAttributeValues:           vals,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	item := map[string]types.AttributeValue(nil)
	if err == nil {
		item = out.Attributes
	} else {
		var cf *types.ConditionalCheckFailedException
		if !errorsAs(err, &cf) {
			return domain.Agent{}, nil, unavailable(err, "deactivate agent")
		}
		if cf.Item == nil {
			return domain.Agent{}, nil, domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
		}
		item = cf.Item // deactivated already: a repeat finishes the requeue, and is no edit
	}
	var ag domain.Agent
	if err := attributevalue.UnmarshalMap(item, &ag); err != nil {
		return ag, nil, unavailable(err, "decode agent")
	}
	var requeued []domain.Conversation
	cursor := ""
	for {
		page, err := s.AssignedTo(ctx, id, maxPageSize, cursor)
		if err != nil {
			return ag, requeued, err
		}
		for _, c := range page.Items {
			back, done, err := s.requeue(ctx, c.ID, id)
			if err != nil {
				return ag, requeued, err
			}
			if done {
				requeued = append(requeued, back)
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if len(requeued) > 0 {
		if ag, err = s.GetAgent(ctx, id); err != nil {
			return ag, requeued, err
		}
	}
	return ag, requeued, nil
}

// requeue unassigns one conversation from agentID and frees the slot, in
// one transaction. done is false when it was no longer theirs (the index
// lags, or someone reassigned it meanwhile).
func (s *Store) requeue(ctx context.Context, convID, agentID string) (domain.Conversation, bool, error) {
	var done bool
	release := true
	for {
		saved, err := s.UpdateConversation(ctx, convID, func(c *domain.Conversation) ([]Write, error) {
			done = false
			if c.AssigneeID != agentID || c.Closed() {
				return nil, ErrNoChange
			}
			c.AssigneeID, c.AssignedAt, done = "", time.Time{}, true
			if !release {
				return nil, nil
			}
			return []Write{ReleaseAgentSlot(agentID)}, nil
		})
		if errors.Is(err, ErrAgentHoldsNothing) && release {
			// The agent's load is already zero (counted elsewhere): put the
			// conversation back without releasing what is not held.
			release = false
			continue
		}
		return saved, done && err == nil, err
	}
}
