// Package storagetest is the conformance suite every storage.Store backend
// must pass, so the local directory and S3 behave alike for callers.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/consentgw/consentgw/storage"
)

// NewStore returns an empty store for one subtest and arranges its cleanup
// with t.Cleanup.
type NewStore func(t *testing.T) storage.Store

// Run runs the conformance suite against stores made by newStore. Each
// subtest gets its own store.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(*testing.T, storage.Store)
	}{
		{"PutThenGetReturnsContentAndMetadata", testRoundTrip},
		{"PutWithUnknownSize", testUnknownSize},
		{"PutEmptyObject", testEmptyObject},
		{"PutWithoutContentTypeUsesDefault", testDefaultContentType},
		{"PutReplacesWholeObject", testReplace},
		{"ShortOrLongReaderStoresNothing", testSizeMismatch},
		{"CanceledPutStoresNothing", testCanceledPut},
		{"MissingObjectIsNotFound", testNotFound},
		{"StatAgreesWithGet", testStatAgreesWithGet},
		{"DeleteRemovesOnlyThatObject", testDelete},
		{"DeleteMissingIsNotAnError", testDeleteMissing},
		{"ListReturnsPrefixSortedByKey", testList},
		{"ListOfEmptyPrefixIsEmpty", testListEmpty},
		{"InvalidKeysAreRejected", testInvalidKeys},
		{"InvalidMetadataIsRejected", testInvalidMetadata},
		{"ConcurrentPutsOfDifferentKeys", testConcurrentPuts},
		{"ReadersNeverSeeHalfAnObject", testAtomicReplace},
		{"PingSucceeds", testPing},
		{"URLNamesValidKeysOnly", testURL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

func put(t *testing.T, st storage.Store, key, content string, opts storage.PutOptions) {
	t.Helper()
	if err := st.Put(t.Context(), key, strings.NewReader(content), int64(len(content)), opts); err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
}

func get(t *testing.T, st storage.Store, key string) (string, storage.ObjectInfo) {
	t.Helper()
	rc, info, err := st.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", key, err)
	}
	return string(b), info
}

func wantNotFound(t *testing.T, st storage.Store, key string) {
	t.Helper()
	if _, err := st.Stat(t.Context(), key); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat(%s) = %v, want ErrNotFound", key, err)
	}
	rc, _, err := st.Get(t.Context(), key)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get(%s) = %v, want ErrNotFound", key, err)
	}
}

func keys(infos []storage.ObjectInfo) []string {
	out := make([]string, 0, len(infos))
	for _, i := range infos {
		out = append(out, i.Key)
	}
	return out
}

func testRoundTrip(t *testing.T, st storage.Store) {
	key := "recordings/2025/03/01/01JN0Z3Q8M5T7V9X1B3D5F7H9K.wav"
	md := map[string]string{"sha256": "9f86d081", "consent-id": "01JN0Z3Q8M5T7V9X1B3D5F7H9K"}
	put(t, st, key, "RIFF....WAVE", storage.PutOptions{ContentType: "audio/wav", Metadata: md})
	md["sha256"] = "changed after Put"

	content, info := get(t, st, key)
	if content != "RIFF....WAVE" {
		t.Errorf("content = %q", content)
	}
	if info.Key != key || info.Size != 12 || info.ContentType != "audio/wav" {
		t.Errorf("info = %+v", info)
	}
	if want := map[string]string{"sha256": "9f86d081", "consent-id": "01JN0Z3Q8M5T7V9X1B3D5F7H9K"}; !maps.Equal(info.Metadata, want) {
		t.Errorf("metadata = %v, want %v", info.Metadata, want)
	}
	if info.Modified.IsZero() {
		t.Error("Modified is zero")
	}
}

