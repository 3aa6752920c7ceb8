package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/strata-streaming/strata/internal/perf"
	"github.com/strata-streaming/strata/internal/sendfile"
)

// rawFileCopy is the hot consume's baseline: it sends the first total
// bytes of files, in order, over a loopback TCP connection with
// sendfile(2), as the broker serves a hot fetch, to a reader that lands
// them in one reused buffer of readBuf bytes, as a consumer lands each
// response. It returns the rate from the dial to the reader's last byte.
// The same bytes, from the same page cache, to memory: what no broker can
// do with less work.
func rawFileCopy(ctx context.Context, files []string, total int64, readBuf int) (perf.Rate, error) {
	if total <= 0 || readBuf <= 0 || len(files) == 0 {
		return perf.Rate{}, fmt.Errorf("%w: copy %d bytes of %d files into %d-byte reads: want all positive",
			ErrBaseline, total, len(files), readBuf)
	}
	return loopbackCopy(ctx, total,
		func(conn net.Conn) error { return sendFiles(conn, files, total) },
		func(conn net.Conn) (int64, error) { return fillBuffer(conn, readBuf) })
}

// loopbackCopy connects send to read over a loopback TCP connection and
// times the copy of total bytes, from the dial to the reader's last byte.
func loopbackCopy(ctx context.Context, total int64, send func(net.Conn) error, read func(net.Conn) (int64, error)) (perf.Rate, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return perf.Rate{}, fmt.Errorf("%w: listen: %w", ErrBaseline, err)
	}
	defer ln.Close()
	type readResult struct {
		n   int64
		err error
	}
	done := make(chan readResult, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- readResult{err: err}
			return
		}
		defer conn.Close()
		n, err := read(conn)
		done <- readResult{n, err}
	}()
	start := time.Now()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err == nil {
		err = send(conn)
		conn.Close()
	}
	if err != nil {
		ln.Close() // ends a reader still waiting in Accept
		<-done
		return perf.Rate{}, fmt.Errorf("%w: send: %w", ErrBaseline, err)
	}
	res := <-done
	elapsed := time.Since(start)
	if res.err != nil || res.n != total {
		return perf.Rate{}, fmt.Errorf("%w: reader got %d of %d bytes: %v", ErrBaseline, res.n, total, res.err)
	}
	return perf.Rate{Bytes: total, Elapsed: elapsed}, nil
}

// sendFiles sends the first total bytes of files to conn with sendfile(2).
func sendFiles(conn net.Conn, files []string, total int64) error {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return fmt.Errorf("%T is not a socket", conn)
	}
	for _, name := range files {
		if total == 0 {
			return nil
		}
		n, err := sendFile(sc, name, total)
		if err != nil {
			return err
		}
		total -= n
	}
	if total > 0 {
		return fmt.Errorf("the files hold %d bytes too few", total)
	}
	return nil
}

// sendFile sends up to limit bytes of the file name; it returns how many.
func sendFile(sc syscall.Conn, name string, limit int64) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	n := min(fi.Size(), limit)
	sent, handled, err := sendfile.File(sc, f, 0, n)
	if !handled {
		err = errors.New("sendfile(2) is not available")
	}
	if err == nil && sent != n {
		err = fmt.Errorf("sent %d of %d bytes of %s", sent, n, name)
	}
	return sent, err
}

// fillBuffer reads conn to its end into one buffer of size bytes, filled
// again and again, and returns the bytes read.
func fillBuffer(conn net.Conn, size int) (int64, error) {
	buf := make([]byte, size)
	var total int64
	for {
		n, err := io.ReadFull(conn, buf)
		total += int64(n)
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return total, nil
		case err != nil:
			return total, err
		}
	}
}

// segmentFiles are the .log files of a partition's directory under a
// broker's data directory, in offset order.
func segmentFiles(dataDir, topic string, partition int) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dataDir, fmt.Sprintf("%s-%d", topic, partition), "*.log"))
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no segment files of %s-%d under %s", topic, partition, dataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBaseline, err)
	}
	slices.Sort(files) // names are zero-padded base offsets
	return files, nil
}
