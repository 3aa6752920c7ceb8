package objstoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/strata-streaming/strata/tiered/objstore"
)

func testKeys(t *testing.T, b objstore.Bucket) {
	for i, key := range []string{
		"dots/a.b.c",
		"dots/.hidden",
		"dots/...three",
		"dots/trailing.",
		"dash-es/-lead/trail-",
		"under_score/x",
		"space/a b",
		"unicode/héllo/世界/🙂.bin",
		"mixed/A-b_c.d~e+f=g@h,i;j",
		"percent/%20x%2F",
		"quote/'\"&<>",
		"long/" + strings.Repeat("x", 200),
	} {
		data := Data(100+i, uint64(i))
		put(t, b, key, data)
		if got := get(t, b, key); !bytes.Equal(got, data) {
			t.Fatalf("Get(%q): content differs", key)
		}
		if a := attributes(t, b, key); a.Key != key || a.Size != int64(len(data)) {
			t.Fatalf("Attributes(%q) = %+v", key, a)
		}
		wantKeys(t, b, key, []string{key})
		mustDelete(t, b, key)
		absent(t, b, key)
	}
	wantKeys(t, b, "", nil)
}

func testInvalidKeys(t *testing.T, b objstore.Bucket) {
	for _, key := range []string{
		"", "/abs", "abs/", "a//b", "..", ".", "a/../b", "./a", "a/.", "../up",
		"ctl\x01", "nul\x00", "del\x7f", "bad\xff\xfe", strings.Repeat("k", objstore.MaxKeyLen+1),
	} {
		ctx := t.Context()
		err := b.Put(ctx, key, strings.NewReader("x"), 1)
		checkInvalidKey(t, "Put", key, err)
		rc, err := b.Get(ctx, key)
		closeIf(rc)
		checkInvalidKey(t, "Get", key, err)
		rc, err = b.GetRange(ctx, key, 0, 1)
		closeIf(rc)
		checkInvalidKey(t, "GetRange", key, err)
		_, err = b.Attributes(ctx, key)
		checkInvalidKey(t, "Attributes", key, err)
		checkInvalidKey(t, "Delete", key, b.Delete(ctx, key))
	}
	wantKeys(t, b, "", nil)
}

func checkInvalidKey(t *testing.T, op, key string, err error) {
	t.Helper()
	if !errors.Is(err, objstore.ErrInvalidKey) {
		t.Fatalf("%s(%q) = %v, want ErrInvalidKey", op, key, err)
	}
}

func testConcurrent(t *testing.T, b objstore.Bucket) {
	const workers, perWorker = 8, 6
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { errs <- putGetLoop(t.Context(), b, w, perWorker) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := list(t, b, "conc/"); len(got) != workers*perWorker {
		t.Fatalf("List(conc/): %d keys, want %d", len(got), workers*perWorker)
	}
}

// putGetLoop puts, reads back, overwrites and reads back its own keys.
func putGetLoop(ctx context.Context, b objstore.Bucket, worker, n int) error {
	for i := range n {
		key := fmt.Sprintf("conc/w%d/k%d", worker, i)
		for round := range 2 {
			data := Data(4096+i*100+round, uint64(worker*1000+i*10+round))
			if err := b.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
				return fmt.Errorf("Put(%q): %w", key, err)
			}
			rc, err := b.Get(ctx, key)
			if err != nil {
				return fmt.Errorf("Get(%q): %w", key, err)
			}
			got, err := io.ReadAll(rc)
			_ = rc.Close()
			if err != nil || !bytes.Equal(got, data) {
				return fmt.Errorf("Get(%q) round %d: %d bytes, err %v; want %d bytes", key, round, len(got), err, len(data))
			}
		}
	}
	return nil
}

var errReader = errors.New("objstoretest: reader failed")

// failingReader yields data until failAt bytes, then fails with errReader.
type failingReader struct {
	data   []byte
	off    int
	failAt int
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.off >= r.failAt {
		return 0, errReader
	}
	n := copy(p, r.data[r.off:r.failAt])
	r.off += n
	return n, nil
}

func testFailedPut(t *testing.T, b objstore.Bucket) {
	old := Data(10000, 6)
	put(t, b, "fail/old", old)
	for _, tc := range []struct {
		key          string
		size, failAt int
	}{
		{"fail/old", 3 << 20, 1 << 20},                  // replacing an object
		{"fail/new", 3 << 20, 1 << 20},                  // a new key
		{"fail/large", LargeObjectSize, 6 << 20},        // fails in the second part
		{"fail/last", LargeObjectSize, LargeObjectSize}, // fails at the very end
	} {
		r := &failingReader{data: Data(tc.size, 7), failAt: tc.failAt}
		err := b.Put(t.Context(), tc.key, r, int64(tc.size))
		if !errors.Is(err, errReader) {
			t.Fatalf("Put(%q) with a reader failing at %d = %v, want the reader's error", tc.key, tc.failAt, err)
		}
	}
	if got := get(t, b, "fail/old"); !bytes.Equal(got, old) {
		t.Fatal("a failed Put changed the object it was replacing")
	}
	absent(t, b, "fail/new")
	absent(t, b, "fail/large")
	absent(t, b, "fail/last")
	wantKeys(t, b, "fail/", []string{"fail/old"})
}

