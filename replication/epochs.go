package replication

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/strata-streaming/strata/internal/atomicfile"
)

// epochCheckpointName is the leader epoch cache file in a partition
// directory (see doc.go).
const epochCheckpointName = "leader-epoch-checkpoint"

// Sentinels of OffsetForLeaderEpoch answers.
const (
	undefinedEpoch       = -1
	undefinedEpochOffset = -1
)

// epochEntry says that epoch's first batch has offset start.
type epochEntry struct {
	epoch int32
	start int64
}

// epochCache is a partition's leader epoch cache: for every leader epoch
// that wrote to the log, the offset of its first batch, in increasing order
// of both. It is Kafka's LeaderEpochFileCache; the partition's lock guards
// it.
type epochCache struct {
	entries []epochEntry
}

// latest is the newest entry; ok is false when the cache is empty.
func (c *epochCache) latest() (epochEntry, bool) {
	if len(c.entries) == 0 {
		return epochEntry{}, false
	}
	return c.entries[len(c.entries)-1], true
}

// assign records that epoch starts at offset start, reporting whether the
// cache changed. An epoch already known keeps its start; an older epoch
// than the newest is ignored. Entries that start at or after start are
// dropped first: those epochs never wrote to the log that now ends there.
func (c *epochCache) assign(epoch int32, start int64) bool {
	if last, ok := c.latest(); ok && epoch <= last.epoch {
		return false
	}
	c.truncateFromEnd(start)
	c.entries = append(c.entries, epochEntry{epoch: epoch, start: start})
	return true
}

// truncateFromEnd drops the entries that start at or after end, after the
// log was cut to end.
func (c *epochCache) truncateFromEnd(end int64) bool {
	n := len(c.entries)
	for n > 0 && c.entries[n-1].start >= end {
		n--
	}
	changed := n != len(c.entries)
	c.entries = c.entries[:n]
	return changed
}

// truncateFromStart drops the entries wholly below the log start offset
// start; the last of them stays, moved to start, since its epoch still
// wrote the first batches of the log.
func (c *epochCache) truncateFromStart(start int64) bool {
	i := 0
	for i < len(c.entries) && c.entries[i].start <= start {
		i++
	}
	if i == 0 || (i == 1 && c.entries[0].start == start) {
		return false
	}
	first := epochEntry{epoch: c.entries[i-1].epoch, start: start}
	c.entries = append([]epochEntry{first}, c.entries[i:]...)
	return true
}

// endOffsetFor answers OffsetForLeaderEpoch as Kafka does: for the largest
// known epoch at or below epoch, that epoch and the offset where the next
// epoch starts, or the log end offset for the newest epoch. An epoch below
// every known one answers with itself and the start of the first known
// epoch; an unknown, newer epoch (or an empty cache) answers undefined.
func (c *epochCache) endOffsetFor(epoch int32, logEnd int64) (int32, int64) {
	last, ok := c.latest()
	switch {
	case epoch == undefinedEpoch || !ok:
		return undefinedEpoch, undefinedEpochOffset
	case epoch == last.epoch:
		return epoch, logEnd
	case epoch > last.epoch:
		return undefinedEpoch, undefinedEpochOffset
	}
	// The first entry with a larger epoch exists: epoch < last.epoch.
	i := 0
	for c.entries[i].epoch <= epoch {
		i++
	}
	if i == 0 {
		return epoch, c.entries[0].start
	}
	return c.entries[i-1].epoch, c.entries[i].start
}

// epochForOffset is the epoch that wrote offset: the newest entry starting
// at or below it; -1 when offset precedes every entry.
func (c *epochCache) epochForOffset(offset int64) int32 {
	for i := len(c.entries) - 1; i >= 0; i-- {
		if c.entries[i].start <= offset {
			return c.entries[i].epoch
		}
	}
	return undefinedEpoch
}

// marshal encodes the cache in Kafka's checkpoint text format.
func (c *epochCache) marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "0\n%d\n", len(c.entries))
	for _, e := range c.entries {
		fmt.Fprintf(&b, "%d %d\n", e.epoch, e.start)
	}
	return b.Bytes()
}

// unmarshalEpochs decodes a checkpoint, checking that entries increase.
func unmarshalEpochs(data []byte) (epochCache, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 2 || lines[0] != "0" {
		return epochCache{}, fmt.Errorf("%w: %s: missing version 0 header", ErrCorrupt, epochCheckpointName)
	}
	n, err := strconv.Atoi(lines[1])
	if err != nil || n < 0 || n != len(lines)-2 {
		return epochCache{}, fmt.Errorf("%w: %s: count %q does not match %d entries", ErrCorrupt, epochCheckpointName, lines[1], len(lines)-2)
	}
	var c epochCache
	for _, line := range lines[2:] {
		e, err := parseEpochEntry(line)
		if err != nil {
			return epochCache{}, err
		}
		if last, ok := c.latest(); ok && (e.epoch <= last.epoch || e.start < last.start) {
			return epochCache{}, fmt.Errorf("%w: %s: entry %q does not follow %d %d", ErrCorrupt, epochCheckpointName, line, last.epoch, last.start)
		}
		c.entries = append(c.entries, e)
	}
	return c, nil
}

func parseEpochEntry(line string) (epochEntry, error) {
	fields := strings.Fields(line)
	if len(fields) == 2 {
		epoch, err1 := strconv.ParseInt(fields[0], 10, 32)
		start, err2 := strconv.ParseInt(fields[1], 10, 64)
		if err1 == nil && err2 == nil && epoch >= 0 && start >= 0 {
			return epochEntry{epoch: int32(epoch), start: start}, nil
		}
	}
	return epochEntry{}, fmt.Errorf("%w: %s: bad entry %q", ErrCorrupt, epochCheckpointName, line)
}

// loadEpochs reads the partition's checkpoint; a missing file is an empty
// cache.
func loadEpochs(dir string) (epochCache, error) {
	data, err := os.ReadFile(filepath.Join(dir, epochCheckpointName))
	if os.IsNotExist(err) {
		return epochCache{}, nil
	}
	if err != nil {
		return epochCache{}, fmt.Errorf("read leader epochs: %w", err)
	}
	return unmarshalEpochs(data)
}

// saveEpochs replaces the partition's checkpoint atomically.
func saveEpochs(dir string, c *epochCache) error {
	if err := atomicfile.Write(filepath.Join(dir, epochCheckpointName), c.marshal()); err != nil {
		return fmt.Errorf("save leader epochs: %w", err)
	}
	return nil
}
