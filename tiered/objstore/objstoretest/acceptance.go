package objstoretest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// LargeObjectSize is the size of the suite's multi-MiB objects. A backend
// with multipart uploads should run the suite with a part size of at most
// objstore.MinPartSize, so these objects cross part boundaries.
const LargeObjectSize = 7<<20 + 12345

// AcceptanceTest checks the Bucket contract. newBucket must return a fresh,
// empty bucket each time it is called (once per subtest) and arrange its
// cleanup with t.Cleanup.
func AcceptanceTest(t *testing.T, newBucket func(t *testing.T) objstore.Bucket) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b objstore.Bucket)
	}{
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"GetRange", testGetRange},
		{"GetRangeLarge", testGetRangeLarge},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"ListMany", testListMany},
		{"ListNested", testListNested},
		{"ListStop", testListStop},
		{"Keys", testKeys},
		{"InvalidKeys", testInvalidKeys},
		{"Concurrent", testConcurrent},
		{"FailedPut", testFailedPut},
		{"SizeMismatch", testSizeMismatch},
		{"ContextCanceled", testContextCanceled},
		{"ContextCanceledMidway", testContextCanceledMidway},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newBucket(t)) })
	}
}

func testRoundTrip(t *testing.T, b objstore.Bucket) {
	for _, tc := range []struct {
		key  string
		data []byte
	}{
		{"round/empty", nil},
		{"round/small", []byte("hello, strata")},
		{"round/large", Data(LargeObjectSize, 1)},
	} {
		put(t, b, tc.key, tc.data)
		if got := get(t, b, tc.key); !bytes.Equal(got, tc.data) {
			t.Fatalf("Get(%q): %d bytes differ from the %d put", tc.key, len(got), len(tc.data))
		}
		attrs, err := b.Attributes(t.Context(), tc.key)
		if err != nil {
			t.Fatalf("Attributes(%q): %v", tc.key, err)
		}
		if attrs.Key != tc.key || attrs.Size != int64(len(tc.data)) || attrs.LastModified.IsZero() {
			t.Fatalf("Attributes(%q) = %+v, want key %q size %d and a modification time",
				tc.key, attrs, tc.key, len(tc.data))
		}
	}
}

func testOverwrite(t *testing.T, b objstore.Bucket) {
	const key = "over/write"
	first, second := Data(3000, 2), Data(1000, 3)
	put(t, b, key, first)
	before := attributes(t, b, key)
	put(t, b, key, second)
	if got := get(t, b, key); !bytes.Equal(got, second) {
		t.Fatalf("Get after overwrite: got %d bytes, want the second %d", len(got), len(second))
	}
	after := attributes(t, b, key)
	if after.Size != int64(len(second)) {
		t.Fatalf("Attributes after overwrite: size %d, want %d", after.Size, len(second))
	}
	if before.ETag != "" && before.ETag == after.ETag {
		t.Fatalf("ETag %q unchanged by an overwrite with other content", after.ETag)
	}
	put(t, b, key, second) // idempotent
	if got := get(t, b, key); !bytes.Equal(got, second) {
		t.Fatal("Get after a repeated Put: content changed")
	}
}

// rangeCase is one GetRange call and its expected outcome: the bytes
// data[off:off+length] (to the end for -1), or ErrInvalidRange.
type rangeCase struct {
	name        string
	off, length int64
	invalid     bool
}

func testGetRange(t *testing.T, b objstore.Bucket) {
	data := Data(10000, 4)
	put(t, b, "range/obj", data)
	checkRanges(t, b, "range/obj", data, []rangeCase{
		{name: "start", off: 0, length: 100},
		{name: "middle", off: 4000, length: 1234},
		{name: "end", off: 9900, length: 100},
		{name: "last byte", off: 9999, length: 1},
		{name: "whole", off: 0, length: 10000},
		{name: "to the end", off: 9000, length: -1},
		{name: "all to the end", off: 0, length: -1},
		{name: "past the end", off: 9950, length: 100, invalid: true},
		{name: "at the end", off: 10000, length: 1, invalid: true},
		{name: "after the end", off: 12000, length: 5, invalid: true},
		{name: "to the end from the end", off: 10000, length: -1, invalid: true},
		{name: "negative offset", off: -1, length: 10, invalid: true},
		{name: "zero length", off: 0, length: 0, invalid: true},
		{name: "negative length", off: 0, length: -2, invalid: true},
	})
	put(t, b, "range/empty", nil)
	checkRanges(t, b, "range/empty", nil, []rangeCase{
		{name: "empty object", off: 0, length: 1, invalid: true},
		{name: "empty object to the end", off: 0, length: -1, invalid: true},
	})
}

func testGetRangeLarge(t *testing.T, b objstore.Bucket) {
	data := Data(LargeObjectSize, 5)
	put(t, b, "range/large", data)
	checkRanges(t, b, "range/large", data, []rangeCase{
		{name: "across the first part boundary", off: objstore.MinPartSize - 100, length: 200},
		{name: "second part", off: objstore.MinPartSize + 7, length: 1 << 20},
		{name: "tail", off: LargeObjectSize - 10, length: 10},
		{name: "tail to the end", off: LargeObjectSize - 3000, length: -1},
		{name: "one past the end", off: LargeObjectSize - 10, length: 11, invalid: true},
	})
}

