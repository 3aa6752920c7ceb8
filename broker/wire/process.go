package wire

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
	"go.opentelemetry.io/otel/trace"
)

// answer is a served request on its way to the writer: its response (nil
// when it gets none), or the error that ends the connection.
type answer struct {
	req  *Request
	resp kmsg.Response
	span trace.Span // ended once the answer is written or dropped
	err  error
}

// processLoop serves queued requests in order and hands their answers to
// the writer, until the queue closes, the connection closes or a request
// fails. Once the client has gone, the requests it sent are all served,
// whatever fails. It closes answers when it returns.
func (c *conn) processLoop() {
	defer close(c.answers)
	for c.ctx.Err() == nil || c.gone.Load() {
		req := c.next()
		if req == nil {
			return
		}
		a := answer{req: req}
		if !c.gone.Load() || changesState(req) {
			a = c.respond(req)
		}
		c.answers <- a // the writer takes every answer, failed or not
		if a.err != nil && !c.gone.Load() {
			return
		}
	}
}

// next returns the next request, or nil when there are no more.
func (c *conn) next() *Request {
	if c.gone.Load() {
		return <-c.reqs // nil once the reader has closed the queue
	}
	select {
	case req := <-c.reqs:
		return req
	case <-c.ctx.Done():
		return nil
	}
}

// changesState reports whether serving req changes the broker's state, so
// that it is still served after its client has gone: everything but the
// fetches, which only wait and read.
func changesState(req *Request) bool {
	_, fetch := req.Msg.(*kmsg.FetchRequest)
	return !fetch
}

// respond serves req: the Handler's response, set to the request's
// version, or the table for an ApiVersions request at a version Strata does
// not serve. A Deferred response is returned as it is, to be completed by
// the writer.
func (c *conn) respond(req *Request) answer {
	if req.unsupportedVersions {
		return answer{req: req, resp: unsupportedVersionsResponse(c.cfg.Versions)}
	}
	ctx := c.ctx
	if c.gone.Load() {
		ctx = c.srv.ctx // the client has gone; what it sent is still done
	}
	ctx, span := c.srv.startSpan(ctx, req)
	resp, err := c.srv.handler.Serve(ctx, req)
	if err == nil && resp != nil && resp.Key() != req.Key {
		c.log.Error("wire: handler answered with the wrong response type",
			"request", kmsg.NameForKey(req.Key), "response", kmsg.NameForKey(resp.Key()))
		err = fmt.Errorf("wire: %s answered with %s", kmsg.NameForKey(req.Key), kmsg.NameForKey(resp.Key()))
	}
	if err != nil {
		return answer{req: req, span: span, err: fmt.Errorf("serve %s v%d: %w", kmsg.NameForKey(req.Key), req.Version, err)}
	}
	if resp != nil {
		resp.SetVersion(req.Version)
	}
	return answer{req: req, resp: resp, span: span}
}

// Deferred is a response whose handler has done its part and left only a
// wait: a Produce with acks=-1 whose records are appended and must become
// durable. The connection serves the requests after it while it waits and
// still answers in request order, so the produce requests a client
// pipelines to one partition share an fsync instead of each waiting for
// its own.
type Deferred interface {
	kmsg.Response
	// Await completes the response. It returns once the wait is over or
	// ctx is done, whichever comes first; the response is written only if
	// ctx is not done. The handler's own deadlines (a produce's timeout)
	// are its to keep.
	Await(ctx context.Context)
}
