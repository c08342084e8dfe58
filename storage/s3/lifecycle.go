package s3

import (
	"context"
	"fmt"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/lifecycle"
)

// Lifecycle rules the store owns, by id. Rules with other ids (an
// operator's own) are kept as they are whenever the store changes its own.
const (
	RuleRecordings = "consentgw-retention-recordings"
	RuleConsent    = "consentgw-retention-consent"
	RuleSubjects   = "consentgw-retention-subjects"
	RuleExports    = "consentgw-exports"
)

// lifecycleTimeout bounds SetExportExpiry, which has no context of its own.
const lifecycleTimeout = 30 * time.Second

const day = 24 * time.Hour

// expiryDays rounds d up to whole days: S3 lifecycle rules count days only,
// and an object must never go before its retention is over. The server
// also runs expiry in the background, so an object may outlive the rule by
// up to a day or so; retention is a lower bound, not an exact deletion time.
func expiryDays(d time.Duration) int {
	return int((d + day - 1) / day)
}

// expiryRule expires current objects under prefix after days. In a
// versioned bucket expiry only adds a delete marker, so the rule also
// expires noncurrent versions a day after they become noncurrent: an
// expired recording must not linger as an old version.
func expiryRule(id, prefix string, days int) lifecycle.Rule {
	return lifecycle.Rule{
		ID:                          id,
		Status:                      "Enabled",
		RuleFilter:                  lifecycle.Filter{Prefix: prefix},
		Expiration:                  lifecycle.Expiration{Days: lifecycle.ExpirationDays(days)},
		NoncurrentVersionExpiration: lifecycle.NoncurrentVersionExpiration{NoncurrentDays: 1},
	}
}

// setRetention makes the recordings/, consent/ and subjects/ rules match d: present
// with ceil(d in days) when d > 0, absent when d is 0.
func (s *Store) setRetention(ctx context.Context, d time.Duration) error {
	var want []lifecycle.Rule
	if d > 0 {
		n := expiryDays(d)
		want = []lifecycle.Rule{
			expiryRule(RuleRecordings, "recordings/", n),
			expiryRule(RuleConsent, "consent/", n),
			// Index entries go with what they point to, so none outlives its recording.
			expiryRule(RuleSubjects, "subjects/", n),
		}
	}
	if err := s.replaceRules(ctx, []string{RuleRecordings, RuleConsent, RuleSubjects}, want); err != nil {
		return fmt.Errorf("setting retention %v: %w", d, err)
	}
	return nil
}

// SetRetention makes recordings/, consent/ and subjects/ expire after d, rounded up to
// whole days; d <= 0 removes the rules. Other rules are kept. The retention sweeper calls
// it with the longest rule in force, or 0 while a legal hold is active (a bucket rule
// cannot skip held objects).
func (s *Store) SetRetention(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, lifecycleTimeout)
	defer cancel()
	return s.setRetention(ctx, max(d, 0))
}

// SetExportExpiry makes export bundles (exports/) expire after d, rounded
// up to whole days; d <= 0 removes the rule. Other rules are kept.
func (s *Store) SetExportExpiry(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, lifecycleTimeout)
	defer cancel()
	var want []lifecycle.Rule
	if d > 0 {
		want = []lifecycle.Rule{expiryRule(RuleExports, "exports/", expiryDays(d))}
	}
	if err := s.replaceRules(ctx, []string{RuleExports}, want); err != nil {
		return fmt.Errorf("setting export expiry %v: %w", d, err)
	}
	return nil
}

// replaceRules swaps the rules with the given ids for want, keeping every
// other rule, and writes the configuration only when it changes, so
// calling it again with the same rules is free.
func (s *Store) replaceRules(ctx context.Context, ids []string, want []lifecycle.Rule) error {
	s.lifecycleMu.Lock()
	defer s.lifecycleMu.Unlock()
	cur, err := s.client.GetBucketLifecycle(ctx, s.bucket)
	if err != nil && minio.ToErrorResponse(err).Code != codeNoSuchLifecycle {
		return fmt.Errorf("reading lifecycle of %s: %w", s.bucket, err)
	}
	if cur == nil {
		cur = lifecycle.NewConfiguration()
	}
	owned := make(map[string]bool, len(ids))
	for _, id := range ids {
		owned[id] = true
	}
	next := lifecycle.NewConfiguration()
	var have []lifecycle.Rule
	for _, r := range cur.Rules {
		if owned[r.ID] {
			have = append(have, r)
		} else {
			next.Rules = append(next.Rules, r)
		}
	}
	if sameRules(have, want) {
		return nil
	}
	next.Rules = append(next.Rules, want...)
	// An empty configuration makes minio-go delete the bucket's lifecycle.
	if err := s.client.SetBucketLifecycle(ctx, s.bucket, next); err != nil {
		return fmt.Errorf("writing lifecycle of %s: %w", s.bucket, err)
	}
	s.log.Info("updated bucket lifecycle", "rules", ids, "present", len(want) > 0)
	return nil
}

// sameRules compares the fields the store sets; the server may echo a rule
// back with others filled in.
func sameRules(have, want []lifecycle.Rule) bool {
	if len(have) != len(want) {
		return false
	}
	byID := make(map[string]lifecycle.Rule, len(have))
	for _, r := range have {
		byID[r.ID] = r
	}
	for _, w := range want {
		h, ok := byID[w.ID]
		if !ok || h.Status != w.Status || rulePrefix(h) != rulePrefix(w) ||
			h.Expiration.Days != w.Expiration.Days ||
			h.NoncurrentVersionExpiration.NoncurrentDays != w.NoncurrentVersionExpiration.NoncurrentDays {
			return false
		}
	}
	return true
}

func rulePrefix(r lifecycle.Rule) string {
	if r.RuleFilter.Prefix != "" {
		return r.RuleFilter.Prefix
	}
	if r.RuleFilter.And.Prefix != "" {
		return r.RuleFilter.And.Prefix
	}
	return r.Prefix
}
