package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// getProfile reads one profile as stored (without following a merge).
func (s *Store) getProfile(ctx context.Context, id string) (domain.Customer, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: profileKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.Customer{}, unavailable(err, "read customer")
	}
	if out.Item == nil {
		return domain.Customer{}, domain.Errorf(domain.CodeNotFound, "customer %s not found", id)
	}
	c, _, err := unmarshalCustomer(out.Item)
	if err != nil {
		return domain.Customer{}, unavailable(err, "decode customer")
	}
	return c, nil
}

// GetCustomer returns a customer's profile. A merged customer's id resolves to
// the customer it was merged into.
func (s *Store) GetCustomer(ctx context.Context, id string) (domain.Customer, error) {
	if !domain.ValidID(domain.CustomerIDPrefix, id) {
		return domain.Customer{}, domain.Errorf(domain.CodeInvalid, "malformed customer id")
	}
	for hop := 0; hop < 4; hop++ {
		c, err := s.getProfile(ctx, id)
		if err != nil {
			return c, err
		}
		if c.MergedInto == "" {
			return c, nil
		}
		id = c.MergedInto
	}
	return domain.Customer{}, domain.Errorf(domain.CodeConflict, "customer %s is in a chain of merges too long to follow", id)
}

// Resolution is what ResolveCustomer did.
type Resolution struct {
	Customer           domain.Customer
	Created            bool
	Linked             []string
	PossibleDuplicates []string
}

// ResolveCustomer finds the customer owning any of the identities, or creates
// one with all of them. Identities not yet known are linked to the customer
// found; identities owned by other customers are never merged, only noted as
// possible duplicates.
func (s *Store) ResolveCustomer(ctx context.Context, ids []domain.Identity, profileName string) (Resolution, error) {
	if len(ids) == 0 {
		return Resolution{}, domain.Errorf(domain.CodeInvalid, "at least one identity is needed to find a customer")
	}
	for _, id := range ids {
		if id.Kind == "" || id.Value == "" {
			return Resolution{}, domain.Errorf(domain.CodeInvalid, "identity %q is not normalized", id.Key())
		}
	}
	ids = uniqueIdentities(ids)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return Resolution{}, unavailable(err, "resolve customer")
			}
		}
		r, retry, err := s.resolveOnce(ctx, ids, profileName)
		if err != nil || !retry {
			return r, err
		}
	}
	return Resolution{}, errTooManyAttempts("resolving a customer")
}

