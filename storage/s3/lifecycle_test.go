package s3_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/lifecycle"

	"github.com/consentgw/consentgw/storage/s3"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

// rules summarises the bucket's lifecycle as "id prefix days" lines.
func rules(t *testing.T, srv *miniotest.Server, bucket string) []string {
	t.Helper()
	cfg, err := srv.Client(t).GetBucketLifecycle(t.Context(), bucket)
	if err != nil {
		return nil // NoSuchLifecycleConfiguration: no rules
	}
	var out []string
	for _, r := range cfg.Rules {
		prefix := r.RuleFilter.Prefix
		if prefix == "" {
			prefix = r.Prefix
		}
		out = append(out, fmt.Sprintf("%s %s %d", r.ID, prefix, r.Expiration.Days))
	}
	slices.Sort(out)
	return out
}

func TestRetentionSetsLifecycleRules(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, func(o *s3.Options) { o.Retention = 30 * 24 * time.Hour })
	want := []string{
		s3.RuleConsent + " consent/ 30",
		s3.RuleRecordings + " recordings/ 30",
		s3.RuleSubjects + " subjects/ 30",
	}
	if got := rules(t, srv, st.Bucket()); !slices.Equal(got, want) {
		t.Fatalf("rules = %q, want %q", got, want)
	}
}

func TestRetentionRoundsUpToWholeDays(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, func(o *s3.Options) { o.Retention = 36 * time.Hour })
	want := []string{s3.RuleConsent + " consent/ 2", s3.RuleRecordings + " recordings/ 2", s3.RuleSubjects + " subjects/ 2"}
	if got := rules(t, srv, st.Bucket()); !slices.Equal(got, want) {
		t.Fatalf("rules = %q, want %q", got, want)
	}
}

func TestRetentionIsIdempotentAndRemovable(t *testing.T) {
	srv := miniotest.Start(t)
	client := srv.Client(t)
	opts := srv.Options(t)
	opts.Retention = 30 * 24 * time.Hour
	first := srv.NewStore(t, func(o *s3.Options) { *o = opts })
	// An operator's own rule, which the store must never touch.
	cfg, err := client.GetBucketLifecycle(t.Context(), first.Bucket())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Rules = append(cfg.Rules, lifecycle.Rule{
		ID: "operator-tmp", Status: "Enabled",
		RuleFilter: lifecycle.Filter{Prefix: "tmp/"},
		Expiration: lifecycle.Expiration{Days: 1},
	})
	if err := client.SetBucketLifecycle(t.Context(), first.Bucket(), cfg); err != nil {
		t.Fatal(err)
	}
	_, before, err := client.GetBucketLifecycleWithInfo(t.Context(), first.Bucket())
	if err != nil {
		t.Fatal(err)
	}

	// A second start with the same retention writes nothing.
	srv.NewStore(t, func(o *s3.Options) { *o = opts })
	_, after, err := client.GetBucketLifecycleWithInfo(t.Context(), first.Bucket())
	if err != nil {
		t.Fatal(err)
	}
	if !after.Equal(before) {
		t.Fatalf("lifecycle rewritten at %v (was %v) with unchanged retention", after, before)
	}

	// Retention 0 removes the store's rules and keeps the operator's.
	opts.Retention = 0
	srv.NewStore(t, func(o *s3.Options) { *o = opts })
	if got, want := rules(t, srv, first.Bucket()), []string{"operator-tmp tmp/ 1"}; !slices.Equal(got, want) {
		t.Fatalf("rules = %q, want %q", got, want)
	}
}

func TestExportExpiryMergesWithRetention(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, func(o *s3.Options) { o.Retention = 90 * 24 * time.Hour })
	if err := st.SetExportExpiry(t.Context(), 7*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	want := []string{
		s3.RuleExports + " exports/ 7",
		s3.RuleConsent + " consent/ 90",
		s3.RuleRecordings + " recordings/ 90",
		s3.RuleSubjects + " subjects/ 90",
	}
	if got := rules(t, srv, st.Bucket()); !slices.Equal(got, want) {
		t.Fatalf("rules = %q, want %q", got, want)
	}
	if err := st.SetExportExpiry(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	if got := rules(t, srv, st.Bucket()); !slices.Equal(got, want[1:]) {
		t.Fatalf("rules after SetExportExpiry(0) = %q", got)
	}
}

func TestExportExpiryAloneRemovesLifecycle(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, nil)
	if err := st.SetExportExpiry(t.Context(), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := rules(t, srv, st.Bucket()); !slices.Equal(got, []string{s3.RuleExports + " exports/ 1"}) {
		t.Fatalf("rules = %q", got)
	}
	if err := st.SetExportExpiry(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	if got := rules(t, srv, st.Bucket()); len(got) != 0 {
		t.Fatalf("rules = %q, want none", got)
	}
}

func TestRetentionOnVersionedBucket(t *testing.T) {
	srv := miniotest.Start(t)
	opts := srv.Options(t)
	st := srv.NewStore(t, func(o *s3.Options) { *o = opts })
	if err := srv.Client(t).EnableVersioning(t.Context(), st.Bucket()); err != nil {
		t.Fatal(err)
	}
	opts.Retention = 24 * time.Hour
	srv.NewStore(t, func(o *s3.Options) { *o = opts })
	cfg, err := srv.Client(t).GetBucketLifecycle(t.Context(), st.Bucket())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cfg.Rules {
		if r.NoncurrentVersionExpiration.NoncurrentDays != 1 {
			t.Errorf("rule %s keeps noncurrent versions: %+v", r.ID, r.NoncurrentVersionExpiration)
		}
	}
}

// The retention sweeper owns the rules: a store opened with LeaveLifecycle (the gateway,
// read-only tools) does not touch them, and SetRetention changes them.
func TestLeaveLifecycleKeepsTheRulesForSetRetention(t *testing.T) {
	srv := miniotest.Start(t)
	first := srv.NewStore(t, func(o *s3.Options) { o.Retention = 30 * 24 * time.Hour })
	want := []string{s3.RuleConsent + " consent/ 30", s3.RuleRecordings + " recordings/ 30", s3.RuleSubjects + " subjects/ 30"}
	opts := srv.Options(t)
	opts.Bucket = first.Bucket()
	second := srv.NewStore(t, func(o *s3.Options) { *o = opts; o.LeaveLifecycle = true })
	if got := rules(t, srv, first.Bucket()); !slices.Equal(got, want) {
		t.Fatalf("rules after a LeaveLifecycle start = %q, want %q", got, want)
	}
	if err := second.SetRetention(t.Context(), 90*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	want = []string{s3.RuleConsent + " consent/ 90", s3.RuleRecordings + " recordings/ 90", s3.RuleSubjects + " subjects/ 90"}
	if got := rules(t, srv, first.Bucket()); !slices.Equal(got, want) {
		t.Fatalf("rules after SetRetention(90d) = %q, want %q", got, want)
	}
	if err := second.SetRetention(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	if got := rules(t, srv, first.Bucket()); len(got) != 0 {
		t.Fatalf("rules after SetRetention(0) = %q, want none", got)
	}
}
