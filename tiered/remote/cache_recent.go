package remote

// recentChunks keeps the decoded bytes of the chunks a ChunkCache fetched
// last, up to a byte budget, the oldest dropped first. A consumer replaying
// a partition reads each chunk once, soon after the read-ahead fetched it:
// it takes the chunk from memory rather than reading back the file the
// fetch just wrote. Objects never change under a key, so an entry stays
// right until the object is forgotten.
//
// It is not safe for concurrent use: the ChunkCache's mutex guards it.
type recentChunks struct {
	max   int64
	bytes int64
	raw   map[chunkID][]byte
	order []chunkID // oldest first; entries forgotten meanwhile are skipped
}

func newRecentChunks(max int64) recentChunks {
	return recentChunks{max: max, raw: make(map[chunkID][]byte)}
}

// get returns id's bytes if they are held.
func (r *recentChunks) get(id chunkID) ([]byte, bool) {
	raw, ok := r.raw[id]
	return raw, ok
}

// add holds raw as id's bytes and drops the oldest entries over the
// budget. A chunk larger than the budget is not held.
func (r *recentChunks) add(id chunkID, raw []byte) {
	if int64(len(raw)) > r.max {
		return
	}
	if _, ok := r.raw[id]; ok {
		return
	}
	r.raw[id] = raw
	r.order = append(r.order, id)
	r.bytes += int64(len(raw))
	for r.bytes > r.max && len(r.order) > 0 {
		r.drop(r.order[0])
		r.order = r.order[1:]
	}
	if len(r.order) == 0 {
		r.order = nil // let the backing array go
	}
}

// forget drops the chunks of key.
func (r *recentChunks) forget(key string) {
	for id := range r.raw {
		if id.key == key {
			r.drop(id)
		}
	}
}

// drop removes id's bytes, if held; its place in order is skipped later.
func (r *recentChunks) drop(id chunkID) {
	if raw, ok := r.raw[id]; ok {
		r.bytes -= int64(len(raw))
		delete(r.raw, id)
	}
}

// ghostChunks remembers the ids of the last chunks fetched once, up to a
// count, the oldest forgotten first, for AdmitSecondFetch.
type ghostChunks struct {
	max   int
	ids   map[chunkID]struct{}
	order []chunkID
}

func newGhostChunks(max int) ghostChunks {
	return ghostChunks{max: max, ids: make(map[chunkID]struct{})}
}

// firstSeen reports whether id is not remembered, and remembers it if so;
// an id seen again is forgotten, its chunk now admitted.
func (g *ghostChunks) firstSeen(id chunkID) bool {
	if _, ok := g.ids[id]; ok {
		delete(g.ids, id)
		return false
	}
	g.ids[id] = struct{}{}
	g.order = append(g.order, id)
	for len(g.order) > g.max {
		delete(g.ids, g.order[0])
		g.order = g.order[1:]
	}
	return true
}
