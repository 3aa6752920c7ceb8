package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/minio/minio-go/v7"
)

// S3 error codes that say what happened to the request, shared by AWS and
// MinIO.
var (
	notFoundCodes = map[string]bool{"NoSuchKey": true, "NotFound": true}
	rangeCodes    = map[string]bool{"InvalidRange": true}
	// Codes that S3-compatible stores answer when they are overloaded or
	// not ready; most also come with a 5xx status.
	transientCodes = map[string]bool{
		"InternalError":              true,
		"ServiceUnavailable":         true,
		"SlowDown":                   true,
		"Throttling":                 true,
		"ThrottlingException":        true,
		"RequestTimeout":             true,
		"XMinioServerNotInitialized": true,
		"XMinioReadQuorum":           true,
		"XMinioWriteQuorum":          true,
	}
)

// s3Error wraps an aws-sdk-go-v2 error with its class.
func s3Error(op, key string, err error) error {
	if isContextError(err) {
		return opError(op, key, nil, err)
	}
	code, status := "", 0
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	return opError(op, key, classify(code, status, err), err)
}

// putError reports a failed Put: the reader's failure or ctx as it is,
// since the store's error then only echoes it, else the store's error
// classified by wrap.
func putError(key string, pr *putReader, err error, wrap func(op, key string, err error) error) error {
	if cause := pr.cause(err); cause != err {
		return opError("put", key, nil, cause)
	}
	return wrap("put", key, err)
}

// remoteBody classifies the errors of reading a response body: a read
// cut short by the network is ErrUnavailable, one ended by ctx carries
// ctx's error. Once ctx is done every read fails, even when the rest of
// the body already sits in the socket's buffer, where the HTTP client
// would still hand it out.
type remoteBody struct {
	ctx context.Context
	key string
	io.ReadCloser
}

func (b remoteBody) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, opError("read", b.key, nil, err)
	}
	n, err := b.ReadCloser.Read(p)
	if err == nil || err == io.EOF {
		return n, err
	}
	if ctxErr := b.ctx.Err(); ctxErr != nil {
		if !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w: %w", ctxErr, err)
		}
		return n, opError("read", b.key, nil, err)
	}
	return n, opError("read", b.key, ErrUnavailable, err)
}

// minioError wraps a minio-go error with its class.
func minioError(op, key string, err error) error {
	if isContextError(err) {
		return opError(op, key, nil, err)
	}
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return opError(op, key, classify(resp.Code, resp.StatusCode, err), err)
	}
	return opError(op, key, classify("", 0, err), err)
}

// classify maps an S3 error code, HTTP status and transport error to one of
// the package's classes, or nil.
func classify(code string, status int, err error) error {
	switch {
	case notFoundCodes[code]:
		return ErrNotFound
	case rangeCodes[code] || status == http.StatusRequestedRangeNotSatisfiable:
		return ErrInvalidRange
	case transientCodes[code] || status >= 500 || status == http.StatusTooManyRequests:
		return ErrUnavailable
	case code == "" && status == 0 && isTransportError(err):
		return ErrUnavailable
	}
	return nil
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// isTransportError reports a failure to reach the store or to read its
// answer: a refused or reset connection, a timeout, a cut-off response.
func isTransportError(err error) bool {
	var sendErr *smithyhttp.RequestSendError
	var netErr net.Error
	return errors.As(err, &sendErr) ||
		errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}
