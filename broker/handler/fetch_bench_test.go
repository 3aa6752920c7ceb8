//go:build linux

package handler

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// BenchmarkFetchResponse compares the ways a fetch response can reach a
// loopback socket, from the records read to the bytes sent, for response
// shapes from one large partition to many small ones:
//
//   - kmsg: the records read into memory and the response encoded by kmsg,
//     written with one write, as an ordinary response is;
//   - bodywriter/wire: the fetchBody written through a 32 KiB bufio.Writer
//     whose ReadFrom is forwarded, as broker/wire hands it to WriteBody
//     today (the records are copied through user space in 32 KiB chunks);
//   - bodywriter/socket: the fetchBody written straight to the socket, so
//     the records go with sendfile(2);
//   - bodywriter/wire+sendfile: as bodywriter/wire, with the change to
//     broker/wire this benchmark argues for: the writer's ReadFrom sends a
//     file section of at least 32 KiB with sendfile(2), after flushing what
//     it buffered, and copies smaller ones through its buffer.
//
// Compare the variants of one shape side by side: the figures of one run
// only mean something relative to each other.
func BenchmarkFetchResponse(b *testing.B) {
	shapes := []struct {
		partitions, batches, batchBytes int
	}{
		{1, 16, 64 << 10}, // 1 MiB from one partition
		{16, 4, 16 << 10}, // 16 x 64 KiB
		{64, 1, 4 << 10},  // 64 x 4 KiB
		{256, 1, 1 << 10}, // 256 x 1 KiB
		{8, 1, 1 << 20},   // 8 x 1 MiB
	}
	for _, shape := range shapes {
		f, parts := fetchBenchLogs(b, shape.partitions, shape.batches, shape.batchBytes)
		for _, variant := range []string{"kmsg", "bodywriter/wire", "bodywriter/socket", "bodywriter/wire+sendfile"} {
			name := fmt.Sprintf("%dx%dKiB/%s", shape.partitions, shape.batches*shape.batchBytes>>10, variant)
			b.Run(name, func(b *testing.B) { benchFetchWrite(b, f, parts, variant) })
		}
	}
}

// fetchBenchLogs fills partitions logs with batches of batchBytes each.
func fetchBenchLogs(b *testing.B, partitions, batches, batchBytes int) (*fetchFakes, []fetchPart) {
	f := newFetchFakes()
	var parts []fetchPart
	for i := range partitions {
		p := f.add(b, "t", int32(i))
		for range batches {
			p.produce(b, batchBytes/1024, 1000, true)
		}
		parts = append(parts, fetchPart{topic: "t", partition: int32(i), maxBytes: 64 << 20})
	}
	return f, parts
}

// benchFetchWrite reads and writes the response for parts b.N times.
func benchFetchWrite(b *testing.B, f *fetchFakes, parts []fetchPart, variant string) {
	conn, received := fetchBenchConn(b)
	r := fetchRequest(12, parts...)
	fp := fetchParams{maxBytes: 1 << 30}
	targets := fetchRequestTargets(r)
	var sent int64
	b.ResetTimer()
	for range b.N {
		pass := readPass(context.Background(), fp, targets, f.lookup)
		resp := kmsg.NewPtrFetchResponse()
		resp.Version = 12
		var placed []placedRecords
		for i := range pass.reads {
			rt := fetchResponseTopic(resp, targets[i].key)
			rt.Partitions = append(rt.Partitions, fetchResponsePartition(targets[i].key.partition, &pass.reads[i], 0))
			placed = append(placed, placedRecords{topic: len(resp.Topics) - 1, partition: len(rt.Partitions) - 1, records: pass.reads[i].records})
		}
		sent += writeFetchVariant(b, conn, resp, placed, variant)
	}
	b.SetBytes(sent / int64(b.N))
	for received.Load() < sent { // the reader drains what is in flight
		time.Sleep(10 * time.Microsecond)
	}
}

