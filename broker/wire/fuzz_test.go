package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func FuzzReadFrame(f *testing.F) {
	const limit = 64
	f.Add(append(sizePrefix(3), "abc"...))
	f.Add(sizePrefix(0))
	f.Add(sizePrefix(limit + 1))
	f.Add(sizePrefix(0x80000000))
	f.Add([]byte{0, 0})
	f.Add(append(sizePrefix(10), "short"...))
	f.Fuzz(func(t *testing.T, in []byte) {
		body, err := ReadFrame(bytes.NewReader(in), limit)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrFrameTooLarge) &&
				!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		size := int(int32(binary.BigEndian.Uint32(in)))
		if len(body) != size || size > limit || !bytes.Equal(body, in[4:4+size]) {
			t.Fatalf("body of %d bytes for declared %d", len(body), size)
		}
	})
}

func FuzzParseRequest(f *testing.F) {
	for _, req := range sampleRequests() {
		f.Add(frameBody(req, 1))
	}
	f.Add(cat(rawHeader(7, 0, 1), []byte{0, 0, 0, 3}))
	f.Add(cat(rawHeader(18, 99, 1), clientID("c"), noTags))
	f.Add(cat(rawHeader(3, 12, 1), clientID("c"), []byte{0xff, 0xff, 0xff, 0xff, 0x0f}))
	f.Fuzz(func(t *testing.T, frame []byte) {
		req, err := ParseRequest(frame)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if req.Msg == nil || req.Msg.Key() != req.Key || req.Msg.GetVersion() != req.Version || req.Size != len(frame) {
			t.Fatalf("inconsistent request %+v", req)
		}
		req.Msg.AppendTo(nil) // what decoded must encode
	})
}