func testUnknownSize(t *testing.T, st storage.Store) {
	content := strings.Repeat("0123456789", 10_000)
	// A reader without Len, so no backend can learn the size up front.
	r := io.MultiReader(strings.NewReader(content[:5]), strings.NewReader(content[5:]))
	if err := st.Put(t.Context(), "exports/r1.zip", r, -1, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	got, info := get(t, st, "exports/r1.zip")
	if got != content || info.Size != int64(len(content)) {
		t.Fatalf("got %d bytes (size %d), want %d", len(got), info.Size, len(content))
	}
}

func testEmptyObject(t *testing.T, st storage.Store) {
	put(t, st, "empty", "", storage.PutOptions{})
	got, info := get(t, st, "empty")
	if got != "" || info.Size != 0 {
		t.Fatalf("got %q size %d", got, info.Size)
	}
}

func testDefaultContentType(t *testing.T, st storage.Store) {
	put(t, st, "a/b", "x", storage.PutOptions{})
	info, err := st.Stat(t.Context(), "a/b")
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != storage.DefaultContentType {
		t.Fatalf("content type %q, want %q", info.ContentType, storage.DefaultContentType)
	}
	if len(info.Metadata) != 0 {
		t.Fatalf("metadata %v, want none", info.Metadata)
	}
}

func testReplace(t *testing.T, st storage.Store) {
	put(t, st, "k", "first version, longer", storage.PutOptions{ContentType: "text/plain", Metadata: map[string]string{"v": "1", "old": "x"}})
	put(t, st, "k", "second", storage.PutOptions{ContentType: "application/json", Metadata: map[string]string{"v": "2"}})
	got, info := get(t, st, "k")
	if got != "second" || info.Size != 6 || info.ContentType != "application/json" {
		t.Fatalf("got %q %+v", got, info)
	}
	if !maps.Equal(info.Metadata, map[string]string{"v": "2"}) {
		t.Fatalf("metadata %v: old metadata must not survive a replace", info.Metadata)
	}
}

func testSizeMismatch(t *testing.T, st storage.Store) {
	err := st.Put(t.Context(), "short", strings.NewReader("12345"), 10, storage.PutOptions{})
	if err == nil {
		t.Fatal("Put of a short reader succeeded")
	}
	wantNotFound(t, st, "short")

	put(t, st, "kept", "old", storage.PutOptions{})
	if err := st.Put(t.Context(), "kept", strings.NewReader("new!"), 10, storage.PutOptions{}); err == nil {
		t.Fatal("Put of a short reader succeeded")
	}
	if got, _ := get(t, st, "kept"); got != "old" {
		t.Fatalf("failed Put changed the object to %q", got)
	}
	infos, err := st.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(infos); len(got) != 1 || got[0] != "kept" {
		t.Fatalf("List after failed puts = %v", got)
	}
}

// cancelingReader cancels its context once half the content has been read.
type cancelingReader struct {
	r      io.Reader
	read   int
	half   int
	cancel context.CancelFunc
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	if c.read >= c.half {
		c.cancel()
	}
	if len(p) > 1024 {
		p = p[:1024]
	}
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

func testCanceledPut(t *testing.T, st storage.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := st.Put(ctx, "before", strings.NewReader("x"), 1, storage.PutOptions{}); err == nil {
		t.Fatal("Put with a canceled context succeeded")
	}
	wantNotFound(t, st, "before")

	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	content := strings.Repeat("x", 64*1024)
	r := &cancelingReader{r: strings.NewReader(content), half: len(content) / 2, cancel: cancel}
	if err := st.Put(ctx, "during", r, int64(len(content)), storage.PutOptions{}); err == nil {
		t.Fatal("Put canceled midway succeeded")
	}
	wantNotFound(t, st, "during")
}

func testNotFound(t *testing.T, st storage.Store) {
	wantNotFound(t, st, "consent/2025/03/01/none.json")
	put(t, st, "a/b/c", "x", storage.PutOptions{})
	// A prefix of a key is not an object, and neither is a key below one.
	wantNotFound(t, st, "a/b")
	wantNotFound(t, st, "a/b/c/d")
}

func testStatAgreesWithGet(t *testing.T, st storage.Store) {
	put(t, st, "s", "hello", storage.PutOptions{ContentType: "text/plain", Metadata: map[string]string{"a": "b"}})
	info, err := st.Stat(t.Context(), "s")
	if err != nil {
		t.Fatal(err)
	}
	_, ginfo := get(t, st, "s")
	if info.Key != ginfo.Key || info.Size != ginfo.Size || info.ContentType != ginfo.ContentType ||
		!maps.Equal(info.Metadata, ginfo.Metadata) || !info.Modified.Equal(ginfo.Modified) {
		t.Fatalf("Stat %+v, Get %+v", info, ginfo)
	}
}

func testDelete(t *testing.T, st storage.Store) {
	put(t, st, "subjects/ab/1.json", "{}", storage.PutOptions{Metadata: map[string]string{"a": "b"}})
	put(t, st, "subjects/ab/2.json", "{}", storage.PutOptions{})
	put(t, st, "subjects/cd/1.json", "{}", storage.PutOptions{})
	if err := st.Delete(t.Context(), "subjects/ab/1.json"); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, st, "subjects/ab/1.json")
	if err := st.Delete(t.Context(), "subjects/ab/2.json"); err != nil {
		t.Fatal(err)
	}
	infos, err := st.List(t.Context(), "subjects/")
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(infos); len(got) != 1 || got[0] != "subjects/cd/1.json" {
		t.Fatalf("List after delete = %v", got)
	}
	// A new object under a deleted one's prefix must not inherit anything.
	put(t, st, "subjects/ab/1.json", "new", storage.PutOptions{})
	if _, info := get(t, st, "subjects/ab/1.json"); len(info.Metadata) != 0 {
		t.Fatalf("recreated object has old metadata %v", info.Metadata)
	}
}

func testDeleteMissing(t *testing.T, st storage.Store) {
	if err := st.Delete(t.Context(), "never/was.json"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	put(t, st, "twice", "x", storage.PutOptions{})
	for range 2 {
		if err := st.Delete(t.Context(), "twice"); err != nil {
			t.Fatal(err)
		}
	}
}

func testList(t *testing.T, st storage.Store) {
	all := []string{"ab", "a/c/d", "a.b", "a/b", "recordings/2025/03/01/x.wav", "recordings/2025/10/01/y.wav", "recordings/2024/12/31/z.wav"}
	for i, k := range all {
		put(t, st, k, strings.Repeat("x", i), storage.PutOptions{ContentType: "text/plain"})
	}
	cases := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a.b", "a/b", "a/c/d", "ab", "recordings/2024/12/31/z.wav", "recordings/2025/03/01/x.wav", "recordings/2025/10/01/y.wav"}},
		{"a", []string{"a.b", "a/b", "a/c/d", "ab"}},
		{"a/", []string{"a/b", "a/c/d"}},
		{"a/c/", []string{"a/c/d"}},
		{"recordings/2025/0", []string{"recordings/2025/03/01/x.wav"}},
		{"recordings/2025/", []string{"recordings/2025/03/01/x.wav", "recordings/2025/10/01/y.wav"}},
		{"a/b", []string{"a/b"}},
	}
	for _, c := range cases {
		infos, err := st.List(t.Context(), c.prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", c.prefix, err)
		}
		if got := keys(infos); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("List(%q) = %v, want %v", c.prefix, got, c.want)
		}
		for _, info := range infos {
			for i, k := range all {
				if k == info.Key && info.Size != int64(i) {
					t.Errorf("List size of %s = %d, want %d", k, info.Size, i)
				}
			}
		}
	}
}

