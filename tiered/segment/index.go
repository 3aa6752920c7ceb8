package segment

import (
	"encoding/binary"
	"fmt"
	"os"
	"sort"
)

// Index entry sizes, fixed by the file formats in doc.go.
const (
	offsetEntrySize = 8
	timeEntrySize   = 12
)

// index is one sparse index of a segment: a sorted run of fixed-size
// entries. The active segment keeps its entries on the heap and appends to
// them; a sealed segment's entries are memory-mapped from its file on first
// use. All access is under the owning Log's lock.
type index struct {
	entrySize int
	data      []byte // the entries
	mapped    bool   // data is a read-only mapping of the file
	loaded    bool   // data reflects the segment; false for a sealed index not yet mapped
}

func newIndex(entrySize int) index {
	return index{entrySize: entrySize, loaded: true}
}

func (x *index) entries() int { return len(x.data) / x.entrySize }

func (x *index) bytes() int64 { return int64(len(x.data)) }

// appendOffset adds an offset index entry.
func (x *index) appendOffset(rel, pos uint32) {
	var e [offsetEntrySize]byte
	binary.BigEndian.PutUint32(e[0:], rel)
	binary.BigEndian.PutUint32(e[4:], pos)
	x.data = append(x.data, e[:]...)
}

// appendTime adds a time index entry.
func (x *index) appendTime(ts int64, rel uint32) {
	var e [timeEntrySize]byte
	binary.BigEndian.PutUint64(e[0:], uint64(ts))
	binary.BigEndian.PutUint32(e[8:], rel)
	x.data = append(x.data, e[:]...)
}

func (x *index) offsetEntry(i int) (rel, pos uint32) {
	e := x.data[i*offsetEntrySize:]
	return binary.BigEndian.Uint32(e), binary.BigEndian.Uint32(e[4:])
}

func (x *index) timeEntry(i int) (ts int64, rel uint32) {
	e := x.data[i*timeEntrySize:]
	return int64(binary.BigEndian.Uint64(e)), binary.BigEndian.Uint32(e[8:])
}

// floorOffset returns the last offset entry whose relative offset is at or
// below rel.
func (x *index) floorOffset(rel uint32) (entryRel, pos uint32, ok bool) {
	n := x.entries()
	i := sort.Search(n, func(i int) bool {
		r, _ := x.offsetEntry(i)
		return r > rel
	})
	if i == 0 {
		return 0, 0, false
	}
	entryRel, pos = x.offsetEntry(i - 1)
	return entryRel, pos, true
}

// floorPositionEntry returns the last offset entry whose position is at or
// below pos.
func (x *index) floorPositionEntry(pos uint32) (rel, entryPos uint32, ok bool) {
	n := x.entries()
	i := sort.Search(n, func(i int) bool {
		_, p := x.offsetEntry(i)
		return p > pos
	})
	if i == 0 {
		return 0, 0, false
	}
	rel, entryPos = x.offsetEntry(i - 1)
	return rel, entryPos, true
}

// lastBelowTime returns the relative offset and timestamp of the last time
// entry whose timestamp is below ts: every batch up to that offset has a smaller max
// timestamp, so a search for ts may start there.
func (x *index) lastBelowTime(ts int64) (rel uint32, entryTs int64, ok bool) {
	n := x.entries()
	i := sort.Search(n, func(i int) bool {
		t, _ := x.timeEntry(i)
		return t >= ts
	})
	if i == 0 {
		return 0, 0, false
	}
	entryTs, rel = x.timeEntry(i - 1)
	return rel, entryTs, true
}

// lastTime returns the newest time entry.
func (x *index) lastTime() (ts int64, rel uint32, ok bool) {
	if x.entries() == 0 {
		return 0, 0, false
	}
	ts, rel = x.timeEntry(x.entries() - 1)
	return ts, rel, true
}

// truncateEntries keeps the first n entries.
func (x *index) truncateEntries(n int) { x.data = x.data[:n*x.entrySize] }

// trim shrinks the heap copy to its entries, for a segment being sealed.
func (x *index) trim() {
	if !x.mapped && cap(x.data) > len(x.data) {
		x.data = append([]byte(nil), x.data...)
	}
}

// writeFile replaces the index file with the entries and fsyncs it.
func (x *index) writeFile(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("create index: %w", err)
	}
	if _, err := f.Write(x.data); err != nil {
		f.Close()
		return fmt.Errorf("write index: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync index: %w", err)
	}
	return f.Close()
}

// load maps the index file read-only. A file whose size is not a whole
// number of entries is corrupt.
func (x *index) load(path string) error {
	data, err := mapFile(path)
	if err != nil {
		return err
	}
	if len(data)%x.entrySize != 0 {
		unmap(data)
		return fmt.Errorf("%w: %s is %d bytes, not a whole number of %d-byte entries",
			ErrCorrupt, path, len(data), x.entrySize)
	}
	x.data, x.mapped, x.loaded = data, data != nil, true
	return nil
}

// unload drops a mapping; a sealed index maps itself again on next use.
func (x *index) unload() {
	if x.mapped {
		unmap(x.data)
	}
	x.data, x.mapped, x.loaded = nil, false, false
}

// toHeap replaces a mapping with a heap copy, so the entries can be edited
// and the file truncated under them.
func (x *index) toHeap() {
	if x.mapped {
		data := append([]byte(nil), x.data...)
		unmap(x.data)
		x.data, x.mapped = data, false
	}
}