// writeFetchVariant writes resp with its records the variant's way and
// returns the bytes written.
func writeFetchVariant(b *testing.B, conn net.Conn, resp *kmsg.FetchResponse, placed []placedRecords, variant string) int64 {
	if variant == "kmsg" {
		for _, pl := range placed {
			buf, err := pl.records.AppendTo(make([]byte, 0, pl.records.Len()))
			pl.records.Close()
			if err != nil {
				b.Fatal(err)
			}
			resp.Topics[pl.topic].Partitions[pl.partition].RecordBatches = buf
		}
		out := resp.AppendTo(nil)
		if _, err := conn.Write(out); err != nil {
			b.Fatal(err)
		}
		return int64(len(out))
	}
	body, err := newFetchBody(resp, placed)
	if err != nil {
		b.Fatal(err)
	}
	fb := body.(*fetchBody)
	bw := bufio.NewWriterSize(conn, 32<<10)
	switch variant {
	case "bodywriter/socket":
		err = fb.WriteBody(conn)
	case "bodywriter/wire":
		err = fb.WriteBody(wireLikeWriter{bw})
	default:
		err = fb.WriteBody(sendfileWriter{bw: bw, conn: conn.(*net.TCPConn)})
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		b.Fatal(err)
	}
	return int64(fb.BodySize())
}

// wireLikeWriter is what broker/wire passes to WriteBody: a buffered writer
// with Write and ReadFrom only.
type wireLikeWriter struct{ w *bufio.Writer }

func (w wireLikeWriter) Write(p []byte) (int, error)         { return w.w.Write(p) }
func (w wireLikeWriter) ReadFrom(r io.Reader) (int64, error) { return w.w.ReadFrom(r) }

// sendfileWriter is wireLikeWriter with sendfile for large file sections.
type sendfileWriter struct {
	bw   *bufio.Writer
	conn *net.TCPConn
}

// minSendfile is the smallest file section sendfileWriter sends with
// sendfile: below it a flush and a system call per section cost more than
// copying through the buffer.
const minSendfile = 32 << 10

func (w sendfileWriter) Write(p []byte) (int, error) { return w.bw.Write(p) }

func (w sendfileWriter) ReadFrom(r io.Reader) (int64, error) {
	sr, ok := r.(*io.SectionReader)
	if !ok {
		return w.bw.ReadFrom(r)
	}
	at, base, size := sr.Outer()
	f, ok := at.(*os.File)
	pos, err := sr.Seek(0, io.SeekCurrent)
	if !ok || err != nil || size-pos < minSendfile {
		return w.bw.ReadFrom(r)
	}
	if err := w.bw.Flush(); err != nil {
		return 0, err
	}
	n, err := sendfileAt(w.conn, f, base+pos, size-pos)
	sr.Seek(n, io.SeekCurrent)
	return n, err
}

// sendfileAt sends n bytes of f from off to conn with sendfile(2).
func sendfileAt(conn *net.TCPConn, f *os.File, off, n int64) (int64, error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return 0, err
	}
	var written int64
	var serr error
	err = raw.Write(func(fd uintptr) bool {
		for written < n {
			m, e := syscall.Sendfile(int(fd), int(f.Fd()), &off, int(n-written))
			written += int64(max(m, 0))
			switch {
			case e == syscall.EAGAIN:
				return false
			case e == syscall.EINTR:
			case e != nil:
				serr = e
				return true
			case m == 0:
				serr = io.ErrUnexpectedEOF
				return true
			}
		}
		return true
	})
	if serr != nil {
		return written, serr
	}
	return written, err
}

// fetchBenchConn returns the writing end of a loopback TCP connection whose
// reading end is drained, counting the bytes received.
func fetchBenchConn(b *testing.B) (net.Conn, *atomic.Int64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	var received atomic.Int64
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	server := <-accepted
	if server == nil {
		b.Fatal("accept failed")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1<<20)
		for {
			n, err := client.Read(buf)
			received.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	b.Cleanup(func() {
		server.Close()
		client.Close()
		<-done
	})
	return server, &received
}
