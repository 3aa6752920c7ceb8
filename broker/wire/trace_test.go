package wire

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestRequestsTraced(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	inner := &testHandler{}
	traced := make(chan bool, 1)
	h := HandlerFunc(func(ctx context.Context, req *Request) (kmsg.Response, error) {
		traced <- trace.SpanFromContext(ctx).SpanContext().IsValid()
		return inner.Serve(ctx, req)
	})
	_, addr := startServer(t, h, func(c *Config) { c.Tracer = tp.Tracer("wire") })
	c := dialRaw(t, addr)
	c.send(1, metadataAt(9))
	c.read(1, 3, 9)
	if !<-traced {
		t.Error("the handler's context carries no span")
	}
	var found bool
	for _, s := range rec.Ended() {
		if s.Name() == "Metadata" && s.SpanKind() == trace.SpanKindServer {
			found = hasAttr(s.Attributes(), attribute.String("rpc.method", "Metadata"))
		}
	}
	if !found {
		t.Fatalf("no Metadata server span among %d", len(rec.Ended()))
	}
}

func hasAttr(attrs []attribute.KeyValue, want attribute.KeyValue) bool {
	for _, a := range attrs {
		if a == want {
			return true
		}
	}
	return false
}
