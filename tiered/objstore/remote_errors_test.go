package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/minio/minio-go/v7"
)

func TestS3ErrorClasses(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name  string
		err   error
		class error
	}{
		{"no such key", &smithy.GenericAPIError{Code: "NoSuchKey"}, ErrNotFound},
		{"head not found", withStatus(&smithy.GenericAPIError{Code: "NotFound"}, 404), ErrNotFound},
		{"invalid range", withStatus(&smithy.GenericAPIError{Code: "InvalidRange"}, 416), ErrInvalidRange},
		{"slow down", withStatus(&smithy.GenericAPIError{Code: "SlowDown"}, 503), ErrUnavailable},
		{"internal", withStatus(&smithy.GenericAPIError{Code: "WeirdServerThing"}, 500), ErrUnavailable},
		{"throttled", withStatus(&smithy.GenericAPIError{Code: "Whatever"}, 429), ErrUnavailable},
		{"refused", &smithyhttp.RequestSendError{Err: refused}, ErrUnavailable},
		{"reset", fmt.Errorf("read body: %w", syscall.ECONNRESET), ErrUnavailable},
		{"no such bucket", withStatus(&smithy.GenericAPIError{Code: "NoSuchBucket"}, 404), nil},
		{"access denied", withStatus(&smithy.GenericAPIError{Code: "AccessDenied"}, 403), nil},
		{"canceled", &smithyhttp.RequestSendError{Err: context.Canceled}, nil},
		{"deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), nil},
	} {
		err := s3Error("get", "k", tc.err)
		checkClass(t, tc.name, err, tc.class)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: the SDK's error is not in the chain of %v", tc.name, err)
		}
	}
}

func TestMinIOErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		class error
	}{
		{"no such key", minio.ErrorResponse{Code: "NoSuchKey", StatusCode: 404}, ErrNotFound},
		{"invalid range", minio.ErrorResponse{Code: "InvalidRange", StatusCode: 416}, ErrInvalidRange},
		{"not initialized", minio.ErrorResponse{Code: "XMinioServerNotInitialized", StatusCode: 503}, ErrUnavailable},
		{"5xx", minio.ErrorResponse{Code: "Other", StatusCode: 502}, ErrUnavailable},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, ErrUnavailable},
		{"no such bucket", minio.ErrorResponse{Code: "NoSuchBucket", StatusCode: 404}, nil},
		{"canceled", fmt.Errorf("get: %w", context.Canceled), nil},
	} {
		checkClass(t, tc.name, minioError("get", "k", tc.err), tc.class)
	}
}

func checkClass(t *testing.T, name string, err, class error) {
	t.Helper()
	for _, c := range []error{ErrNotFound, ErrInvalidRange, ErrUnavailable} {
		if errors.Is(err, c) != (c == class) {
			t.Errorf("%s: %v: errors.Is(%v) = %v", name, err, c, !(c == class))
		}
	}
	if IsRetriable(err) != (class == ErrUnavailable) {
		t.Errorf("%s: IsRetriable(%v) = %v", name, err, IsRetriable(err))
	}
}

// withStatus wraps err the way the SDK does when it has the HTTP response.
func withStatus(err error, status int) error {
	return &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      err,
	}
}

func TestRemoteBodyErrors(t *testing.T) {
	cut := io.NopCloser(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(io.ErrUnexpectedEOF)))
	_, err := io.ReadAll(remoteBody{ctx: context.Background(), key: "k", ReadCloser: cut})
	if !IsRetriable(err) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("body cut short: %v, want retriable with the cause", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	failed := io.NopCloser(iotest.ErrReader(errors.New("use of closed network connection")))
	_, err = io.ReadAll(remoteBody{ctx: ctx, key: "k", ReadCloser: failed})
	if IsRetriable(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("body read after cancel: %v, want context.Canceled, not retriable", err)
	}
	buffered := io.NopCloser(strings.NewReader("still buffered"))
	if n, err := (remoteBody{ctx: ctx, key: "k", ReadCloser: buffered}).Read(make([]byte, 8)); n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("read of a buffered body after cancel: %d bytes, %v; want 0, context.Canceled", n, err)
	}
	got, err := io.ReadAll(remoteBody{ctx: context.Background(), key: "k", ReadCloser: io.NopCloser(strings.NewReader("ok"))})
	if err != nil || string(got) != "ok" {
		t.Fatalf("clean body: %q, %v", got, err)
	}
}
