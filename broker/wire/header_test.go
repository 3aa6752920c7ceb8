package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// rawHeader is the fixed part of a request header.
func rawHeader(key, version int16, correlationID int32) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(key))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	return binary.BigEndian.AppendUint32(b, uint32(correlationID))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// clientID is an int16-length string.
func clientID(s string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(s))), s...)
}

var (
	nullClientID = []byte{0xff, 0xff}
	noTags       = []byte{0}
	body         = []byte("body")
)

func TestParseHeader(t *testing.T) {
	const (
		metadata      = 3
		flexMetadata  = 9 // Metadata is flexible from v9
		ctrlShutdown0 = 0
	)
	tests := []struct {
		name         string
		frame        []byte
		wantClientID *string
		wantRest     []byte
		wantErr      error
	}{
		{"v1 header", cat(rawHeader(3, 1, 7), clientID("cli"), body), kmsg.StringPtr("cli"), body, nil},
		{"null client id", cat(rawHeader(3, 1, 7), nullClientID, body), nil, body, nil},
		{"empty client id", cat(rawHeader(3, 1, 7), clientID(""), body), kmsg.StringPtr(""), body, nil},
		{"v2 header, no tags", cat(rawHeader(metadata, flexMetadata, 7), clientID("cli"), noTags, body), kmsg.StringPtr("cli"), body, nil},
		{"v2 header, tags skipped", cat(rawHeader(metadata, flexMetadata, 7), clientID("cli"),
			[]byte{2, 0, 3, 'x', 'y', 'z', 0x85, 0x01, 0}, body), kmsg.StringPtr("cli"), body, nil},
		{"v0 header of ControlledShutdown v0", cat(rawHeader(7, ctrlShutdown0, 7), body), nil, body, nil},
		{"v2 header of ApiVersions past kmsg", cat(rawHeader(18, 99, 7), clientID("cli"), noTags, body), kmsg.StringPtr("cli"), body, nil},

		{"empty", nil, nil, nil, ErrMalformed},
		{"truncated fixed part", rawHeader(3, 1, 7)[:7], nil, nil, ErrMalformed},
		{"no client id", rawHeader(3, 1, 7), nil, nil, ErrMalformed},
		{"half a client id length", cat(rawHeader(3, 1, 7), []byte{0}), nil, nil, ErrMalformed},
		{"client id past the end", cat(rawHeader(3, 1, 7), clientID("cli")[:4]), nil, nil, ErrMalformed},
		{"client id length -2", cat(rawHeader(3, 1, 7), []byte{0xff, 0xfe}), nil, nil, ErrMalformed},
		{"flexible without tags", cat(rawHeader(metadata, flexMetadata, 7), clientID("cli")), nil, nil, ErrMalformed},
		{"tag count past the end", cat(rawHeader(metadata, flexMetadata, 7), clientID("c"), []byte{3, 0, 0}), nil, nil, ErrMalformed},
		{"hostile tag count", cat(rawHeader(metadata, flexMetadata, 7), clientID("c"),
			[]byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0}), nil, nil, ErrMalformed},
		{"hostile tag size", cat(rawHeader(metadata, flexMetadata, 7), clientID("c"),
			[]byte{1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 'x'}), nil, nil, ErrMalformed},
		{"tag size past the end", cat(rawHeader(metadata, flexMetadata, 7), clientID("c"), []byte{1, 0, 5, 'x'}), nil, nil, ErrMalformed},
		{"truncated tag key", cat(rawHeader(metadata, flexMetadata, 7), clientID("c"), []byte{1, 0x80}), nil, nil, ErrMalformed},
		{"varint over 32 bits", cat(rawHeader(metadata, flexMetadata, 7), clientID("c"),
			[]byte{0xff, 0xff, 0xff, 0xff, 0x7f}), nil, nil, ErrMalformed},
		{"varint over 5 bytes", cat(rawHeader(metadata, flexMetadata, 7), clientID("c"),
			[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), nil, nil, ErrMalformed},
		{"unknown api key", cat(rawHeader(999, 0, 7), clientID("c")), nil, nil, ErrUnsupported},
		{"negative api key", cat(rawHeader(-1, 0, 7), clientID("c")), nil, nil, ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, rest, err := parseHeader(tt.frame)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			wantKey := int16(binary.BigEndian.Uint16(tt.frame))
			if req.Key != wantKey || req.Msg.Key() != wantKey || req.CorrelationID != 7 || req.Size != len(tt.frame) {
				t.Fatalf("header = %+v", req)
			}
			if req.Msg.GetVersion() != req.Version {
				t.Fatalf("Msg at v%d, header v%d", req.Msg.GetVersion(), req.Version)
			}
			if !equalStringPtr(req.ClientID, tt.wantClientID) {
				t.Fatalf("client id = %v, want %v", deref(req.ClientID), deref(tt.wantClientID))
			}
			if !bytes.Equal(rest, tt.wantRest) {
				t.Fatalf("rest = %q, want %q", rest, tt.wantRest)
			}
		})
	}
}

func equalStringPtr(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

func TestAppendResponseHeader(t *testing.T) {
	tests := []struct {
		name string
		resp kmsg.Response
		want []byte
	}{
		{"non-flexible", &kmsg.MetadataResponse{Version: 8}, []byte{0, 0, 0, 9}},
		{"flexible", &kmsg.MetadataResponse{Version: 9}, []byte{0, 0, 0, 9, 0}},
		{"ApiVersions stays v0 when flexible", &kmsg.ApiVersionsResponse{Version: 3}, []byte{0, 0, 0, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := appendResponseHeader(nil, 9, tt.resp); !bytes.Equal(got, tt.want) {
				t.Fatalf("header = %v, want %v", got, tt.want)
			}
		})
	}
}