func testListEmpty(t *testing.T, st storage.Store) {
	for _, p := range []string{"", "subjects/", "subjects/00ff/", "nothing"} {
		infos, err := st.List(t.Context(), p)
		if err != nil {
			t.Fatalf("List(%q): %v", p, err)
		}
		if len(infos) != 0 {
			t.Fatalf("List(%q) = %v on an empty store", p, keys(infos))
		}
	}
}

var invalidKeys = []string{"", "/abs", "../up", "a/../../b", "a//b", "a/", "a\\b", "a\x00b", "a\nb", ".hidden", "a/./b"}

func testInvalidKeys(t *testing.T, st storage.Store) {
	ctx := t.Context()
	for _, k := range invalidKeys {
		if err := st.Put(ctx, k, strings.NewReader("x"), 1, storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, _, err := st.Get(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Get(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, err := st.Stat(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Stat(%q) = %v, want ErrInvalidKey", k, err)
		}
		if err := st.Delete(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
	for _, p := range []string{"/", "../", "a//"} {
		if _, err := st.List(ctx, p); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("List(%q) = %v, want ErrInvalidKey", p, err)
		}
	}
	infos, err := st.List(ctx, "")
	if err != nil || len(infos) != 0 {
		t.Fatalf("rejected puts left objects: %v, %v", keys(infos), err)
	}
}

func testInvalidMetadata(t *testing.T, st storage.Store) {
	for _, md := range []map[string]string{{"Upper": "x"}, {"a": "new\nline"}, {"": "x"}} {
		err := st.Put(t.Context(), "m", strings.NewReader("x"), 1, storage.PutOptions{Metadata: md})
		if !errors.Is(err, storage.ErrInvalidMetadata) {
			t.Errorf("Put with metadata %q = %v, want ErrInvalidMetadata", md, err)
		}
	}
	wantNotFound(t, st, "m")
}

func testConcurrentPuts(t *testing.T, st storage.Store) {
	const writers, perWriter = 8, 6
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				// Shared parent directories, distinct keys.
				key := fmt.Sprintf("subjects/%02d/%02d.json", i, w)
				body := key + strings.Repeat(".", w*100)
				if err := st.Put(t.Context(), key, strings.NewReader(body), int64(len(body)), storage.PutOptions{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	infos, err := st.List(t.Context(), "subjects/")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != writers*perWriter {
		t.Fatalf("List found %d objects, want %d", len(infos), writers*perWriter)
	}
	for _, info := range infos {
		got, _ := get(t, st, info.Key)
		if !strings.HasPrefix(got, info.Key) {
			t.Errorf("%s holds %.40q", info.Key, got)
		}
	}
}

// testAtomicReplace has one writer replace an object with two versions of
// different length and content while a reader checks that every read is
// one whole version with its own metadata.
func testAtomicReplace(t *testing.T, st storage.Store) {
	versions := []struct{ body, tag string }{
		{strings.Repeat("a", 48*1024), "a"},
		{strings.Repeat("b", 80*1024), "b"},
	}
	putVersion := func(i int) error {
		v := versions[i%2]
		return st.Put(t.Context(), "atomic", strings.NewReader(v.body), int64(len(v.body)),
			storage.PutOptions{Metadata: map[string]string{"tag": v.tag}})
	}
	if err := putVersion(0); err != nil {
		t.Fatal(err)
	}
	const rounds = 40
	done := make(chan error, 1)
	go func() {
		var err error
		for i := 1; i <= rounds && err == nil; i++ {
			err = putVersion(i)
		}
		done <- err
	}()
	check := func() {
		rc, info, err := st.Get(t.Context(), "atomic")
		if err != nil {
			t.Fatalf("Get during replace: %v", err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		tag := info.Metadata["tag"]
		var want string
		for _, v := range versions {
			if v.tag == tag {
				want = v.body
			}
		}
		if !bytes.Equal(b, []byte(want)) || info.Size != int64(len(b)) {
			t.Fatalf("read %d bytes starting %q with tag %q and size %d: not one whole version", len(b), b[:min(len(b), 1)], tag, info.Size)
		}
	}
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			check()
			return
		default:
			check()
		}
	}
}

func testPing(t *testing.T, st storage.Store) {
	if err := st.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func testURL(t *testing.T, st storage.Store) {
	put(t, st, "exports/req-1.zip", "PK", storage.PutOptions{ContentType: "application/zip"})
	if u := st.URL("exports/req-1.zip"); u == "" {
		t.Error("URL of a valid key is empty")
	}
	for _, k := range invalidKeys {
		if u := st.URL(k); u != "" {
			t.Errorf("URL(%q) = %q, want empty", k, u)
		}
	}
}
