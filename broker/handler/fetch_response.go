package handler

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered"
)

// A Fetch response is encoded by kmsg, but its records are never gathered
// in the broker's memory: they are written from the segment files to the
// connection (wire.BodyWriter), with sendfile(2) where the writer reaches
// the socket (Records.WriteTo). kmsg encodes the response with each
// partition's records replaced by a one-byte stand-in; decoding that
// encoding back with kmsg, whose byte fields alias their input, tells where
// each stand-in landed, and the length prefix before it is rewritten to the
// records' length (the only field that depends on it). The body is then
// kmsg's bytes up to a partition's records, the records themselves
// (Records.WriteTo), kmsg's bytes up to the next, and so on: the broker
// allocates and copies only the response's own fields, whatever the size
// of its records (BenchmarkFetchResponse compares it with encoding the
// records read into memory).
//
// The response owns its records from the handler's return until the wire
// layer has written it: WriteBody releases them, whether the write succeeds
// or not; Close releases them when the body is never written; a cleanup
// releases them should the response be dropped without either.

// errFetchBodyWritten is returned by a second WriteBody.
var errFetchBodyWritten = errors.New("handler: fetch response body already written")

// placedRecords are the records of one partition of a response.
type placedRecords struct {
	topic, partition int // indexes in the response's Topics and Partitions
	records          tiered.Records
}

// fetchBody is a Fetch response that writes its own body.
type fetchBody struct {
	*kmsg.FetchResponse
	encoded []byte // kmsg's encoding with the records cut out
	cuts    []int  // where in encoded each of held's records goes
	size    int
	held    *heldRecords
}

var _ interface {
	io.Closer
	BodySize() int
	WriteBody(io.Writer) error
} = (*fetchBody)(nil)

// newFetchBody encodes resp around the placed records, which it takes over.
// Without records the response is an ordinary kmsg one.
func newFetchBody(resp *kmsg.FetchResponse, placed []placedRecords) (kmsg.Response, error) {
	if len(placed) == 0 {
		return resp, nil
	}
	held := &heldRecords{records: make([]tiered.Records, len(placed))}
	for i := range placed {
		held.records[i] = placed[i].records
	}
	encoded, cuts, err := encodeAround(resp, placed)
	if err != nil {
		held.close()
		return nil, err
	}
	b := &fetchBody{FetchResponse: resp, encoded: encoded, cuts: cuts, size: len(encoded), held: held}
	for i := range held.records {
		b.size += int(held.records[i].Len())
	}
	runtime.AddCleanup(b, (*heldRecords).close, held)
	return b, nil
}

// BodySize is the encoded size of the response body.
func (b *fetchBody) BodySize() int { return b.size }

// WriteBody writes kmsg's encoding and the records in between, then
// releases the records.
func (b *fetchBody) WriteBody(w io.Writer) error {
	defer runtime.KeepAlive(b) // the cleanup must not release the records mid-write
	records, ok := b.held.take()
	if !ok {
		return errFetchBodyWritten
	}
	defer closeRecords(records)
	prev := 0
	for i, cut := range b.cuts {
		if _, err := w.Write(b.encoded[prev:cut]); err != nil {
			return err
		}
		n, err := records[i].WriteTo(w)
		if err == nil && n != records[i].Len() {
			err = fmt.Errorf("%d of %d bytes", n, records[i].Len())
		}
		if err != nil {
			return fmt.Errorf("handler: write records: %w", err)
		}
		prev = cut
	}
	_, err := w.Write(b.encoded[prev:])
	return err
}

// Close releases the records if the body was never written.
func (b *fetchBody) Close() error {
	b.held.close()
	return nil
}

// heldRecords are a response's records until one of its users takes them.
type heldRecords struct {
	mu struct {
		sync.Mutex
		taken bool
	}
	records []tiered.Records
}

// take hands the records over to the caller, once.
func (h *heldRecords) take() ([]tiered.Records, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.taken {
		return nil, false
	}
	h.mu.taken = true
	return h.records, true
}

// close releases the records unless they were taken.
func (h *heldRecords) close() {
	if records, ok := h.take(); ok {
		closeRecords(records)
	}
}

