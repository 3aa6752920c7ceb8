package segment

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

func TestSealedSegmentsListsDurableSealedOnes(t *testing.T) {
	clk := newClock()
	l := openLog(t, t.TempDir(), testConfig(clk))
	defer l.Close()
	if got := l.SealedSegments(); len(got) != 0 {
		t.Fatalf("empty log: %+v", got)
	}
	for range 30 {
		mustAppend(t, l, values(5, 100, 1000))
	}
	l.waitSealed()
	segs := l.Segments()
	sealed := l.SealedSegments()
	if len(segs) < 3 || len(sealed) != len(segs)-1 {
		t.Fatalf("%d segments, %d sealed: %+v", len(segs), len(sealed), sealed)
	}
	for i, s := range sealed {
		want := SealedInfo{BaseOffset: segs[i].BaseOffset, NextOffset: segs[i].NextOffset, Size: segs[i].Size}
		if s != want {
			t.Fatalf("sealed[%d] = %+v, want %+v", i, s, want)
		}
	}
	if err := l.Seal(); err != nil {
		t.Fatal(err)
	}
	sealed = l.SealedSegments()
	if last := sealed[len(sealed)-1]; last.NextOffset != l.EndOffset() {
		t.Fatalf("after Seal the last sealed segment ends at %d, log end %d", last.NextOffset, l.EndOffset())
	}
}

func TestOpenSealedReadsTheSegmentFile(t *testing.T) {
	clk := newClock()
	l := openLog(t, t.TempDir(), testConfig(clk))
	defer l.Close()
	for range 30 {
		mustAppend(t, l, values(5, 100, 1000))
	}
	if err := l.Seal(); err != nil {
		t.Fatal(err)
	}
	next := int64(0)
	for _, s := range l.SealedSegments() {
		if s.BaseOffset != next {
			t.Fatalf("sealed segment at %d, want %d", s.BaseOffset, next)
		}
		got := readSealed(t, l, s.BaseOffset, s.Size)
		r, err := l.Read(s.BaseOffset, 1<<20, s.NextOffset)
		if err != nil {
			t.Fatal(err)
		}
		want, err := r.AppendTo(nil)
		r.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("segment %d: OpenSealed read %d bytes, Read %d (%v)", s.BaseOffset, len(got), len(want), err)
		}
		next = s.NextOffset
	}
	if next != l.EndOffset() {
		t.Fatalf("sealed segments end at %d, log end %d", next, l.EndOffset())
	}
}

func TestOpenSealedSurvivesDeletion(t *testing.T) {
	clk := newClock()
	l := openLog(t, t.TempDir(), testConfig(clk))
	defer l.Close()
	for range 30 {
		mustAppend(t, l, values(5, 100, 1000))
	}
	l.waitSealed()
	first := l.SealedSegments()[0]
	rc, size, err := l.OpenSealed(first.BaseOffset)
	if err != nil || size != first.Size {
		t.Fatalf("OpenSealed = %d, %v", size, err)
	}
	defer rc.Close()
	if n, err := l.DeleteSegmentsBefore(first.NextOffset); err != nil || n != 1 {
		t.Fatalf("DeleteSegmentsBefore = %d, %v", n, err)
	}
	if _, err := os.Stat(segmentPath(l.Dir(), first.BaseOffset, logSuffix)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("segment file still there: %v", err)
	}
	b, err := io.ReadAll(rc)
	if err != nil || int64(len(b)) != size {
		t.Fatalf("read %d bytes of a deleted segment, %v; want %d", len(b), err, size)
	}
	if _, _, err := l.OpenSealed(first.BaseOffset); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenSealed of a deleted segment: %v", err)
	}
}

func TestOpenSealedUnknownBase(t *testing.T) {
	clk := newClock()
	l := openLog(t, t.TempDir(), testConfig(clk))
	defer l.Close()
	for range 30 {
		mustAppend(t, l, values(5, 100, 1000))
	}
	segs := l.Segments()
	active := segs[len(segs)-1].BaseOffset
	for _, base := range []int64{1, active, l.EndOffset() + 100} {
		if _, _, err := l.OpenSealed(base); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("OpenSealed(%d) = %v, want os.ErrNotExist", base, err)
		}
	}
	l.Close()
	if _, _, err := l.OpenSealed(0); !errors.Is(err, ErrClosed) {
		t.Fatalf("OpenSealed after Close = %v", err)
	}
}

// readSealed reads the whole sealed segment at base.
func readSealed(t *testing.T, l *Log, base, size int64) []byte {
	t.Helper()
	rc, n, err := l.OpenSealed(base)
	if err != nil || n != size {
		t.Fatalf("OpenSealed(%d) = %d, %v", base, n, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil || int64(len(b)) != size {
		t.Fatalf("read segment %d: %d bytes, %v", base, len(b), err)
	}
	return b
}
