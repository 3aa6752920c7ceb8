package segment

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"github.com/strata-streaming/strata/internal/atomicfile"
)

const (
	checkpointName    = "checkpoint"
	checkpointSize    = 36
	checkpointVersion = 1
	flagClean         = 1
)

var checkpointMagic = [4]byte{'S', 'T', 'C', 'K'}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checkpoint is the partition's small durable state, see doc.go.
type checkpoint struct {
	clean          bool
	logStartOffset int64
	recoveryPoint  int64
	logEndOffset   int64 // at a clean close; -1 otherwise
}

func (c checkpoint) marshal() []byte {
	b := make([]byte, checkpointSize)
	copy(b, checkpointMagic[:])
	binary.BigEndian.PutUint16(b[4:], checkpointVersion)
	var flags uint16
	if c.clean {
		flags |= flagClean
	}
	binary.BigEndian.PutUint16(b[6:], flags)
	binary.BigEndian.PutUint64(b[8:], uint64(c.logStartOffset))
	binary.BigEndian.PutUint64(b[16:], uint64(c.recoveryPoint))
	binary.BigEndian.PutUint64(b[24:], uint64(c.logEndOffset))
	binary.BigEndian.PutUint32(b[32:], crc32.Checksum(b[:32], castagnoli))
	return b
}

func unmarshalCheckpoint(b []byte) (checkpoint, error) {
	var c checkpoint
	if len(b) != checkpointSize || [4]byte(b[:4]) != checkpointMagic {
		return c, fmt.Errorf("%w: checkpoint is not a %d-byte STCK record", ErrCorrupt, checkpointSize)
	}
	if v := binary.BigEndian.Uint16(b[4:]); v != checkpointVersion {
		return c, fmt.Errorf("%w: checkpoint version %d", ErrCorrupt, v)
	}
	if crc32.Checksum(b[:32], castagnoli) != binary.BigEndian.Uint32(b[32:]) {
		return c, fmt.Errorf("%w: checkpoint CRC mismatch", ErrCorrupt)
	}
	c.clean = binary.BigEndian.Uint16(b[6:])&flagClean != 0
	c.logStartOffset = int64(binary.BigEndian.Uint64(b[8:]))
	c.recoveryPoint = int64(binary.BigEndian.Uint64(b[16:]))
	c.logEndOffset = int64(binary.BigEndian.Uint64(b[24:]))
	return c, nil
}

// readCheckpoint returns the directory's checkpoint; a missing or corrupt
// one reads as "nothing known", which makes the open recover every segment.
func readCheckpoint(dir string) (checkpoint, bool) {
	b, err := os.ReadFile(filepath.Join(dir, checkpointName))
	if err != nil {
		return checkpoint{logEndOffset: -1}, false
	}
	c, err := unmarshalCheckpoint(b)
	if err != nil {
		return checkpoint{logEndOffset: -1}, false
	}
	return c, true
}

// writeCheckpoint replaces the checkpoint atomically and durably.
func writeCheckpoint(dir string, c checkpoint) error {
	if err := atomicfile.Write(filepath.Join(dir, checkpointName), c.marshal()); err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	return nil
}

// syncDir makes the directory's entries (created, renamed or removed files)
// durable.
func syncDir(dir string) error { return atomicfile.SyncDir(dir) }