func closeRecords(records []tiered.Records) {
	for i := range records {
		records[i].Close()
	}
}

// encodeAround encodes resp with kmsg, each placed partition's records
// stood in for by one byte, and returns the encoding without the stand-ins,
// their length prefixes rewritten to the records' lengths, and where each
// partition's records go.
func encodeAround(resp *kmsg.FetchResponse, placed []placedRecords) ([]byte, []int, error) {
	for _, pl := range placed {
		resp.Topics[pl.topic].Partitions[pl.partition].RecordBatches = standIn
	}
	defer func() {
		for _, pl := range placed {
			resp.Topics[pl.topic].Partitions[pl.partition].RecordBatches = []byte{}
		}
	}()
	out := resp.AppendTo(make([]byte, 0, fetchOverhead(resp)))
	at, err := standInPositions(resp.Version, out, placed)
	if err != nil {
		return nil, nil, err
	}
	prefix := bytesPrefix{flexible: resp.IsFlexible()}
	encoded := make([]byte, 0, len(out)+len(placed)*binary.MaxVarintLen32)
	cuts := make([]int, len(placed))
	prev := 0
	for i, pos := range at {
		start := pos - prefix.len(len(standIn))
		if start < prev || !prefix.matches(out[start:pos], len(standIn)) {
			return nil, nil, fmt.Errorf("handler: own fetch response: no length prefix before records %d", i)
		}
		encoded = append(encoded, out[prev:start]...)
		encoded = prefix.append(encoded, int(placed[i].records.Len()))
		cuts[i] = len(encoded)
		prev = pos + len(standIn)
	}
	return append(encoded, out[prev:]...), cuts, nil
}

// standIn takes the place of a partition's records in kmsg's encoding: one
// byte, whose length prefix is then rewritten to the records' length.
var standIn = []byte{0}

// bytesPrefix is the length prefix of a Fetch response's records: an
// int32 up to version 11, an unsigned varint of the length plus one (a
// compact nullable bytes field) in the flexible versions from 12.
type bytesPrefix struct{ flexible bool }

func (p bytesPrefix) append(dst []byte, n int) []byte {
	if p.flexible {
		return binary.AppendUvarint(dst, uint64(n)+1)
	}
	return binary.BigEndian.AppendUint32(dst, uint32(n))
}

func (p bytesPrefix) len(n int) int {
	var buf [binary.MaxVarintLen64]byte
	return len(p.append(buf[:0], n))
}

// matches reports whether b is the prefix of a field of n bytes.
func (p bytesPrefix) matches(b []byte, n int) bool {
	var buf [binary.MaxVarintLen64]byte
	return bytes.Equal(b, p.append(buf[:0], n))
}

// fetchOverhead bounds what resp encodes to beside its records, for most
// responses: a partition's fixed fields take under 100 bytes.
func fetchOverhead(resp *kmsg.FetchResponse) int {
	n := 256
	for _, t := range resp.Topics {
		n += 32 + len(t.Topic) + 128*len(t.Partitions)
	}
	return n
}

// standInPositions decodes out, kmsg's encoding of a response, and returns
// where each placed partition's records are in it.
func standInPositions(version int16, out []byte, placed []placedRecords) ([]int, error) {
	decoded := kmsg.NewPtrFetchResponse()
	decoded.Version = version
	if err := decoded.ReadFrom(out); err != nil {
		return nil, fmt.Errorf("handler: decode own fetch response: %w", err)
	}
	base := reflect.ValueOf(out).Pointer()
	at := make([]int, len(placed))
	end := 0
	for i, pl := range placed {
		if pl.topic >= len(decoded.Topics) || pl.partition >= len(decoded.Topics[pl.topic].Partitions) {
			return nil, fmt.Errorf("handler: own fetch response lost partition %d/%d", pl.topic, pl.partition)
		}
		field := decoded.Topics[pl.topic].Partitions[pl.partition].RecordBatches
		at[i] = int(reflect.ValueOf(field).Pointer() - base) // field aliases out
		if len(field) != len(standIn) || at[i] < end || at[i]+len(field) > len(out) {
			return nil, fmt.Errorf("handler: own fetch response misplaced records %d", i)
		}
		end = at[i] + len(field)
	}
	return at, nil
}
