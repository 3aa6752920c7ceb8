package wire

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// bodyResponse is a Metadata response that writes its own body, the way a
// zero-copy fetch response would.
type bodyResponse struct {
	*kmsg.MetadataResponse
	write func(w io.Writer, body []byte) error
	skew  int // BodySize minus the bytes actually written
}

func (r *bodyResponse) BodySize() int { return len(r.AppendTo(nil)) + r.skew }

func (r *bodyResponse) WriteBody(w io.Writer) error { return r.write(w, r.AppendTo(nil)) }

// manyTopics is a Metadata response far larger than a connection's write
// buffer.
func manyTopics() *kmsg.MetadataResponse {
	resp := kmsg.NewPtrMetadataResponse()
	for i := range 3000 {
		t := kmsg.NewMetadataResponseTopic()
		t.Topic = kmsg.StringPtr(fmt.Sprintf("topic-%06d", i))
		resp.Topics = append(resp.Topics, t)
	}
	return resp
}

func TestBodyWriter(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]func(w io.Writer, body []byte) error{
		"writes": func(w io.Writer, body []byte) error {
			if _, err := w.Write(body[:7]); err != nil {
				return err
			}
			_, err := w.Write(body[7:])
			return err
		},
		"copy from a file": func(w io.Writer, body []byte) error {
			f, err := os.Create(filepath.Join(dir, "body"))
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := f.Write(body); err != nil {
				return err
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return err
			}
			_, err = io.Copy(w, f)
			return err
		},
	}
	for name, write := range tests {
		t.Run(name, func(t *testing.T) {
			h := HandlerFunc(func(context.Context, *Request) (kmsg.Response, error) {
				return &bodyResponse{MetadataResponse: manyTopics(), write: write}, nil
			})
			_, addr := startServer(t, h)
			c := dialRaw(t, addr)
			for i, v := range []int16{12, 8} {
				c.send(int32(i), metadataAt(v))
				resp := c.read(int32(i), 3, v).(*kmsg.MetadataResponse)
				if len(resp.Topics) != 3000 || *resp.Topics[2999].Topic != "topic-002999" {
					t.Fatalf("v%d: %d topics", v, len(resp.Topics))
				}
			}
		})
	}
}

// A body that is not the size it declared has corrupted the stream; the
// connection closes.
func TestBodyWriterSizeMismatchCloses(t *testing.T) {
	write := func(w io.Writer, body []byte) error {
		_, err := w.Write(body)
		return err
	}
	for _, skew := range []int{-1, 1} {
		t.Run(fmt.Sprint(skew), func(t *testing.T) {
			h := HandlerFunc(func(context.Context, *Request) (kmsg.Response, error) {
				return &bodyResponse{MetadataResponse: kmsg.NewPtrMetadataResponse(), write: write, skew: skew}, nil
			})
			_, addr := startServer(t, h)
			c := dialRaw(t, addr)
			c.send(1, metadataAt(4))
			c.expectClosed()
		})
	}
}
