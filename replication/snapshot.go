package replication

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/strata-streaming/strata/internal/atomicfile"
)

// Producer snapshot files (see doc.go).
const (
	snapshotSuffix     = ".snapshot"
	snapshotVersion    = 1
	snapshotHeaderSize = 20
	snapshotEntrySize  = 19
	snapshotBatchSize  = 32
	// snapshotsKept is how many snapshot files a partition keeps.
	snapshotsKept = 3
)

var (
	snapshotMagic = [4]byte{'S', 'T', 'P', 'S'}
	castagnoli    = crc32.MakeTable(crc32.Castagnoli)
)

// snapshotName is the file of a snapshot taken at offset.
func snapshotName(offset int64) string {
	return fmt.Sprintf("%020d%s", offset, snapshotSuffix)
}

// encodeSnapshot serialises the producer state as of offset, producers in
// id order so that equal states encode equally.
func encodeSnapshot(offset int64, s producerState) []byte {
	ids := make([]int64, 0, len(s))
	size := snapshotHeaderSize + 4
	for id, e := range s {
		ids = append(ids, id)
		size += snapshotEntrySize + len(e.batches)*snapshotBatchSize
	}
	slices.Sort(ids)
	b := make([]byte, 0, size)
	b = append(b, snapshotMagic[:]...)
	b = binary.BigEndian.AppendUint16(b, snapshotVersion)
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(offset))
	b = binary.BigEndian.AppendUint32(b, uint32(len(ids)))
	for _, id := range ids {
		e := s[id]
		b = binary.BigEndian.AppendUint64(b, uint64(id))
		b = binary.BigEndian.AppendUint16(b, uint16(e.epoch))
		b = binary.BigEndian.AppendUint64(b, uint64(e.lastTimestamp))
		b = append(b, byte(len(e.batches)))
		for _, bi := range e.batches {
			b = binary.BigEndian.AppendUint32(b, uint32(bi.firstSeq))
			b = binary.BigEndian.AppendUint32(b, uint32(bi.lastSeq))
			b = binary.BigEndian.AppendUint64(b, uint64(bi.firstOffset))
			b = binary.BigEndian.AppendUint64(b, uint64(bi.lastOffset))
			b = binary.BigEndian.AppendUint64(b, uint64(bi.timestamp))
		}
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeSnapshot parses a snapshot file, checking its CRC and framing.
func decodeSnapshot(b []byte) (int64, producerState, error) {
	if len(b) < snapshotHeaderSize+4 || [4]byte(b[:4]) != snapshotMagic {
		return 0, nil, fmt.Errorf("%w: producer snapshot: not an STPS file", ErrCorrupt)
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return 0, nil, fmt.Errorf("%w: producer snapshot: CRC mismatch", ErrCorrupt)
	}
	if v := binary.BigEndian.Uint16(b[4:]); v != snapshotVersion {
		return 0, nil, fmt.Errorf("%w: producer snapshot: version %d", ErrCorrupt, v)
	}
	offset := int64(binary.BigEndian.Uint64(b[8:]))
	n := binary.BigEndian.Uint32(b[16:])
	rest := body[snapshotHeaderSize:]
	if uint64(n)*snapshotEntrySize > uint64(len(rest)) {
		return 0, nil, fmt.Errorf("%w: producer snapshot: %d producers do not fit", ErrCorrupt, n)
	}
	s := make(producerState, n)
	for range n {
		id, e, used, err := decodeProducer(rest)
		if err != nil {
			return 0, nil, err
		}
		s[id] = e
		rest = rest[used:]
	}
	if len(rest) != 0 {
		return 0, nil, fmt.Errorf("%w: producer snapshot: %d trailing bytes", ErrCorrupt, len(rest))
	}
	return offset, s, nil
}

// decodeProducer parses one producer entry at the start of b.
func decodeProducer(b []byte) (int64, *producerEntry, int, error) {
	if len(b) < snapshotEntrySize {
		return 0, nil, 0, fmt.Errorf("%w: producer snapshot: truncated entry", ErrCorrupt)
	}
	id := int64(binary.BigEndian.Uint64(b))
	e := &producerEntry{epoch: int16(binary.BigEndian.Uint16(b[8:])), lastTimestamp: int64(binary.BigEndian.Uint64(b[10:]))}
	k := int(b[18])
	used := snapshotEntrySize + k*snapshotBatchSize
	if k == 0 || k > maxProducerBatches || len(b) < used {
		return 0, nil, 0, fmt.Errorf("%w: producer snapshot: producer %d has a bad batch count %d", ErrCorrupt, id, k)
	}
	e.batches = make([]batchInfo, k)
	for i := range e.batches {
		p := b[snapshotEntrySize+i*snapshotBatchSize:]
		e.batches[i] = batchInfo{
			firstSeq:    int32(binary.BigEndian.Uint32(p)),
			lastSeq:     int32(binary.BigEndian.Uint32(p[4:])),
			firstOffset: int64(binary.BigEndian.Uint64(p[8:])),
			lastOffset:  int64(binary.BigEndian.Uint64(p[16:])),
			timestamp:   int64(binary.BigEndian.Uint64(p[24:])),
		}
	}
	return id, e, used, nil
}

// listSnapshots returns the offsets of the snapshot files in dir, in
// increasing order, removing leftover temporary files.
func listSnapshots(dir string) ([]int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list producer snapshots: %w", err)
	}
	var offsets []int64
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, snapshotSuffix+tmpSuffix) {
			os.Remove(filepath.Join(dir, name))
			continue
		}
		digits, ok := strings.CutSuffix(name, snapshotSuffix)
		if !ok || len(digits) != 20 {
			continue
		}
		if off, err := strconv.ParseInt(digits, 10, 64); err == nil && off >= 0 {
			offsets = append(offsets, off)
		}
	}
	slices.Sort(offsets)
	return offsets, nil
}

// readSnapshot loads the snapshot taken at offset.
func readSnapshot(dir string, offset int64) (producerState, error) {
	data, err := os.ReadFile(filepath.Join(dir, snapshotName(offset)))
	if err != nil {
		return nil, fmt.Errorf("read producer snapshot: %w", err)
	}
	at, s, err := decodeSnapshot(data)
	if err == nil && at != offset {
		err = fmt.Errorf("%w: producer snapshot %s holds offset %d", ErrCorrupt, snapshotName(offset), at)
	}
	return s, err
}

// writeSnapshot writes an encoded snapshot taken at offset and removes all
// but the newest snapshotsKept files.
func writeSnapshot(dir string, offset int64, data []byte) error {
	if err := atomicfile.Write(filepath.Join(dir, snapshotName(offset)), data); err != nil {
		return fmt.Errorf("write producer snapshot: %w", err)
	}
	offsets, err := listSnapshots(dir)
	if err != nil {
		return err
	}
	return removeSnapshots(dir, offsets[:max(len(offsets)-snapshotsKept, 0)])
}

// removeSnapshots deletes the snapshots taken at the given offsets.
func removeSnapshots(dir string, offsets []int64) error {
	var errs []error
	for _, off := range offsets {
		if err := os.Remove(filepath.Join(dir, snapshotName(off))); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove producer snapshots: %w", err)
	}
	return nil
}
