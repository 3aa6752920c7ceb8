package objstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/objstore/miniotest"
)

// checkPrefix puts through scoped, whose keys all live under prefix in the
// bucket that whole sees without one.
func checkPrefix(t *testing.T, whole, scoped objstore.Bucket, prefix string) {
	t.Helper()
	ctx := t.Context()
	for _, key := range []string{"a/1", "a/2", "b"} {
		if err := scoped.Put(ctx, key, strings.NewReader(key), int64(len(key))); err != nil {
			t.Fatal(err)
		}
	}
	if err := whole.Put(ctx, "outside", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	if got, want := listKeys(t, scoped, ""), []string{"a/1", "a/2", "b"}; !slices.Equal(got, want) {
		t.Fatalf("scoped List = %q, want %q", got, want)
	}
	if got, want := listKeys(t, scoped, "a/"), []string{"a/1", "a/2"}; !slices.Equal(got, want) {
		t.Fatalf("scoped List(a/) = %q, want %q", got, want)
	}
	want := []string{prefix + "a/1", prefix + "a/2", prefix + "b", "outside"}
	if got := listKeys(t, whole, ""); !slices.Equal(got, want) {
		t.Fatalf("unscoped List = %q, want %q", got, want)
	}
	checkGet(t, whole, prefix+"a/1", []byte("a/1"))
	if a, err := scoped.Attributes(ctx, "b"); err != nil || a.Key != "b" {
		t.Fatalf("scoped Attributes(b) = %+v, %v", a, err)
	}
	if _, err := scoped.Attributes(ctx, "outside"); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("scoped Attributes(outside) = %v, want ErrNotFound", err)
	}
}

// checkOutage stops srv under b and expects retriable errors from every
// method, then restarts it and expects the data back.
func checkOutage(t *testing.T, srv *miniotest.Server, b objstore.Bucket) {
	t.Helper()
	ctx := t.Context()
	data := []byte("survives the outage")
	if err := b.Put(ctx, "k", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	srv.Stop(t)
	_, getErr := b.Get(ctx, "k")
	_, rangeErr := b.GetRange(ctx, "k", 0, 1)
	_, attrErr := b.Attributes(ctx, "k")
	for op, err := range map[string]error{
		"Put":        b.Put(ctx, "k2", strings.NewReader("x"), 1),
		"Get":        getErr,
		"GetRange":   rangeErr,
		"Attributes": attrErr,
		"Delete":     b.Delete(ctx, "k"),
		"List":       b.List(ctx, "", func(objstore.ObjectAttrs) error { return nil }),
	} {
		if !objstore.IsRetriable(err) || errors.Is(err, objstore.ErrNotFound) {
			t.Errorf("%s during an outage = %v, want a retriable error", op, err)
		}
	}
	srv.Restart(t)
	checkGet(t, b, "k", data)
}

func checkGet(t *testing.T, b objstore.Bucket, key string, want []byte) {
	t.Helper()
	rc, err := b.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Get(%q): %d bytes, %v; want %d bytes", key, len(got), err, len(want))
	}
}

func listKeys(t *testing.T, b objstore.Bucket, prefix string) []string {
	t.Helper()
	var keys []string
	err := b.List(t.Context(), prefix, func(a objstore.ObjectAttrs) error {
		keys = append(keys, a.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

func sprint(format string, v any) string { return fmt.Sprintf(format, v) }

func slogText(v any) string {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "cfg", v)
	return buf.String()
}
