package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// sampleRequests returns valid requests of several keys and versions,
// flexible and not, with byte fields, arrays and nullable strings filled in.
func sampleRequests() []kmsg.Request {
	var reqs []kmsg.Request
	for _, v := range []int16{0, 3, 4} {
		reqs = append(reqs, apiVersionsAt(v))
	}
	for _, v := range []int16{0, 4, 9, 12} {
		m := metadataAt(v)
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = kmsg.StringPtr("orders")
		m.Topics = append(m.Topics, t)
		reqs = append(reqs, m)
	}
	for _, v := range []int16{3, 9} {
		reqs = append(reqs, sampleProduce(v, -1))
	}
	for _, v := range []int16{4, 12} {
		f := kmsg.NewPtrFetchRequest()
		f.Version = v
		t := kmsg.NewFetchRequestTopic()
		t.Topic = "orders"
		p := kmsg.NewFetchRequestTopicPartition()
		p.Partition, p.FetchOffset, p.PartitionMaxBytes = 2, 1000, 1<<20
		t.Partitions = append(t.Partitions, p)
		f.Topics = append(f.Topics, t)
		reqs = append(reqs, f)
	}
	for _, v := range []int16{0, 6} {
		j := kmsg.NewPtrJoinGroupRequest()
		j.Version, j.Group, j.ProtocolType = v, "g", "consumer"
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = "range", []byte{0, 1, 2, 3}
		j.Protocols = append(j.Protocols, p)
		reqs = append(reqs, j)
	}
	return reqs
}

// sampleProduce returns a Produce request at version with one partition of
// placeholder record bytes.
func sampleProduce(version, acks int16) *kmsg.ProduceRequest {
	r := kmsg.NewPtrProduceRequest()
	r.Version, r.Acks, r.TimeoutMillis = version, acks, 1000
	t := kmsg.NewProduceRequestTopic()
	t.Topic = "orders"
	p := kmsg.NewProduceRequestTopicPartition()
	p.Records = []byte("not really a batch")
	t.Partitions = append(t.Partitions, p)
	r.Topics = append(r.Topics, t)
	return r
}

// frameBody encodes req as a client does and strips the size prefix.
func frameBody(req kmsg.Request, correlationID int32) []byte {
	f := kmsg.NewRequestFormatter(kmsg.FormatterClientID("client-1"))
	return f.AppendRequest(nil, req, correlationID)[4:]
}

func TestParseRequestRoundTrip(t *testing.T) {
	for _, want := range sampleRequests() {
		name := fmt.Sprintf("%s v%d", kmsg.NameForKey(want.Key()), want.GetVersion())
		t.Run(name, func(t *testing.T) {
			frame := frameBody(want, 42)
			got, err := ParseRequest(frame)
			if err != nil {
				t.Fatal(err)
			}
			if got.Key != want.Key() || got.Version != want.GetVersion() || got.CorrelationID != 42 || got.Size != len(frame) {
				t.Fatalf("header = %+v", got)
			}
			if cid := deref(got.ClientID); cid != "client-1" {
				t.Fatalf("client id = %s", cid)
			}
			if a, b := got.Msg.AppendTo(nil), want.AppendTo(nil); !bytes.Equal(a, b) {
				t.Fatalf("decoded request re-encodes differently:\n got %x\nwant %x", a, b)
			}
		})
	}
}

// ControlledShutdown v0 has a header without a client id. kmsg's formatter
// does not encode it, so the frame is built by hand.
func TestParseRequestControlledShutdownV0(t *testing.T) {
	frame := cat(rawHeader(7, 0, 42), binary.BigEndian.AppendUint32(nil, 3))
	got, err := ParseRequest(frame)
	if err != nil {
		t.Fatal(err)
	}
	if got.ClientID != nil || got.Msg.(*kmsg.ControlledShutdownRequest).BrokerID != 3 {
		t.Fatalf("request = %+v, msg %+v", got, got.Msg)
	}
}

func TestParseRequestErrors(t *testing.T) {
	tests := []struct {
		name    string
		frame   []byte
		wantErr error
	}{
		{"version past kmsg", cat(rawHeader(3, 99, 1), clientID("c"), noTags, noTags), ErrUnsupported},
		{"negative version", cat(rawHeader(3, -1, 1), clientID("c"), []byte{0, 0, 0, 0}), ErrUnsupported},
		{"truncated body", frameBody(sampleProduce(9, 1), 1)[:40], ErrMalformed},
		{"body of garbage", cat(rawHeader(0, 3, 1), clientID("c"), []byte{0xff, 0xff, 0x7f, 0xff, 0xff, 0xff}), ErrMalformed},
		{"header only", cat(rawHeader(3, 4, 1), clientID("c")), ErrMalformed},
		{"bad header", rawHeader(3, 4, 1)[:5], ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseRequest(tt.frame); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestAppendResponse(t *testing.T) {
	resp := kmsg.NewPtrMetadataResponse()
	resp.Version = 12
	resp.ClusterID = kmsg.StringPtr("strata")
	out, err := appendResponse([]byte("prefix"), 5, resp)
	if err != nil {
		t.Fatal(err)
	}
	frame := out[len("prefix"):]
	got, err := readResponse(bytes.NewReader(frame), 5, 3, 12)
	if err != nil {
		t.Fatal(err)
	}
	if id := got.(*kmsg.MetadataResponse).ClusterID; id == nil || *id != "strata" {
		t.Fatalf("cluster id = %v", id)
	}
}

func TestUnsupportedVersionsResponse(t *testing.T) {
	resp := unsupportedVersionsResponse(testVersions).(*kmsg.ApiVersionsResponse)
	if resp.Version != 0 || resp.ErrorCode != 35 || len(resp.ApiKeys) != len(testVersions.ApiKeys()) {
		t.Fatalf("response = %+v", resp)
	}
}
