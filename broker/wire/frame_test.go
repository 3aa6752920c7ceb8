package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"
)

func sizePrefix(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

func TestReadFrame(t *testing.T) {
	const limit = 16
	tests := []struct {
		name    string
		in      []byte
		want    []byte
		wantErr error
	}{
		{"frame", append(sizePrefix(3), "abc"...), []byte("abc"), nil},
		{"empty frame", sizePrefix(0), []byte{}, nil},
		{"at the limit", append(sizePrefix(limit), make([]byte, limit)...), make([]byte, limit), nil},
		{"trailing bytes stay unread", append(sizePrefix(1), "ab"...), []byte("a"), nil},
		{"no frame", nil, nil, io.EOF},
		{"short prefix", []byte{0, 0}, nil, io.ErrUnexpectedEOF},
		{"short body", append(sizePrefix(5), "abc"...), nil, io.ErrUnexpectedEOF},
		{"negative size", sizePrefix(0xffffffff), nil, ErrMalformed},
		{"most negative size", sizePrefix(0x80000000), nil, ErrMalformed},
		{"over the limit", sizePrefix(limit + 1), nil, ErrFrameTooLarge},
		{"2 GiB", sizePrefix(0x7fffffff), nil, ErrFrameTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadFrame(bytes.NewReader(tt.in), limit)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("body = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadFrameLargeInPieces(t *testing.T) {
	body := make([]byte, 3*initialBodyAlloc+17)
	for i := range body {
		body[i] = byte(i * 7)
	}
	r := iotest.HalfReader(bytes.NewReader(append(sizePrefix(uint32(len(body))), body...)))
	got, err := ReadFrame(r, len(body))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatal("body differs")
	}
}

// A frame that declares a large size but sends little costs what it sent,
// not what it declared.
func TestReadFrameAllocatesWhatArrives(t *testing.T) {
	const declared = 90 << 20
	in := append(sizePrefix(declared), make([]byte, 1000)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadFrame(bytes.NewReader(in), 100<<20)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 8*initialBodyAlloc {
		t.Fatalf("allocated %d bytes for a 1000-byte partial frame", d)
	}
}

func TestSetFrameSize(t *testing.T) {
	p := make([]byte, 4)
	if err := setFrameSize(p, 258); err != nil || !bytes.Equal(p, []byte{0, 0, 1, 2}) {
		t.Fatalf("setFrameSize(258) = %v, %v", p, err)
	}
	if err := setFrameSize(p, -1); err == nil {
		t.Fatal("negative size accepted")
	}
	if err := setFrameSize(p, 1<<31); err == nil {
		t.Fatal("size past int32 accepted")
	}
}
