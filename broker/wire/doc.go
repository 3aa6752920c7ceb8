// Package wire owns the Kafka wire protocol at the byte level: length-prefixed
// frames with a hard size cap checked before allocation, request headers for
// flexible and non-flexible versions, the ApiVersions table of what Strata
// serves, the connection server that reads requests and writes responses in
// order, and the base mapping from errors to Kafka error codes (ErrorCode).
// Requests and responses are encoded and decoded with franz-go's kmsg; no
// codec is hand-written.
//
// It is a leaf: it imports no other Strata package.
//
// # Frames
//
// Every request and response is a frame: a big-endian int32 size, then that
// many bytes. The declared size is checked against MaxRequestSize
// (socket.request.max.bytes) before anything is allocated: a negative size is
// ErrMalformed and a larger one ErrFrameTooLarge. At most 1 MiB of a frame
// is allocated before its bytes arrive; larger frames grow as they are read,
// so a client that declares a large frame and stalls costs little.
//
// # Headers
//
// A request frame starts with its header:
//
//	api key         int16
//	api version     int16
//	correlation id  int32
//	client id       int16 length, then bytes; -1 is null     (header v1+)
//	tagged fields   unsigned varint count, then per field an  (header v2)
//	                unsigned varint tag, size and that many bytes
//
// Header v2 is used by the versions kmsg reports as flexible; Strata skips
// its tagged fields, checking every count and size against the bytes that
// remain. ControlledShutdown v0 uses header v0, without the client id.
//
// A response frame starts with the correlation id, followed for flexible
// versions by an empty tagged-field section. ApiVersions responses always use
// the first form (header v0), so that a client that does not yet know the
// broker's versions can read them (KIP-511).
//
// # Versions
//
// Config.Versions is the table of API keys and versions the broker serves
// (NewVersions). The connection enforces it: a request for a key or version
// outside it closes the connection, as Kafka does. The one exception is
// ApiVersions: a request at a version outside the table, typically newer, is
// answered without the Handler at version 0 with UNSUPPORTED_VERSION and the
// whole table, and the connection stays open for the client to retry at a
// version it finds there. The Handler serves ApiVersions requests within the
// table, listing Versions.ApiKeys.
//
// # Connections
//
// A Server runs three goroutines per connection. The reader reads frames,
// decodes them and queues them; the processor serves them one at a time, in
// order, as Kafka does, which keeps a producer's batches in order, and hands
// each answer to the writer; the writer writes the responses in request
// order to a buffer that it flushes whenever it would wait, so the
// responses to pipelined requests leave together. A response of nil (a
// Produce with acks=0) writes nothing.
//
// A Deferred response (a Produce with acks=-1 waiting for its fsync) is
// completed by the writer, while the processor goes on serving the requests
// after it: the produce requests a client pipelines to one partition are
// appended while the first waits, and share its fsync (group commit)
// instead of each waiting for one of its own.
//
// The queue is bounded by MaxQueuedBytes of frames and MaxQueuedRequests
// (and as many answers waiting for the writer). The reader takes a frame's
// size from the byte budget before allocating it and the writer returns it
// once the response is written; at either cap the reader stops reading
// until the others catch up. Nothing is dropped or reordered: the client
// sees a full TCP window.
//
// Produce frames of 64 KiB to 8 MiB are read into buffers from a pool of
// the Server's and go back to it once answered: a Produce handler must not
// keep its record bytes past its response (the log copies them to its
// file). Other frames are allocated for their request alone.
//
// A frame that does not parse, or asks for a key or version outside the
// table, stops the reader: the requests queued before it are answered, then
// the connection closes. It is logged at debug level and disturbs no other
// connection. A read error (the client closed) closes at once, as does a
// Handler error, after flushing the responses before it.
//
// IdleTimeout (connections.max.idle.ms) closes a connection that sends
// nothing while it has nothing to answer; the clock restarts with every
// frame read and response written, and a frame whose bytes stop arriving for
// that long also closes it. WriteTimeout bounds each write to the socket.
//
// The context passed to Handler.Serve is cancelled when its connection
// closes or the Server does. Close stops the listeners, closes every
// connection and waits for every goroutine the Server started.
//
// # Zero-copy responses
//
// A response normally is a kmsg.Response encoded with AppendTo. A response
// that also implements BodyWriter writes its own body instead: the
// connection writes the size prefix (from BodySize) and the response header,
// then calls WriteBody with a writer whose ReadFrom reaches the socket, so
// io.Copy from an *os.File, or an io.LimitedReader over one, is sent with
// sendfile(2) on Linux. This is the seam for fetch responses that send
// record batches straight from segment files: such a response encodes its
// fields around the batches itself and copies the batches from their file
// ranges. A body that is not the size it declared closes the connection.
//
// # Telemetry
//
// Config.Meter (nil: no-op instruments) receives, with attribute sets
// precomputed per API key so that recording allocates nothing:
//
//	strata.wire.requests              {request}     counter    requests served, by api (kmsg's name: Produce, Fetch, ...)
//	strata.wire.request.duration      s             histogram  frame read to response written, queueing included, by api
//	strata.wire.received              By            counter    request frame bytes, by api
//	strata.wire.sent                  By            counter    response frame bytes, by api
//	strata.wire.errors                {error}       counter    requests and frames that closed their connection,
//	                                                           by reason (handler, write: with api; malformed,
//	                                                           too_large, unsupported: without)
//	strata.wire.connections           {connection}  up-down    open connections
//	strata.wire.connections.accepted  {connection}  counter    connections accepted
//	strata.wire.connections.closed    {connection}  counter    connections closed
//
// Kafka error codes inside responses are the handlers' to count. With
// Config.Tracer set, every request the Handler serves runs in a server
// span named after its API, carried by the Handler's context.
package wire
