package objstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// OpenURL returns the bucket a URL names:
//
//	file:///path                  a directory (FS)
//	s3://bucket/prefix?...        S3 through aws-sdk-go-v2; query parameters
//	                              endpoint (an http(s) URL), region,
//	                              path-style (true/false), sse (AES256 or
//	                              aws:kms), sse-kms-key-id, max-attempts
//	minio://host:port/bucket/prefix?...  MinIO through minio-go; query
//	                              parameters secure (true/false), region,
//	                              max-attempts
//
// Credentials never come from the URL (a URL with a user or password is
// refused, so that none ends up in a log): S3 takes the SDK's default
// chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// shared files, roles), MinIO its environment variables. OpenURL makes no
// request; see Probe.
func OpenURL(ctx context.Context, raw string) (Bucket, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: object store URL: %w", ErrConfig, err)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: object store URL %s: credentials in the URL are not accepted; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
			ErrConfig, Redact(raw))
	}
	q, err := queryOf(u, map[string][]string{
		"file":  nil,
		"s3":    {"endpoint", "region", "path-style", "sse", "sse-kms-key-id", "max-attempts"},
		"minio": {"secure", "region", "max-attempts"},
	})
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "file":
		return openFileURL(u)
	case "s3":
		return openS3URL(ctx, u, q)
	default:
		return openMinIOURL(u, q)
	}
}

// Redact returns the URL without any user information, for messages.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	return u.String()
}

// queryOf checks the URL's scheme and its query parameters against the
// ones each scheme allows.
func queryOf(u *url.URL, allowed map[string][]string) (url.Values, error) {
	names, ok := allowed[u.Scheme]
	if !ok {
		return nil, fmt.Errorf("%w: object store URL %s: scheme %q is not file, s3 or minio", ErrConfig, Redact(u.String()), u.Scheme)
	}
	q := u.Query()
	for name := range q {
		if !slices.Contains(names, name) {
			takes := "no parameters"
			if len(names) > 0 {
				takes = strings.Join(names, ", ")
			}
			return nil, fmt.Errorf("%w: object store URL %s: unknown parameter %q (%s URLs take %s)",
				ErrConfig, Redact(u.String()), name, u.Scheme, takes)
		}
	}
	return q, nil
}

func openFileURL(u *url.URL) (Bucket, error) {
	if u.Host != "" && u.Host != "localhost" {
		return nil, fmt.Errorf("%w: file URL %s: want file:///absolute/path", ErrConfig, u)
	}
	if u.Path == "" {
		return nil, fmt.Errorf("%w: file URL %s has no path", ErrConfig, u)
	}
	return NewFS(u.Path)
}

func openS3URL(ctx context.Context, u *url.URL, q url.Values) (Bucket, error) {
	cfg := S3Config{Bucket: u.Host, Prefix: u.Path, Region: q.Get("region"), Endpoint: q.Get("endpoint"),
		SSE: q.Get("sse"), SSEKMSKeyID: q.Get("sse-kms-key-id")}
	var err error
	if cfg.UsePathStyle, err = boolParam(u, q, "path-style"); err != nil {
		return nil, err
	}
	if cfg.MaxAttempts, err = intParam(u, q, "max-attempts"); err != nil {
		return nil, err
	}
	return NewS3(ctx, cfg)
}

func openMinIOURL(u *url.URL, q url.Values) (Bucket, error) {
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	cfg := MinIOConfig{Endpoint: u.Host, Bucket: bucket, Prefix: prefix, Region: q.Get("region")}
	var err error
	if cfg.Secure, err = boolParam(u, q, "secure"); err != nil {
		return nil, err
	}
	if cfg.MaxAttempts, err = intParam(u, q, "max-attempts"); err != nil {
		return nil, err
	}
	return NewMinIO(cfg)
}

func boolParam(u *url.URL, q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%w: object store URL %s: %s=%q is not true or false", ErrConfig, Redact(u.String()), name, v)
	}
	return b, nil
}

func intParam(u *url.URL, q url.Values, name string) (int, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: object store URL %s: %s=%q is not a count", ErrConfig, Redact(u.String()), name, v)
	}
	return n, nil
}

// Probe checks that the bucket answers: it lists a prefix that holds at
// most a few small objects. A missing bucket, refused credentials or an
// unreachable endpoint fail it; an empty bucket does not.
func Probe(ctx context.Context, b Bucket) error {
	err := b.List(ctx, "topics/", func(ObjectAttrs) error { return errStopList })
	if err != nil && !errors.Is(err, errStopList) {
		return fmt.Errorf("probe bucket: %w", err)
	}
	return nil
}

var errStopList = errors.New("objstore: stop listing")
