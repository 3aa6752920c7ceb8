package segment_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
	"github.com/strata-streaming/strata/tiered/segment"
)

// Each benchmark runs the log beside a baseline doing the same I/O with
// plain files and sockets: as sub-benchmarks side by side (compare log to
// raw), or, for recovery, as a second metric of the same benchmark.

// batch16KiB is an uncompressed batch of 16 KiB, Kafka's default
// batch.size.
func batch16KiB() []byte {
	return batchtest.Values(16, 1011, batchtest.Options{BaseTimestamp: crashBaseTime})
}

// openBenchLog opens a log in a new directory with Kafka's defaults: 1 GiB
// segments, an index entry every 4 KiB, no flush policy.
func openBenchLog(b *testing.B) *segment.Log {
	b.Helper()
	l, err := segment.Open(b.TempDir(), segment.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// createBenchFile creates the baseline's file in a new directory.
func createBenchFile(b *testing.B) *os.File {
	b.Helper()
	f, err := os.Create(filepath.Join(b.TempDir(), "raw"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

var noEpoch = segment.AppendOptions{LeaderEpoch: -1}

// BenchmarkAppend16KiB appends 16 KiB batches without syncing. Append
// rewrites its buffer, so each iteration copies the batch into it first,
// in the baseline too. A long run rolls 1 GiB segments.
func BenchmarkAppend16KiB(b *testing.B) {
	proto := batch16KiB()
	b.Run("raw", func(b *testing.B) {
		f := createBenchFile(b)
		buf := make([]byte, len(proto))
		b.SetBytes(int64(len(proto)))
		for b.Loop() {
			copy(buf, proto)
			if _, err := f.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("log", func(b *testing.B) {
		l := openBenchLog(b)
		buf := make([]byte, len(proto))
		b.SetBytes(int64(len(proto)))
		for b.Loop() {
			copy(buf, proto)
			if _, err := l.Append(buf, noEpoch); err != nil {
				b.Fatal(err)
			}
		}
	})
}

const syncWriters = 8

// BenchmarkAppendSync16KiB has 8 concurrent writers each append a 16 KiB
// batch and wait for it to be durable. The log shares fsyncs among
// waiting writers (group commit). Two baselines bracket it: "raw-each", 8
// writers sharing a file, each doing Write and then Sync under a mutex —
// what a log without group commit does; and "raw-batch8", one writer that
// fsyncs once per 8 writes — the best group commit can do with 8 writers.
func BenchmarkAppendSync16KiB(b *testing.B) {
	proto := batch16KiB()
	b.Run("raw-each", func(b *testing.B) {
		f := createBenchFile(b)
		var mu sync.Mutex
		runWriters(b, proto, func(buf []byte) error {
			mu.Lock()
			defer mu.Unlock()
			if _, err := f.Write(buf); err != nil {
				return err
			}
			return f.Sync()
		})
	})
	b.Run("raw-batch8", func(b *testing.B) {
		f := createBenchFile(b)
		buf := make([]byte, len(proto))
		b.SetBytes(int64(len(proto)))
		for i := range b.N {
			copy(buf, proto)
			if _, err := f.Write(buf); err != nil {
				b.Fatal(err)
			}
			if (i+1)%syncWriters == 0 || i == b.N-1 {
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("log", func(b *testing.B) {
		l := openBenchLog(b)
		runWriters(b, proto, func(buf []byte) error {
			res, err := l.Append(buf, noEpoch)
			if err != nil {
				return err
			}
			return l.SyncTo(res.LogEndOffset)
		})
	})
}

// runWriters runs b.N calls of write, each on its own copy of proto, from
// syncWriters goroutines.
func runWriters(b *testing.B, proto []byte, write func(buf []byte) error) {
	b.Helper()
	b.SetBytes(int64(len(proto)))
	var next atomic.Int64
	errs := make([]error, syncWriters)
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range syncWriters {
		wg.Go(func() {
			buf := make([]byte, len(proto))
			for next.Add(1) <= int64(b.N) && errs[w] == nil {
				copy(buf, proto)
				errs[w] = write(buf)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
}

// benchLog is a log of 16 KiB batches written once for the read
// benchmarks, all in its first segment.
type benchLog struct {
	*segment.Log
	file string // the segment file
	size int64
}

func writeBenchLog(b *testing.B, size int64) *benchLog {
	b.Helper()
	l := openBenchLog(b)
	one := batch16KiB()
	proto := bytes.Repeat(one, (1<<20)/len(one))
	buf := make([]byte, len(proto))
	for l.Size()+int64(len(proto)) <= size {
		copy(buf, proto)
		if _, err := l.Append(buf, noEpoch); err != nil {
			b.Fatal(err)
		}
	}
	if n := len(l.Segments()); n != 1 {
		b.Fatalf("%d segments, want 1", n)
	}
	return &benchLog{Log: l, file: filepath.Join(l.Dir(), segmentFile(0, logSuffix)), size: l.Size()}
}

// each reads the whole log by offset, 1 MiB at a time, handing each range
// to use.
func (l *benchLog) each(b *testing.B, use func(r *segment.FileRange) error) {
	for off := l.StartOffset(); off < l.EndOffset(); {
		r, err := l.Read(off, 1<<20, segment.NoMaxOffset)
		if err != nil {
			b.Fatal(err)
		}
		err = use(&r)
		r.Close()
		if err != nil {
			b.Fatal(err)
		}
		off = r.NextOffset
	}
}

// BenchmarkRead reads a 64 MiB log from start to end, 1 MiB at a time:
// by offset with Read and FileRange.AppendTo into a reused buffer, against
// ReadAt of the same file in 1 MiB chunks. Both read from the page cache.
func BenchmarkRead(b *testing.B) {
	l := writeBenchLog(b, 64<<20)
	b.Run("raw", func(b *testing.B) {
		f, err := os.Open(l.file)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		buf := make([]byte, 1<<20)
		b.SetBytes(l.size)
		for b.Loop() {
			for pos := int64(0); pos < l.size; pos += int64(len(buf)) {
				if _, err := f.ReadAt(buf[:min(int64(len(buf)), l.size-pos)], pos); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("log", func(b *testing.B) {
		buf := make([]byte, 0, 1<<20)
		b.SetBytes(l.size)
		for b.Loop() {
			l.each(b, func(r *segment.FileRange) (err error) {
				buf, err = r.AppendTo(buf[:0])
				return err
			})
		}
	})
}

// BenchmarkSendfile sends a 16 MiB log to a loopback TCP connection, 1 MiB
// at a time: by offset with FileRange.WriteTo, which uses sendfile, against
// conn.Write of the same bytes from a user-space buffer ("write"), and
// against what a copying server does, ReadAt then Write ("pread+write").
func BenchmarkSendfile(b *testing.B) {
	l := writeBenchLog(b, 16<<20)
	data, err := os.ReadFile(l.file)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("write", func(b *testing.B) {
		s := newSink(b)
		b.SetBytes(l.size)
		for b.Loop() {
			for pos := 0; pos < len(data); pos += 1 << 20 {
				s.write(b, data[pos:min(pos+1<<20, len(data))])
			}
		}
		s.close(b)
	})
	b.Run("pread+write", func(b *testing.B) {
		f, err := os.Open(l.file)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		s := newSink(b)
		buf := make([]byte, 1<<20)
		b.SetBytes(l.size)
		for b.Loop() {
			for pos := int64(0); pos < l.size; pos += int64(len(buf)) {
				n, err := f.ReadAt(buf[:min(int64(len(buf)), l.size-pos)], pos)
				if err != nil {
					b.Fatal(err)
				}
				s.write(b, buf[:n])
			}
		}
		s.close(b)
	})
	b.Run("sendfile", func(b *testing.B) {
		s := newSink(b)
		b.SetBytes(l.size)
		for b.Loop() {
			l.each(b, func(r *segment.FileRange) error {
				n, err := r.WriteTo(s.conn)
				s.sent += n
				return err
			})
		}
		s.close(b)
	})
}

// sink is a loopback TCP connection whose far end discards what it reads.
type sink struct {
	conn     net.Conn
	sent     int64
	received chan int64
}

func newSink(tb testing.TB) *sink {
	tb.Helper()
	client, server := tcpPair(tb)
	s := &sink{conn: client, received: make(chan int64, 1)}
	go func() {
		defer server.Close()
		// A large buffer, so that the reader is not what is measured.
		n, _ := io.CopyBuffer(struct{ io.Writer }{io.Discard}, struct{ io.Reader }{server}, make([]byte, 1<<20))
		s.received <- n
	}()
	return s
}

func (s *sink) write(tb testing.TB, p []byte) {
	n, err := s.conn.Write(p)
	s.sent += int64(n)
	if err != nil {
		tb.Fatal(err)
	}
}

// close closes the connection and checks that every byte arrived.
func (s *sink) close(tb testing.TB) {
	tb.Helper()
	s.conn.Close()
	if n := <-s.received; n != s.sent {
		tb.Fatalf("sent %d bytes, %d arrived", s.sent, n)
	}
}

// tcpPair returns both ends of a new loopback TCP connection.
func tcpPair(tb testing.TB) (client, server *net.TCPConn) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	sc := <-accepted
	if sc == nil {
		c.Close()
		tb.Fatal("accept failed")
	}
	tb.Cleanup(func() { c.Close(); sc.Close() })
	return c.(*net.TCPConn), sc.(*net.TCPConn)
}

// BenchmarkRecover1GiB measures Open on a 1 GiB partition (256 MiB with
// -short) in the state kill -9 leaves it: every byte written and synced,
// the checkpoint not clean, its recovery point at the start of the only,
// unsealed segment, and no index files for it, so Open validates every
// batch. The baseline, raw-MB/s, is the same file read sequentially with
// 1 MiB reads; both run with the page cache as the writes left it.
func BenchmarkRecover1GiB(b *testing.B) {
	size := int64(1 << 30)
	if testing.Short() {
		size = 256 << 20
	}
	l := writeBenchLog(b, size)
	end, unclean := closeKeepingCheckpoint(b, l)
	b.SetBytes(l.size)
	var raw time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		leaveUnclean(b, l.Dir(), unclean)
		b.StartTimer()
		r, err := segment.Open(l.Dir(), segment.DefaultConfig())
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if r.EndOffset() != end {
			b.Fatalf("recovered log ends at %d, want %d", r.EndOffset(), end)
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
		raw += readFileRaw(b, l.file)
		b.StartTimer()
	}
	b.ReportMetric(float64(l.size)*float64(b.N)/1e6/raw.Seconds(), "raw-MB/s")
}

// closeKeepingCheckpoint syncs l, keeps the checkpoint the open log has
// written and closes it.
func closeKeepingCheckpoint(b *testing.B, l *benchLog) (end int64, checkpoint []byte) {
	b.Helper()
	if err := l.Sync(); err != nil {
		b.Fatal(err)
	}
	checkpoint, err := os.ReadFile(filepath.Join(l.Dir(), checkpointName))
	if err != nil {
		b.Fatal(err)
	}
	end = l.EndOffset()
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	return end, checkpoint
}

// leaveUnclean puts back the checkpoint of the open log and removes the
// index files the clean close wrote, as if the process had been killed.
func leaveUnclean(b *testing.B, dir string, checkpoint []byte) {
	b.Helper()
	if err := os.WriteFile(filepath.Join(dir, checkpointName), checkpoint, 0o644); err != nil {
		b.Fatal(err)
	}
	for _, suffix := range []string{indexSuffix, timeIndexSuffix} {
		if err := os.Remove(filepath.Join(dir, segmentFile(0, suffix))); err != nil {
			b.Fatal(err)
		}
	}
}

// readFileRaw reads the file sequentially, 1 MiB at a time, and returns
// how long that took.
func readFileRaw(b *testing.B, name string) time.Duration {
	b.Helper()
	f, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	start := time.Now()
	for {
		_, err := f.Read(buf)
		if err == io.EOF {
			return time.Since(start)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// TestSendfileToTCP sends ranges from the middle of segments over loopback
// TCP with FileRange.WriteTo, alone and two at a time from one file, with
// small socket buffers so that sendfile stops and resumes many times.
func TestSendfileToTCP(t *testing.T) {
	l, batches := writeSendfileLog(t)
	seg := l.Segments()[0]
	mid := func(frac float64) int64 { return seg.BaseOffset + int64(frac*float64(seg.NextOffset-seg.BaseOffset)) }
	t.Run("middle", func(t *testing.T) {
		for _, at := range []float64{0.2, 0.5} {
			r := readMiddle(t, l, mid(at), 2<<20)
			x := startTransfer(t)
			x.send(&r)
			x.check(t, &r, batches)
			r.Close()
		}
	})
	t.Run("two at once", func(t *testing.T) {
		r1, r2 := readMiddle(t, l, mid(0.1), 3<<20), readMiddle(t, l, mid(0.55), 3<<20)
		defer r1.Close()
		defer r2.Close()
		if r1.File() != r2.File() {
			t.Fatal("the ranges are in different files")
		}
		x1, x2 := startTransfer(t), startTransfer(t)
		var wg sync.WaitGroup
		wg.Go(func() { x1.send(&r1) })
		wg.Go(func() { x2.send(&r2) })
		wg.Wait()
		x1.check(t, &r1, batches)
		x2.check(t, &r2, batches)
	})
	t.Run("not a socket", func(t *testing.T) {
		r := readMiddle(t, l, mid(0.3), 1<<20)
		defer r.Close()
		var buf bytes.Buffer
		if n, err := r.WriteTo(&buf); err != nil || n != r.Len {
			t.Fatalf("WriteTo(bytes.Buffer) = %d, %v; want %d bytes", n, err, r.Len)
		}
		if want := rangeBytes(t, &r, batches); !bytes.Equal(buf.Bytes(), want) {
			t.Fatal("WriteTo(bytes.Buffer) wrote other bytes than the range's batches")
		}
	})
}

// writeSendfileLog writes about 12 MiB of batches of varied sizes into
// 8 MiB segments and returns them by base offset, as stored.
func writeSendfileLog(t *testing.T) (*segment.Log, map[int64][]byte) {
	t.Helper()
	cfg := segment.DefaultConfig()
	cfg.SegmentBytes = 8 << 20
	l, err := segment.Open(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	rng := rand.New(rand.NewPCG(3, 4))
	batches := map[int64][]byte{}
	for l.Size() < 12<<20 {
		buf := batchtest.Values(1+rng.IntN(64), 16+rng.IntN(1000), batchtest.Options{BaseTimestamp: crashBaseTime})
		res, err := l.Append(buf, segment.AppendOptions{LeaderEpoch: 7})
		if err != nil {
			t.Fatal(err)
		}
		batches[res.BaseOffset] = buf
	}
	return l, batches
}

// readMiddle reads about maxBytes from offset, which must lie well inside
// a segment.
func readMiddle(t *testing.T, l *segment.Log, offset int64, maxBytes int) segment.FileRange {
	t.Helper()
	r, err := l.Read(offset, maxBytes, segment.NoMaxOffset)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := r.File().Stat()
	if err != nil {
		t.Fatal(err)
	}
	if r.Pos == 0 || r.Pos+r.Len >= fi.Size() || r.Len < int64(maxBytes)/2 {
		t.Fatalf("range [%d, %d) is not in the middle of its %d-byte segment", r.Pos, r.Pos+r.Len, fi.Size())
	}
	return r
}

// rangeBytes is what a range must hold: the stored batches it covers.
func rangeBytes(t *testing.T, r *segment.FileRange, batches map[int64][]byte) []byte {
	t.Helper()
	var want []byte
	for off := r.BaseOffset; off < r.NextOffset; {
		b, ok := batches[off]
		if !ok {
			t.Fatalf("no batch starts at %d", off)
		}
		want = append(want, b...)
		h, err := batch.ParseHeader(b)
		if err != nil {
			t.Fatal(err)
		}
		off = h.NextOffset()
	}
	return want
}

// transfer is a loopback connection with small socket buffers, so that
// sendfile stops and resumes many times, whose far end collects what
// arrives.
type transfer struct {
	client *net.TCPConn
	got    chan []byte
	n      int64
	err    error
}

func startTransfer(t *testing.T) *transfer {
	t.Helper()
	client, server := tcpPair(t)
	if err := client.SetWriteBuffer(16 << 10); err != nil {
		t.Fatal(err)
	}
	if err := server.SetReadBuffer(16 << 10); err != nil {
		t.Fatal(err)
	}
	x := &transfer{client: client, got: make(chan []byte, 1)}
	go func() {
		data, _ := io.ReadAll(server)
		x.got <- data
	}()
	return x
}

// send writes r to the connection and closes its sending side.
func (x *transfer) send(r *segment.FileRange) {
	x.n, x.err = r.WriteTo(x.client)
	if err := x.client.CloseWrite(); x.err == nil {
		x.err = err
	}
}

// check checks that exactly r's batches arrived.
func (x *transfer) check(t *testing.T, r *segment.FileRange, batches map[int64][]byte) {
	t.Helper()
	data := <-x.got
	if x.err != nil || x.n != r.Len {
		t.Fatalf("WriteTo = %d, %v; want %d bytes", x.n, x.err, r.Len)
	}
	if want := rangeBytes(t, r, batches); !bytes.Equal(data, want) {
		t.Fatalf("range at %d: %d bytes arrived, not the %d bytes of its batches", r.Pos, len(data), len(want))
	}
}
