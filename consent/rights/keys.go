package rights

import (
	"context"
	"slices"

	"filippo.io/age"
)

// KeyStore is what the rights service needs of the parties' keys (consent/keystore): an
// erase destroys them, an export decrypts with them.
type KeyStore interface {
	Identities(ctx context.Context, name string) ([]age.Identity, error)
	DestroySubject(ctx context.Context, subjectKey string) ([]string, error)
	DestroyCall(ctx context.Context, callID string) ([]string, error)
}

// PartyKeys is the KeyDestroyer of a key store. An erase of a subject (scope subject or
// recordings) destroys every party key that names the subject: each of its channels, in
// every copy of every recording, stays unreadable, and so does each Call-ID sealed to it.
// An erase of one call destroys only the keys of that call's parties that had no subject:
// the others' keys serve their other calls too. Nothing is destroyed while a legal hold
// keeps some of the target's calls, which still need the keys.
type PartyKeys struct{ Store KeyStore }

// DestroyKeys destroys the target's keys and returns their ids.
func (k PartyKeys) DestroyKeys(ctx context.Context, t EraseTarget) ([]string, error) {
	if k.Store == nil || t.Held {
		return nil, nil
	}
	if t.Scope != ScopeCall {
		return k.Store.DestroySubject(ctx, t.SubjectKey)
	}
	var all []string
	for _, id := range t.Calls {
		ids, err := k.Store.DestroyCall(ctx, id)
		all = append(all, ids...)
		if err != nil {
			return all, err
		}
	}
	slices.Sort(all)
	return slices.Compact(all), nil
}