func checkRanges(t *testing.T, b objstore.Bucket, key string, data []byte, cases []rangeCase) {
	t.Helper()
	for _, tc := range cases {
		rc, err := b.GetRange(t.Context(), key, tc.off, tc.length)
		if tc.invalid {
			if !errors.Is(err, objstore.ErrInvalidRange) {
				closeIf(rc)
				t.Fatalf("%s: GetRange(%q, %d, %d) = %v, want ErrInvalidRange", tc.name, key, tc.off, tc.length, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: GetRange(%q, %d, %d): %v", tc.name, key, tc.off, tc.length, err)
		}
		got := readAll(t, rc)
		end := tc.off + tc.length
		if tc.length == -1 {
			end = int64(len(data))
		}
		if !bytes.Equal(got, data[tc.off:end]) {
			t.Fatalf("%s: GetRange(%q, %d, %d): got %d bytes, want %d matching bytes",
				tc.name, key, tc.off, tc.length, len(got), end-tc.off)
		}
	}
}

func testNotFound(t *testing.T, b objstore.Bucket) {
	put(t, b, "dir/obj", []byte("x"))
	for _, key := range []string{"missing/key", "dir", "dir/obj/below", "dir/ob"} {
		ctx := t.Context()
		rc, err := b.Get(ctx, key)
		checkNotFound(t, "Get", key, rc, err)
		rc, err = b.GetRange(ctx, key, 0, 1)
		checkNotFound(t, "GetRange", key, rc, err)
		_, err = b.Attributes(ctx, key)
		checkNotFound(t, "Attributes", key, nil, err)
	}
}

func checkNotFound(t *testing.T, op, key string, rc io.ReadCloser, err error) {
	t.Helper()
	closeIf(rc)
	if !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("%s(%q) = %v, want ErrNotFound", op, key, err)
	}
	if objstore.IsRetriable(err) {
		t.Fatalf("%s(%q): ErrNotFound reported as retriable: %v", op, key, err)
	}
}

func testDelete(t *testing.T, b objstore.Bucket) {
	ctx := t.Context()
	put(t, b, "del/a/b/c", []byte("c"))
	put(t, b, "del/a/b/d", []byte("d"))
	mustDelete(t, b, "del/a/b/c")
	if _, err := b.Attributes(ctx, "del/a/b/c"); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("Attributes after Delete = %v, want ErrNotFound", err)
	}
	mustDelete(t, b, "del/a/b/c")   // again
	mustDelete(t, b, "del/never")   // never existed
	mustDelete(t, b, "del/a/b")     // a "directory", not an object
	mustDelete(t, b, "del/a/b/d/e") // below an object
	wantKeys(t, b, "del/", []string{"del/a/b/d"})
	mustDelete(t, b, "del/a/b/d")
	wantKeys(t, b, "", nil)
	// With its objects gone, a former directory can name an object.
	put(t, b, "del/a/b", []byte("now an object"))
	put(t, b, "del/a/c", []byte("and a sibling"))
	wantKeys(t, b, "", []string{"del/a/b", "del/a/c"})
}

func mustDelete(t *testing.T, b objstore.Bucket, key string) {
	t.Helper()
	if err := b.Delete(t.Context(), key); err != nil {
		t.Fatalf("Delete(%q): %v", key, err)
	}
}

// Data returns n deterministic pseudo-random bytes chosen by seed.
func Data(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	out := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := i; j < n && j < i+8; j++ {
			out[j] = byte(v)
			v >>= 8
		}
	}
	return out
}

func put(t *testing.T, b objstore.Bucket, key string, data []byte) {
	t.Helper()
	if err := b.Put(t.Context(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put(%q, %d bytes): %v", key, len(data), err)
	}
}

func get(t *testing.T, b objstore.Bucket, key string) []byte {
	t.Helper()
	rc, err := b.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return readAll(t, rc)
}

func attributes(t *testing.T, b objstore.Bucket, key string) objstore.ObjectAttrs {
	t.Helper()
	attrs, err := b.Attributes(t.Context(), key)
	if err != nil {
		t.Fatalf("Attributes(%q): %v", key, err)
	}
	return attrs
}

func readAll(t *testing.T, rc io.ReadCloser) []byte {
	t.Helper()
	data, err := io.ReadAll(rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("read object: %v", err)
	}
	return data
}

func closeIf(rc io.ReadCloser) {
	if rc != nil {
		_ = rc.Close()
	}
}

// absent asserts key names no object.
func absent(t *testing.T, b objstore.Bucket, key string) {
	t.Helper()
	if attrs, err := b.Attributes(context.WithoutCancel(t.Context()), key); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("Attributes(%q) = %+v, %v; want ErrNotFound", key, attrs, err)
	}
}
