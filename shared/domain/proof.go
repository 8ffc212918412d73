package domain

// Proof says why Concierge believes an identity belongs to the person
// behind an event. Only verified and staff identities link customers, write
// lookup keys and receive replies; a claimed one is evidence for a
// possible-duplicate suggestion and nothing more.
type Proof string

const (
	// ProofVerified: the provider vouches for it (the sender of a chat or
	// phone message, a contact card or phone the user shared themselves, an
	// email From that passed DMARC or aligned SPF/DKIM).
	ProofVerified Proof = "verified"
	// ProofStaff: an agent added or confirmed it.
	ProofStaff Proof = "staff"
	// ProofClaimed: anything else (Reply-To, what a web-chat visitor types,
	// numbers and addresses found in a body or signature, a From that failed
	// authentication).
	ProofClaimed Proof = "claimed"
)

// Trusted reports a proof that may link customers and receive replies.
func (p Proof) Trusted() bool { return p == ProofVerified || p == ProofStaff }

// Valid reports one of the three proofs.
func (p Proof) Valid() bool { return p == ProofVerified || p == ProofStaff || p == ProofClaimed }

// ClaimSource names where a claimed identity was found; it is the evidence a
// suggestion shows a supervisor.
const (
	ClaimReplyTo    = "reply-to"        // an email's Reply-To
	ClaimTyped      = "typed"           // typed into a web-chat form
	ClaimBody       = "body"            // found in a message body or signature
	ClaimUnverified = "unverified-from" // an email From that failed authentication
)