func (s *Store) resolveOnce(ctx context.Context, ids []domain.Identity, profileName string) (Resolution, bool, error) {
	lk, err := s.lookupSender(ctx, ids, "", "")
	if err != nil {
		return Resolution{}, false, err
	}
	now := s.Now()
	if len(lk.owners) == 0 {
		c := domain.Customer{ID: s.newID(domain.CustomerIDPrefix, now), Identities: ids, CreatedAt: now, UpdatedAt: now, Version: 1}
		if profileName != "" {
			c.DisplayName, c.NameSource = profileName, "provider"
		}
		writes, err := s.newCustomerWrites(c, now)
		if err != nil {
			return Resolution{}, false, err
		}
		if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes}); err != nil {
			if o, ok := classifyTx(err); ok {
				return Resolution{}, o.cancelled, nil
			}
			return Resolution{}, false, unavailable(err, "create customer")
		}
		c.Derive()
		return Resolution{Customer: c, Created: true}, false, nil
	}
	primary, others := lk.primary(ids)
	c, err := s.GetCustomer(ctx, primary)
	if err != nil {
		return Resolution{}, false, err
	}
	others = slices.DeleteFunc(others, func(o string) bool { return o == c.ID })
	var writes []types.TransactWriteItem
	var linked []string
	for _, id := range ids {
		if _, ok := lk.owners[id.Key()]; ok {
			continue
		}
		item, err := marshalIdentity(id, c.ID, now)
		if err != nil {
			return Resolution{}, false, err
		}
		writes = append(writes, s.putNew(item))
		linked = append(linked, id.Key())
	}
	for _, o := range others {
		writes = append(writes, s.suggestionWrites(c.ID, o, lk.sharedReasons(ids, o), now)...)
	}
	if len(linked) > 0 || (c.DisplayName == "" && profileName != "") {
		upd := "SET updatedAt = :now"
		cond := "attribute_exists(" + table.PK + ") AND attribute_not_exists(mergedInto)"
		names := map[string]string{}
		vals := map[string]types.AttributeValue{}
		nowAV, _ := attributevalue.Marshal(now)
		vals[":now"] = nowAV
		if c.DisplayName == "" && profileName != "" {
			upd += ", displayName = :n, nameSource = :src"
			vals[":n"] = &types.AttributeValueMemberS{Value: profileName}
			vals[":src"] = &types.AttributeValueMemberS{Value: "provider"}
			writes = append(writes, s.nameWrite(c.ID, profileName))
			cond += " AND attribute_not_exists(displayName)"
			c.DisplayName, c.NameSource = profileName, "provider"
		}
		if len(linked) > 0 {
			proofSet(&upd, names, vals, c.IdentityProof != nil, linked, domain.ProofVerified)
			upd += " ADD identityKeys :ik"
			vals[":ik"] = &types.AttributeValueMemberSS{Value: linked}
		}
		u := &types.Update{TableName: &s.table, Key: profileKey(c.ID), UpdateExpression: &upd, ConditionExpression: &cond, ExpressionAttributeValues: vals}
		if len(names) > 0 {
			u.ExpressionAttributeNames = names
		}
		writes = append(writes, types.TransactWriteItem{Update: u})
	}
	if len(writes) > 0 {
		if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes}); err != nil {
			if o, ok := classifyTx(err); ok {
				return Resolution{}, o.cancelled, nil
			}
			return Resolution{}, false, unavailable(err, "link identities")
		}
	}
	for _, k := range linked {
		if id, ok := identityFromKey(k); ok {
			c.Identities = append(c.Identities, id)
		}
	}
	return Resolution{Customer: c, Linked: linked, PossibleDuplicates: others}, false, nil
}

// ProfilePatch holds the profile fields an agent may change; nil means unchanged.
type ProfilePatch struct {
	DisplayName *string
	Language    *string
	Tier        *string
	// TierPinned keeps Tier through the value-tier job's recomputes.
	TierPinned  *bool
	Tags        *[]string
	Preferences *map[string]string
	Notes       *string
}