func testSizeMismatch(t *testing.T, b objstore.Bucket) {
	for _, tc := range []struct {
		key        string
		have, size int
	}{
		{"size/short", 100, 200},
		{"size/long", 200, 100},
		{"size/short-large", LargeObjectSize - 1, LargeObjectSize},
		{"size/long-large", LargeObjectSize + 1, LargeObjectSize},
		{"size/empty-long", 1, 0},
	} {
		err := b.Put(t.Context(), tc.key, bytes.NewReader(Data(tc.have, 8)), int64(tc.size))
		if !errors.Is(err, objstore.ErrSizeMismatch) {
			t.Fatalf("Put(%q) of %d bytes declared %d = %v, want ErrSizeMismatch", tc.key, tc.have, tc.size, err)
		}
		absent(t, b, tc.key)
	}
	err := b.Put(t.Context(), "size/negative", bytes.NewReader(nil), -1)
	if !errors.Is(err, objstore.ErrSizeMismatch) {
		t.Fatalf("Put with size -1 = %v, want ErrSizeMismatch", err)
	}
	wantKeys(t, b, "size/", nil)
}

func testContextCanceled(t *testing.T, b objstore.Bucket) {
	put(t, b, "ctx/obj", []byte("data"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	checkCanceled(t, "Put", b.Put(ctx, "ctx/new", strings.NewReader("x"), 1))
	rc, err := b.Get(ctx, "ctx/obj")
	closeIf(rc)
	checkCanceled(t, "Get", err)
	rc, err = b.GetRange(ctx, "ctx/obj", 0, 1)
	closeIf(rc)
	checkCanceled(t, "GetRange", err)
	_, err = b.Attributes(ctx, "ctx/obj")
	checkCanceled(t, "Attributes", err)
	checkCanceled(t, "Delete", b.Delete(ctx, "ctx/obj"))
	checkCanceled(t, "List", b.List(ctx, "", func(objstore.ObjectAttrs) error { return nil }))
	absent(t, b, "ctx/new")
	get(t, b, "ctx/obj")
}

func testContextCanceledMidway(t *testing.T, b objstore.Bucket) {
	// A Put whose context ends while its reader is being consumed.
	ctx, cancel := context.WithCancel(t.Context())
	data := Data(3<<20, 9)
	r := &cancelingReader{data: data, cancelAt: 1 << 20, cancel: cancel}
	checkCanceled(t, "Put", b.Put(ctx, "mid/put", r, int64(len(data))))
	absent(t, b, "mid/put")

	// A reader whose context ends while it is being read.
	put(t, b, "mid/get", data)
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	rc, err := b.Get(ctx, "mid/get")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 1)); err != nil {
		t.Fatalf("read the first byte: %v", err)
	}
	cancel()
	if _, err := io.Copy(io.Discard, rc); err == nil {
		t.Fatal("reading an object after its context was canceled succeeded")
	}

	// A List whose context ends in its callback.
	putAll(t, b, []string{"mid/l1", "mid/l2", "mid/l3"}, func(string) []byte { return nil })
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	calls := 0
	err = b.List(ctx, "mid/l", func(objstore.ObjectAttrs) error { calls++; cancel(); return nil })
	checkCanceled(t, "List", err)
	if calls != 1 {
		t.Fatalf("List called back %d times after its context was canceled, want 1", calls)
	}
}

// cancelingReader yields data 64 KiB at a time, calling cancel once
// cancelAt bytes are read.
type cancelingReader struct {
	data     []byte
	off      int
	cancelAt int
	cancel   context.CancelFunc
}

func (r *cancelingReader) Read(p []byte) (int, error) {
	if r.off >= len(r.data) {
		return 0, io.EOF
	}
	if r.off >= r.cancelAt {
		r.cancel()
	}
	n := copy(p, r.data[r.off:min(len(r.data), r.off+64<<10)])
	r.off += n
	return n, nil
}

func checkCanceled(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("%s with a canceled context = %v, want context.Canceled", op, err)
	}
	if objstore.IsRetriable(err) {
		t.Fatalf("%s: a canceled context reported as retriable: %v", op, err)
	}
}
