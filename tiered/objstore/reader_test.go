package objstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestPutReader(t *testing.T) {
	errBoom := errors.New("boom")
	for _, tc := range []struct {
		name string
		r    io.Reader
		size int64
		want error // nil: reads "hello" to a clean EOF
	}{
		{"exact", strings.NewReader("hello"), 5, nil},
		{"one byte at a time", iotest.OneByteReader(strings.NewReader("hello")), 5, nil},
		{"data with EOF", iotest.DataErrReader(strings.NewReader("hello")), 5, nil},
		{"short", strings.NewReader("hell"), 5, ErrSizeMismatch},
		{"long", strings.NewReader("hello!"), 5, ErrSizeMismatch},
		{"empty but not", strings.NewReader("x"), 0, ErrSizeMismatch},
		{"failing", io.MultiReader(strings.NewReader("he"), iotest.ErrReader(errBoom)), 5, errBoom},
		{"failing after the data", io.MultiReader(strings.NewReader("hello"), iotest.ErrReader(errBoom)), 5, errBoom},
	} {
		pr := newPutReader(context.Background(), tc.r, tc.size)
		got, err := io.ReadAll(pr)
		if tc.want == nil {
			if err != nil || (tc.size > 0 && string(got) != "hello") {
				t.Errorf("%s: read %q, %v; want hello", tc.name, got, err)
			}
			continue
		}
		if !errors.Is(err, tc.want) || !errors.Is(pr.cause(errors.New("client")), tc.want) {
			t.Errorf("%s: err %v, cause %v; want %v", tc.name, err, pr.cause(nil), tc.want)
		}
	}
}

func TestPutReaderContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr := newPutReader(ctx, bytes.NewReader(make([]byte, 100)), 100)
	if _, err := pr.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := pr.Read(make([]byte, 10)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Read after cancel = %v, want context.Canceled", err)
	}
	// A store error that does not mention ctx still reports it.
	if err := newPutReader(ctx, nil, 0).cause(errors.New("request failed")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cause = %v, want context.Canceled in the chain", err)
	}
}

func TestCheckContentRange(t *testing.T) {
	for _, tc := range []struct {
		header      string
		off, length int64
		ok          bool
	}{
		{"bytes 0-9/100", 0, 10, true},
		{"bytes 90-99/100", 90, -1, true},
		{"bytes 90-99/100", 90, 10, true},
		{"bytes 90-99/100", 90, 11, false}, // shortened by the store
		{"bytes 91-99/100", 90, 10, false},
		{"bytes 90-98/100", 90, -1, false},
		{"", 0, 10, false},
		{"bytes */100", 0, 10, false},
		{"bytes 9-0/100", 0, 10, false},
		{"bytes 0-100/100", 0, 101, false},
		{"items 0-9/100", 0, 10, false},
	} {
		err := checkContentRange(tc.header, tc.off, tc.length)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidRange)) {
			t.Errorf("checkContentRange(%q, %d, %d) = %v, want ok=%v", tc.header, tc.off, tc.length, err, tc.ok)
		}
	}
}

func TestRangeHeader(t *testing.T) {
	if got := rangeHeader(5, 10); got != "bytes=5-14" {
		t.Errorf("rangeHeader(5, 10) = %q", got)
	}
	if got := rangeHeader(5, -1); got != "bytes=5-" {
		t.Errorf("rangeHeader(5, -1) = %q", got)
	}
	if err := checkRange(1, 1<<63-1); !errors.Is(err, ErrInvalidRange) {
		t.Errorf("checkRange with an overflowing end = %v, want ErrInvalidRange", err)
	}
}
