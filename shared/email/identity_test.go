package email_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/concierge-cx/concierge/shared/domain"
)

// variant is fixture 01 delivered again under another SES message id and
// Message-ID, with its From and Reply-To rewritten and SES's SPF, DKIM and
// DMARC verdicts set to auth.
func variant(t *testing.T, s *stack, sesID, from, replyTo, auth string) string {
	t.Helper()
	ev, id := readEvent(t, "ses-01-alternative-encoded-subject.json")
	raw := string(readEML(t, "01-alternative-encoded-subject.eml"))
	js := strings.ReplaceAll(string(ev), id, sesID)
	js = strings.ReplaceAll(js, "CAF3kZ1x+Qm9", sesID)
	for _, v := range []string{"spfVerdict", "dkimVerdict", "dmarcVerdict"} {
		js = regexp.MustCompile(`("`+v+`":\s*\{\s*"status":\s*")PASS`).ReplaceAllString(js, "${1}"+auth)
	}
	raw = strings.ReplaceAll(raw, "CAF3kZ1x+Qm9", sesID)
	if from != "" {
		raw = strings.Replace(raw, "<Lan.Nguyen@Example.com>", "<"+from+">", 1)
	}
	if replyTo != "" {
		raw = strings.Replace(raw, "To: Concierge", "Reply-To: <"+replyTo+">\r\nTo: Concierge", 1)
	}
	s.storeRaw(t, sesID, []byte(raw))
	if err := s.h.Handle(context.Background(), []byte(js)); err != nil {
		t.Fatal(err)
	}
	return sesID
}

// Proof rules for mail (docs/identities.md): a From that passed DMARC is
// verified; Reply-To is claimed; a From that failed SPF, DKIM and DMARC is
// claimed, stored flagged on a customer of its own, unthreaded, unacknowledged
// and suggested as a possible duplicate of the customer it names.
func TestMailLinksOnlyAnAuthenticatedFrom(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	lanID := s.deliver(t, "ses-01-alternative-encoded-subject.json", readEML(t, "01-alternative-encoded-subject.eml"))
	lan := s.customer(t, "lan.nguyen@example.com")
	lanTP := s.touchpoint(t, lanID)
	if lanTP.UnverifiedSender || lanTP.From == nil || lanTP.From.Value != "lan.nguyen@example.com" || lan.IdentityProof["email#lan.nguyen@example.com"] != domain.ProofVerified {
		t.Fatalf("authenticated mail: from %+v unverified %v proof %v", lanTP.From, lanTP.UnverifiedSender, lan.IdentityProof)
	}

	// A stranger, authenticated, with Reply-To naming Lan.
	strangerTP := s.touchpoint(t, variant(t, s, "strangerreplytoaaaaaaaaaaaaaaaaaaaaaaaa1", "aaa@attacker.example", "lan.nguyen@example.com", "PASS"))
	if strangerTP.CustomerID == lan.ID {
		t.Fatal("Reply-To linked the stranger to Lan")
	}
	if after := s.customer(t, "lan.nguyen@example.com"); !slices.Equal(after.Identities, lan.Identities) {
		t.Fatalf("Lan's identities changed: %v", after.Identities)
	}
	notes, err := s.st.DuplicateNotes(ctx, strangerTP.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || notes[0].OtherCustomerID != lan.ID || !slices.Contains(notes[0].Reasons, "reply-to email lan.nguyen@example.com") {
		t.Fatalf("stranger's suggestions = %+v", notes)
	}

	// A forged From naming Lan: SPF, DKIM and DMARC FAIL.
	forgedTP := s.touchpoint(t, variant(t, s, "forgedfromaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "", "", "FAIL"))
	if !forgedTP.UnverifiedSender || forgedTP.CustomerID == lan.ID || forgedTP.ConversationID == lanTP.ConversationID || forgedTP.Metadata["threadedBy"] != "" {
		t.Fatalf("forged mail: %+v", forgedTP)
	}
	for _, j := range s.jobs(t) {
		if j.TouchpointID == forgedTP.ID && j.Address != "" {
			t.Fatalf("forged mail would be acknowledged at %s", j.Address)
		}
	}
	ids, err := s.st.PossibleDuplicates(ctx, lan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ids, forgedTP.CustomerID) || !slices.Contains(ids, strangerTP.CustomerID) {
		t.Fatalf("Lan's possible duplicates %v lack the forged sender %s or the stranger %s", ids, forgedTP.CustomerID, strangerTP.CustomerID)
	}
}
