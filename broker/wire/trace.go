package wire

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// spanStart are the options of every request span.
var spanStart = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}

// startSpan starts the span of req's handling when the Server traces, and
// returns ctx carrying it; the span is nil otherwise. Attributes are set
// only on spans the sampler records, so unsampled requests cost little.
func (s *Server) startSpan(ctx context.Context, req *Request) (context.Context, trace.Span) {
	if s.cfg.Tracer == nil {
		return ctx, nil
	}
	ctx, span := s.cfg.Tracer.Start(ctx, s.metrics.api(req.Key).name, spanStart...)
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String("rpc.system", "kafka"),
			attribute.String("rpc.method", s.metrics.api(req.Key).name),
			attribute.Int("kafka.api.version", int(req.Version)),
			attribute.Int64("kafka.connection.id", int64(req.ConnID)),
		)
		if req.ClientID != nil {
			span.SetAttributes(attribute.String("kafka.client.id", *req.ClientID))
		}
	}
	return ctx, span
}

// endSpan ends a span started by startSpan, recording err.
func endSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
