package store

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Agent keys. Every assignment and every release rewrites the agent's GSI2
// entry (it carries the load routing chooses by), so agents are listed per
// team: an agent of one team in GSI2 AGENTS#<team>#<status>, an agent of no
// team or of several (who serve more than one queue) in the shared pool
// AGENTS#<status>, which is also where every agent was listed before
// per-team keys. Routing reads the conversation's team and the shared pool,
// so it sees every agent it could choose, and a team's partition takes the
// assignments of that team only. Deactivated agents are AGENTS#inactive
// whatever their team: nothing routes to them.
//
// The roster lists every agent from GSI3 AGENTS (keyed by agent id, written
// with the agent and never by an assignment: GSI3 projects no agent
// attribute), together with the shared pools, where agents not written since
// the change still sit.
const (
	gsiRoster = "AGENTS"
)

// agentStatusPK is the GSI2 partition an agent of these teams and status is
// listed in.
func agentStatusPK(teams []string, status string) string {
	if len(teams) != 1 || status == domain.AgentInactive {
		return gsiAgentStatus + status
	}
	return gsiAgentStatus + teams[0] + "#" + status
}

// agentIndexKeys sets an agent item's index keys.
func agentIndexKeys(item map[string]types.AttributeValue, a domain.Agent) {
	item[table.GSI2PK] = &types.AttributeValueMemberS{Value: agentStatusPK(a.Teams, a.Status)}
	item[table.GSI2SK] = &types.AttributeValueMemberS{Value: a.ID}
	item[table.GSI3PK] = &types.AttributeValueMemberS{Value: gsiRoster}
	item[table.GSI3SK] = &types.AttributeValueMemberS{Value: a.ID}
}

// rosterSet is the update clause that lists an agent in the roster (GSI3):
// an agent written before the roster existed joins it with its next status
// change.
func rosterSet(vals map[string]types.AttributeValue, id string) string {
	vals[":rosterPK"] = &types.AttributeValueMemberS{Value: gsiRoster}
	vals[":rosterSK"] = &types.AttributeValueMemberS{Value: id}
	return table.GSI3PK + " = :rosterPK, " + table.GSI3SK + " = :rosterSK"
}

// AnyTeam asks AvailableAgents for every available agent, whatever her
// teams: a tier team's overflow, rare, so it may read the roster whole.
const AnyTeam = "*"

// AvailableAgents lists the available agents who may serve team, with what
// routing chooses by (table.AgentRoutingAttributes, projected into GSI2):
// the team's partition and the shared pool, two Queries in parallel,
// eventually consistent, which assignment tolerates since its write re-checks
// status and capacity. Other fields (name, email) are left empty. Agents of
// other teams are not listed: routing would not choose them.
func (s *Store) AvailableAgents(ctx context.Context, team string) ([]domain.Agent, error) {
	if team == AnyTeam {
		return s.AgentsByStatus(ctx, domain.AgentAvailable)
	}
	partitions := []string{agentStatusPK([]string{team}, domain.AgentAvailable), gsiAgentStatus + domain.AgentAvailable}
	lists, err := eachPartition(ctx, partitions, s.agentsListed)
	if err != nil {
		return nil, err
	}
	return decodeAgents(dedupeListed(slices.Concat(lists...)), domain.AgentAvailable)
}

// AgentsByStatus lists agents with a status, whole, by id (the roster's path,
// not routing's): the roster and the status's shared pool, then one
// BatchGetItem per hundred.
func (s *Store) AgentsByStatus(ctx context.Context, status string) ([]domain.Agent, error) {
	all, err := s.agentsWhole(ctx, []string{status})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(a domain.Agent) bool { return a.Status != status }), nil
}

// agentsWhole reads every agent in the roster or in the shared pool of
// these statuses, by id.
func (s *Store) agentsWhole(ctx context.Context, statuses []string) ([]domain.Agent, error) {
	roster, err := s.rosterListed(ctx)
	if err != nil {
		return nil, err
	}
	listed := roster
	for _, st := range statuses {
		pool, err := s.agentsListed(ctx, gsiAgentStatus+st)
		if err != nil {
			return nil, err
		}
		listed = append(listed, pool...)
	}
	items, err := s.itemsOf(ctx, listed)
	if err != nil {
		return nil, err
	}
	agents, err := decodeAgents(items, "")
	if err != nil {
		return nil, err
	}
	slices.SortFunc(agents, func(x, y domain.Agent) int { return strings.Compare(x.ID, y.ID) })
	return agents, nil
}

// rosterListed lists every agent's keys from GSI3 AGENTS.
func (s *Store) rosterListed(ctx context.Context) ([]map[string]types.AttributeValue, error) {
	return s.queryAll(ctx, table.GSI3, table.GSI3PK, gsiRoster, "list agents")
}

func (s *Store) agentsListed(ctx context.Context, pk string) ([]map[string]types.AttributeValue, error) {
	return s.queryAll(ctx, table.GSI2, table.GSI2PK, pk, "list agents")
}

// queryAll reads a whole partition of an index, or of the table when index
// is "" (eventually consistent; queryPartition reads the table's strongly).
func (s *Store) queryAll(ctx context.Context, index, keyAttr, pk, what string) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	var start map[string]types.AttributeValue
	var indexName *string
	if index != "" {
		indexName = aws.String(index)
	}
	for {
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: &s.table, IndexName: indexName,
			KeyConditionExpression:    aws.String(keyAttr + " = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: pk}},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, unavailable(err, what)
		}
		out = append(out, res.Items...)
		if res.LastEvaluatedKey == nil {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// dedupeListed drops an agent listed twice (an index that lags a move may
// show it in both partitions for a moment).
func dedupeListed(items []map[string]types.AttributeValue) []map[string]types.AttributeValue {
	seen := map[string]bool{}
	return slices.DeleteFunc(items, func(it map[string]types.AttributeValue) bool {
		pk := pkOf(it)
		if seen[pk] {
			return true
		}
		seen[pk] = true
		return false
	})
}