// UpdateProfile applies patch if the stored version is still version, and
// returns the updated profile. A stale version is refused with CodeStale.
// Counters written by inbound messages do not change the version, so an agent
// is refused only when another edit of the profile happened.
func (s *Store) UpdateProfile(ctx context.Context, id string, version int64, p ProfilePatch) (domain.Customer, error) {
	if !domain.ValidID(domain.CustomerIDPrefix, id) {
		return domain.Customer{}, domain.Errorf(domain.CodeInvalid, "malformed customer id")
	}
	ed := newEdit(version, s.Now())
	field := ed.field
	if p.DisplayName != nil {
		field("displayName", *p.DisplayName, *p.DisplayName == "")
		field("nameSource", "agent", *p.DisplayName == "")
	}
	if p.Language != nil {
		field("language", *p.Language, *p.Language == "")
	}
	if p.Tier != nil {
		field("tier", *p.Tier, *p.Tier == "")
		if *p.Tier != "" {
			field("tierSetAt", s.Now(), false)
		}
	}
	if p.TierPinned != nil {
		field("tierPinned", *p.TierPinned, !*p.TierPinned)
	}
	if p.Tags != nil {
		field("tags", *p.Tags, len(*p.Tags) == 0)
	}
	if p.Preferences != nil {
		field("preferences", *p.Preferences, len(*p.Preferences) == 0)
	}
	if p.Notes != nil {
		field("notes", *p.Notes, *p.Notes == "")
	}
	expr := ed.expression()
	cond := "attribute_exists(PK) AND version = :v AND attribute_not_exists(mergedInto)"
	namesOrNil, vals := ed.namesOrNil(), ed.vals
	var extra []types.TransactWriteItem
	if p.DisplayName != nil {
		extra = append(extra, s.nameWrite(id, *p.DisplayName))
	}
	if p.Tier != nil || p.TierPinned != nil {
		// The value-tier job reads tier and pin from the purchases summary.
		extra = append(extra, s.tierMirror(id, p.Tier, p.TierPinned, s.Now()))
	}
	if len(extra) == 0 {
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: profileKey(id), UpdateExpression: &expr, ConditionExpression: &cond,
			ExpressionAttributeNames: namesOrNil, ExpressionAttributeValues: vals,
			ReturnValues:                        types.ReturnValueAllNew,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err != nil {
			var cf *types.ConditionalCheckFailedException
			if errors.As(err, &cf) {
				return domain.Customer{}, refusal(id, version, cf.Item)
			}
			return domain.Customer{}, unavailable(err, "update customer")
		}
		c, _, err := unmarshalCustomer(out.Attributes)
		if err != nil {
			return domain.Customer{}, unavailable(err, "decode customer")
		}
		return c, nil
	}
	// A name change also rewrites the name-index item, a tier change the
	// purchases summary's mirror: one transaction.
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append([]types.TransactWriteItem{
		{Update: &types.Update{
			TableName: &s.table, Key: profileKey(id), UpdateExpression: &expr, ConditionExpression: &cond,
			ExpressionAttributeNames: namesOrNil, ExpressionAttributeValues: vals,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
	}, extra...)})
	if err != nil {
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) && len(tce.CancellationReasons) > 0 && deref(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
			return domain.Customer{}, refusal(id, version, tce.CancellationReasons[0].Item)
		}
		if o, ok := classifyTx(err); ok && o.conflict {
			return domain.Customer{}, domain.Errorf(domain.CodeConflict, "customer %s is being changed by another request; try again", id)
		}
		return domain.Customer{}, unavailable(err, "update customer")
	}
	return s.getProfile(ctx, id)
}

// refusal explains why a conditional profile update failed, from the old item.
func refusal(id string, version int64, old map[string]types.AttributeValue) error {
	if old == nil {
		return domain.Errorf(domain.CodeNotFound, "customer %s not found", id)
	}
	c, _, _ := unmarshalCustomer(old)
	if c.MergedInto != "" {
		return domain.Errorf(domain.CodeConflict, "customer %s was merged into %s", id, c.MergedInto)
	}
	return domain.Errorf(domain.CodeStale, "customer %s is at version %d, not %d", id, c.Version, version)
}

// newCustomerWrites are the puts that create a customer: every identity key
// (which must not exist yet), the profile and its name entry.
func (s *Store) newCustomerWrites(c domain.Customer, now time.Time) ([]types.TransactWriteItem, error) {
	var writes []types.TransactWriteItem
	for _, id := range c.Identities {
		proof := c.IdentityProof[id.Key()]
		if proof == "" {
			proof = domain.ProofVerified
		}
		item, err := marshalIdentity(id, c.ID, now, proof)
		if err != nil {
			return nil, err
		}
		writes = append(writes, s.putNew(item))
	}
	p, err := marshalCustomer(c)
	if err != nil {
		return nil, err
	}
	writes = append(writes, s.putNew(p))
	if c.DisplayName != "" {
		writes = append(writes, s.nameWrite(c.ID, c.DisplayName))
	}
	return writes, nil
}

// primary is the customer a message belongs to: the owner of the channel's
// own identity when known, else of the first known identity in the order
// given. Owners of the other identities are possible duplicates.
func (lk lookup) primary(ids []domain.Identity) (string, []string) {
	var primary string
	var others []string
	for _, id := range ids {
		if o, ok := lk.owners[id.Key()]; ok {
			if primary == "" {
				primary = o
			} else if o != primary && !slices.Contains(others, o) {
				others = append(others, o)
			}
		}
	}
	return primary, others
}
