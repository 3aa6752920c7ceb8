package objstoretest

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// manyKeys is more than S3's 1,000 keys per listing page.
const manyKeys = 1100

func testListMany(t *testing.T, b objstore.Bucket) {
	var want []string
	for i := range manyKeys {
		want = append(want, fmt.Sprintf("many/%04d", i))
	}
	putAll(t, b, want, func(string) []byte { return []byte{'x'} })
	put(t, b, "many-not/x", []byte("yy"))
	put(t, b, "man", []byte("zzz"))

	got := list(t, b, "many/")
	if !slices.Equal(keysOf(got), want) {
		t.Fatalf("List(many/) = %s, want %s", brief(keysOf(got)), brief(want))
	}
	for _, a := range got {
		if a.Size != 1 || a.LastModified.IsZero() {
			t.Fatalf("List(many/): %+v, want size 1 and a modification time", a)
		}
	}
	wantKeys(t, b, "many/10", want[1000:1100])
	all := append([]string{"man", "many-not/x"}, want...) // '-' sorts before '/'
	wantKeys(t, b, "", all)
	wantKeys(t, b, "many/2000", nil)
}

// putAll puts keys with 8 concurrent writers.
func putAll(t *testing.T, b objstore.Bucket, keys []string, data func(string) []byte) {
	t.Helper()
	work := make(chan string)
	errs := make(chan error, len(keys))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for key := range work {
				d := data(key)
				errs <- b.Put(t.Context(), key, strings.NewReader(string(d)), int64(len(d)))
			}
		})
	}
	for _, key := range keys {
		work <- key
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
}

func testListNested(t *testing.T, b objstore.Bucket) {
	keys := []string{
		"a-z", "a.b", "a/b/c", "a/b/d/e", "a/bc", "a/b-x", "a/b.x", "a0", "ab/c", "b", "é/ü",
	}
	putAll(t, b, keys, func(key string) []byte { return []byte(key) })
	sorted := slices.Clone(keys)
	sort.Strings(sorted)
	for _, prefix := range []string{
		"", "a", "a/", "a/b", "a/b/", "a/b/d/", "a/b/d/e", "ab", "é", "é/",
		"zzz", "a/b/d/e/", "a//", "../", "/", "a/b/c/d", "a/./b",
	} {
		var want []string
		for _, k := range sorted {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		got := list(t, b, prefix)
		if !slices.Equal(keysOf(got), want) {
			t.Fatalf("List(%q) = %s, want %s", prefix, brief(keysOf(got)), brief(want))
		}
		for _, a := range got {
			if a.Size != int64(len(a.Key)) {
				t.Fatalf("List(%q): %q has size %d, want %d", prefix, a.Key, a.Size, len(a.Key))
			}
		}
	}
}

func testListStop(t *testing.T, b objstore.Bucket) {
	putAll(t, b, []string{"s/1", "s/2", "s/3", "s/4"}, func(string) []byte { return nil })
	errStop := errors.New("stop here")
	var seen []string
	err := b.List(t.Context(), "s/", func(a objstore.ObjectAttrs) error {
		seen = append(seen, a.Key)
		if len(seen) == 2 {
			return errStop
		}
		return nil
	})
	if err != errStop {
		t.Fatalf("List whose callback failed = %v, want the callback's error itself", err)
	}
	if !slices.Equal(seen, []string{"s/1", "s/2"}) {
		t.Fatalf("List called back with %q after stopping", seen)
	}
}

func list(t *testing.T, b objstore.Bucket, prefix string) []objstore.ObjectAttrs {
	t.Helper()
	var out []objstore.ObjectAttrs
	err := b.List(t.Context(), prefix, func(a objstore.ObjectAttrs) error {
		out = append(out, a)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return out
}

func wantKeys(t *testing.T, b objstore.Bucket, prefix string, want []string) {
	t.Helper()
	if got := keysOf(list(t, b, prefix)); !slices.Equal(got, want) {
		t.Fatalf("List(%q) = %s, want %s", prefix, brief(got), brief(want))
	}
}

// brief quotes keys, eliding the middle of long lists.
func brief(keys []string) string {
	if len(keys) <= 12 {
		return fmt.Sprintf("%q", keys)
	}
	return fmt.Sprintf("%d keys %q ... %q", len(keys), keys[:6], keys[len(keys)-6:])
}

func keysOf(attrs []objstore.ObjectAttrs) []string {
	var keys []string
	for _, a := range attrs {
		keys = append(keys, a.Key)
	}
	return keys
}
