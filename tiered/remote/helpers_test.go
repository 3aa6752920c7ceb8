package remote

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

// testBaseTime is the first batch timestamp of generated logs.
const testBaseTime = 1_700_000_000_000

// logSpec describes a generated log: n batches of records realistic
// enough for compression ratios to mean something.
type logSpec struct {
	batches    int
	records    int // per batch
	codecs     []batch.Codec
	baseOffset int64
	epochs     []int32 // leader epoch of batch i is epochs[i*len/batches]
	seed       uint64
}

// genLog builds the batches of spec, concatenated, with offsets assigned
// contiguously from spec.baseOffset.
func genLog(tb testing.TB, spec logSpec) []byte {
	tb.Helper()
	rng := rand.New(rand.NewPCG(spec.seed, 42))
	codecs := spec.codecs
	if len(codecs) == 0 {
		codecs = []batch.Codec{batch.CodecNone}
	}
	var out []byte
	offset := spec.baseOffset
	for i := range spec.batches {
		epoch := int32(0)
		if len(spec.epochs) > 0 {
			epoch = spec.epochs[i*len(spec.epochs)/spec.batches]
		}
		opts := batchtest.Options{
			Codec:                codecs[i%len(codecs)],
			BaseOffset:           offset,
			PartitionLeaderEpoch: epoch,
			BaseTimestamp:        testBaseTime + int64(i)*1000 + int64(rng.IntN(500)),
		}
		out = append(out, batchtest.Build(eventRecords(rng, spec.records), opts)...)
		offset += int64(spec.records)
	}
	return out
}

var (
	eventNames = []string{"page_view", "add_to_cart", "checkout", "search", "login", "logout"}
	userAgents = []string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
	}
)

// eventRecords returns n JSON click-stream events: the kind of value that
// lz4 compresses by a factor of two to three, with random ids and numbers
// that keep it from compressing better.
func eventRecords(rng *rand.Rand, n int) []batchtest.Record {
	recs := make([]batchtest.Record, n)
	for i := range recs {
		v := fmt.Sprintf(`{"user":"u-%06d","session":"%016x","event":%q,"path":"/products/%d","latency_ms":%d,"ua":%q}`,
			rng.IntN(1_000_000), rng.Uint64(), eventNames[rng.IntN(len(eventNames))],
			rng.IntN(50_000), rng.IntN(900), userAgents[rng.IntN(len(userAgents))])
		recs[i] = batchtest.Record{
			Key:            fmt.Appendf(nil, "u-%06d", rng.IntN(1_000_000)),
			Value:          []byte(v),
			TimestampDelta: int64(i),
		}
	}
	return recs
}

// splitBatches returns the batches of a concatenated log.
func splitBatches(tb testing.TB, log []byte) [][]byte {
	tb.Helper()
	var out [][]byte
	it := batch.NewIter(log)
	for _, b, ok := it.Next(); ok; _, b, ok = it.Next() {
		out = append(out, b)
	}
	if it.Err() != nil || it.Partial() {
		tb.Fatalf("log does not frame: %v", it.Err())
	}
	return out
}
