package segment

import "testing"

// TestIndexLookupsAtBoundaries checks every lookup below, at, between and
// above the entries of both indexes.
func TestIndexLookupsAtBoundaries(t *testing.T) {
	x := newIndex(offsetEntrySize)
	for _, e := range [][2]uint32{{10, 1000}, {20, 2000}, {30, 3000}} {
		x.appendOffset(e[0], e[1])
	}
	for _, tc := range []struct {
		rel, wantRel, wantPos uint32
		ok                    bool
	}{
		{0, 0, 0, false}, {9, 0, 0, false}, {10, 10, 1000, true}, {11, 10, 1000, true},
		{19, 10, 1000, true}, {20, 20, 2000, true}, {29, 20, 2000, true}, {30, 30, 3000, true},
		{1 << 31, 30, 3000, true}, {1<<32 - 1, 30, 3000, true},
	} {
		rel, pos, ok := x.floorOffset(tc.rel)
		if ok != tc.ok || (ok && (rel != tc.wantRel || pos != tc.wantPos)) {
			t.Errorf("floorOffset(%d) = %d, %d, %v; want %d, %d, %v", tc.rel, rel, pos, ok, tc.wantRel, tc.wantPos, tc.ok)
		}
	}
	for _, tc := range []struct {
		pos, wantRel, wantPos uint32
		ok                    bool
	}{
		{0, 0, 0, false}, {999, 0, 0, false}, {1000, 10, 1000, true}, {1999, 10, 1000, true},
		{2000, 20, 2000, true}, {3000, 30, 3000, true}, {1<<32 - 1, 30, 3000, true},
	} {
		rel, pos, ok := x.floorPositionEntry(tc.pos)
		if ok != tc.ok || (ok && (rel != tc.wantRel || pos != tc.wantPos)) {
			t.Errorf("floorPositionEntry(%d) = %d, %d, %v; want %d, %d, %v", tc.pos, rel, pos, ok, tc.wantRel, tc.wantPos, tc.ok)
		}
	}

	y := newIndex(timeEntrySize)
	for _, e := range []struct {
		ts  int64
		rel uint32
	}{{100, 0}, {200, 5}, {200, 7}, {300, 9}} {
		y.appendTime(e.ts, e.rel)
	}
	for _, tc := range []struct {
		ts      int64
		wantRel uint32
		ok      bool
	}{
		{-1, 0, false}, {100, 0, false}, {101, 0, true}, {200, 0, true}, {201, 7, true},
		{300, 7, true}, {301, 9, true},
	} {
		rel, _, ok := y.lastBelowTime(tc.ts)
		if ok != tc.ok || (ok && rel != tc.wantRel) {
			t.Errorf("lastBelowTime(%d) = %d, %v; want %d, %v", tc.ts, rel, ok, tc.wantRel, tc.ok)
		}
	}
	if ts, rel, ok := y.lastTime(); !ok || ts != 300 || rel != 9 {
		t.Errorf("lastTime = %d, %d, %v", ts, rel, ok)
	}
	empty := newIndex(timeEntrySize)
	if _, _, ok := empty.lastTime(); ok {
		t.Error("lastTime of an empty index")
	}
}
