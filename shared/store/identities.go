package store

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// OwnedError is a conflict naming the customer an identity belongs to, so
// the agent can merge the two.
type OwnedError struct{ CustomerID string }

func (e *OwnedError) Error() string { return "identity belongs to customer " + e.CustomerID }

// AddIdentity links id to the customer as staff-proven: the identity key and
// the profile in one transaction. An identity the customer already has is
// confirmed (its proof becomes staff); one owned by another customer is
// CodeConflict wrapping *OwnedError.
func (s *Store) AddIdentity(ctx context.Context, customerID string, id domain.Identity) (domain.Customer, error) {
	cu, err := s.GetCustomer(ctx, customerID)
	if err != nil {
		return cu, err
	}
	lk, err := s.lookupSender(ctx, []domain.Identity{id}, "", "")
	if err != nil {
		return cu, err
	}
	now := s.Now()
	nowAV, _ := attributevalue.Marshal(now)
	var writes []types.TransactWriteItem
	switch owner := lk.owners[id.Key()]; {
	case owner == "":
		item, err := marshalIdentity(id, cu.ID, now, domain.ProofStaff)
		if err != nil {
			return cu, err
		}
		writes = append(writes, s.putNew(item))
	case owner == cu.ID:
		writes = append(writes, types.TransactWriteItem{Update: &types.Update{
			TableName: &s.table, Key: identityKey(id),
			UpdateExpression:          aws.String("SET proof = :p"),
			ConditionExpression:       aws.String("customerId = :c"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: string(domain.ProofStaff)}, ":c": &types.AttributeValueMemberS{Value: cu.ID}},
		}})
	default:
		if other, err := s.GetCustomer(ctx, owner); err == nil && other.ID == cu.ID {
			return cu, domain.Errorf(domain.CodeConflict, "customer %s is being merged; try again", cu.ID)
		} else if err == nil {
			owner = other.ID
		}
		return cu, domain.Wrap(&OwnedError{CustomerID: owner}, domain.CodeConflict, "this "+string(id.Kind)+" belongs to customer "+owner+"; merge the two customers instead")
	}
	expr := "SET updatedAt = :now ADD identityKeys :ik"
	names := map[string]string{}
	vals := map[string]types.AttributeValue{":now": nowAV, ":ik": &types.AttributeValueMemberSS{Value: []string{id.Key()}}}
	proofSet(&expr, names, vals, cu.IdentityProof != nil, []string{id.Key()}, domain.ProofStaff)
	writes = append(writes, types.TransactWriteItem{Update: &types.Update{
		TableName: &s.table, Key: profileKey(cu.ID), UpdateExpression: &expr,
		ConditionExpression:      aws.String("attribute_exists(" + table.PK + ") AND attribute_not_exists(mergedInto)"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
	}})
	if err := s.transact(ctx, writes, "add identity"); err != nil {
		if c := domain.ErrorCode(err); c == domain.CodeStale || c == domain.CodeConflict {
			return cu, domain.Errorf(domain.CodeConflict, "customer %s or the identity changed meanwhile; try again", cu.ID)
		}
		return cu, err
	}
	return s.GetCustomer(ctx, cu.ID)
}

// RemoveIdentity unlinks id from the customer: its lookup key is deleted, the
// profile forgets it, and an audit note by agentID lands on the timeline, in
// one transaction. Later messages from the address make or find another
// customer. The last identity of a customer cannot be removed (409).
func (s *Store) RemoveIdentity(ctx context.Context, customerID string, id domain.Identity, agentID string) (domain.Customer, domain.Touchpoint, error) {
	cu, err := s.GetCustomer(ctx, customerID)
	if err != nil {
		return cu, domain.Touchpoint{}, err
	}
	if !slices.Contains(cu.Identities, id) {
		return cu, domain.Touchpoint{}, domain.Errorf(domain.CodeNotFound, "customer %s has no %s identity %s", cu.ID, id.Kind, id.Value)
	}
	if len(cu.Identities) == 1 {
		return cu, domain.Touchpoint{}, domain.Errorf(domain.CodeConflict, "%s is the customer's last identity; it cannot be removed", id.Key())
	}
	now := s.Now()
	nowAV, _ := attributevalue.Marshal(now)
	tp := domain.Touchpoint{
		ID: s.newID(domain.TouchpointIDPrefix, now), CustomerID: cu.ID, Channel: domain.ChannelAgent, Direction: domain.DirectionOut,
		Kind: domain.KindNote, OccurredAt: now.UTC().Truncate(1e6), ReceivedAt: now,
		Text:     "Removed " + string(id.Kind) + " " + id.Value + " from this customer",
		Metadata: map[string]string{"agentId": agentID, "audit": "identity-removed", "identity": id.Key()},
	}
	note, err := marshalTouchpoint(tp)
	if err != nil {
		return cu, tp, err
	}
	names := map[string]string{"#ip": "identityProof", "#k": id.Key()}
	expr := "SET updatedAt = :now DELETE identityKeys :ik"
	if cu.IdentityProof != nil {
		expr = "SET updatedAt = :now REMOVE #ip.#k DELETE identityKeys :ik"
	} else {
		names = nil
	}
	writes := []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName: &s.table, Key: identityKey(id),
			ConditionExpression:       aws.String("customerId = :c"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: cu.ID}},
		}},
		{Update: &types.Update{
			TableName: &s.table, Key: profileKey(cu.ID), UpdateExpression: &expr,
			ConditionExpression:      aws.String("attribute_not_exists(mergedInto) AND contains(identityKeys, :k) AND size(identityKeys) > :one"),
			ExpressionAttributeNames: names,
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":now": nowAV, ":ik": &types.AttributeValueMemberSS{Value: []string{id.Key()}},
				":k": &types.AttributeValueMemberS{Value: id.Key()}, ":one": &types.AttributeValueMemberN{Value: "1"},
			},
		}},
		s.putNew(note),
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes}); err != nil {
		if _, ok := classifyTx(err); ok {
			return cu, tp, domain.Errorf(domain.CodeConflict, "customer %s changed meanwhile; try again", cu.ID)
		}
		return cu, tp, unavailable(err, "remove identity")
	}
	after, err := s.GetCustomer(ctx, cu.ID)
	return after, tp, err
}

// FindByIdentity returns the customer owning a normalized identity, following
// merges. Unlike ResolveCustomer it never creates anything: an unknown
// identity is CodeNotFound.
func (s *Store) FindByIdentity(ctx context.Context, id domain.Identity) (domain.Customer, error) {
	if id.Kind == "" || id.Value == "" {
		return domain.Customer{}, domain.Errorf(domain.CodeInvalid, "identity %q is not normalized", id.Key())
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: identityKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.Customer{}, unavailable(err, "read identity")
	}
	owner := str(out.Item, "customerId")
	if owner == "" {
		return domain.Customer{}, domain.Errorf(domain.CodeNotFound, "no customer with that %s", id.Kind)
	}
	return s.GetCustomer(ctx, owner)
}
