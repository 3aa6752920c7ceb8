package objstore_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/objstore/objstoretest"
)

func TestFSAcceptance(t *testing.T) {
	objstoretest.AcceptanceTest(t, func(t *testing.T) objstore.Bucket { return newFS(t, t.TempDir()) })
}

func newFS(t *testing.T, dir string) *objstore.FS {
	t.Helper()
	b, err := objstore.NewFS(dir)
	if err != nil {
		t.Fatalf("NewFS: %v", err)
	}
	return b
}

func TestFSLayout(t *testing.T) {
	dir := t.TempDir()
	b := newFS(t, dir)
	if err := b.Put(t.Context(), "topic/0/seg.log", strings.NewReader("abc"), 3); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "objects", "topic", "0", "seg.log"))
	if err != nil || string(got) != "abc" {
		t.Fatalf("object file = %q, %v; want \"abc\"", got, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(entries) != 0 {
		t.Fatalf("staging directory holds %d entries after a Put", len(entries))
	}
	if err := b.Delete(t.Context(), "topic/0/seg.log"); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "objects")); len(entries) != 0 {
		t.Fatalf("Delete left %d empty directories behind", len(entries))
	}
}

// A crash between staging and renaming leaves a file under tmp that is no
// object: NewFS removes it and it is never listed.
func TestFSStagedPutsRemovedOnOpen(t *testing.T) {
	dir := t.TempDir()
	newFS(t, dir)
	staged := filepath.Join(dir, "tmp", "put-123")
	if err := os.WriteFile(staged, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := newFS(t, dir)
	if _, err := os.Stat(staged); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("staged file after reopening: %v, want it removed", err)
	}
	var n int
	_ = b.List(t.Context(), "", func(objstore.ObjectAttrs) error { n++; return nil })
	if n != 0 {
		t.Fatalf("List found %d objects in an empty bucket", n)
	}
}

func TestFSObjectsSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	data := objstoretest.Data(5000, 1)
	if err := newFS(t, dir).Put(t.Context(), "a/b", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	rc, err := newFS(t, dir).Get(t.Context(), "a/b")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("reopened object: %d bytes, %v", buf.Len(), err)
	}
}

// Keys whose paths would clash with a directory or an object are refused,
// and nothing outside the bucket directory is ever touched.
func TestFSKeyConflicts(t *testing.T) {
	b := newFS(t, t.TempDir())
	ctx := t.Context()
	if err := b.Put(ctx, "a/b", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(ctx, "a/b/c", strings.NewReader("x"), 1); !errors.Is(err, objstore.ErrInvalidKey) {
		t.Fatalf("Put below an object = %v, want ErrInvalidKey", err)
	}
	if err := b.Put(ctx, "a", strings.NewReader("x"), 1); !errors.Is(err, objstore.ErrInvalidKey) {
		t.Fatalf("Put over a directory = %v, want ErrInvalidKey", err)
	}
}

func TestNewFSRejectsEmptyDir(t *testing.T) {
	if _, err := objstore.NewFS(""); !errors.Is(err, objstore.ErrConfig) {
		t.Fatalf("NewFS(\"\") = %v, want ErrConfig", err)
	}
}

// An object larger than the writeback step is written in pieces, each
// handed to the disk before the next; what lands is still the whole.
func TestFSLargeObjectWrittenBackInPieces(t *testing.T) {
	b := newFS(t, t.TempDir())
	data := objstoretest.Data(20<<20+123, 2)
	// A reader without WriteTo, as the uploader's, in odd-sized reads.
	r := struct{ io.Reader }{iotest.HalfReader(bytes.NewReader(data))}
	if err := b.Put(t.Context(), "big", r, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	rc, err := b.Get(t.Context(), "big")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d of %d bytes, %v", len(got), len(data), err)
	}
}
