// Package miniotest runs a real MinIO server on 127.0.0.1 for tests of the
// S3 and MinIO backends and of everything built on them.
//
// The server is a test tool only: MinIO is built from the Go module proxy
// at the pinned Version with `go install` into the user's cache directory
// (${XDG_CACHE_HOME:-$HOME/.cache}/strata/minio-<Version>/minio, or the path
// in $STRATA_MINIO_BIN), never imported, vendored or shipped. The first
// build takes minutes; `make minio` does it ahead of the tests, and later
// runs reuse the binary. When it cannot be built, tests that need it skip
// with the reason, except under CI (CI set in the environment), where they
// fail. With -short they skip rather than build.
//
// Start launches a server with a private data directory, generated
// credentials and a built-in KMS key, on free loopback ports, and stops it
// when the test ends. Stop and Restart take the same server down and bring
// it back on the same port and data, to simulate an outage:
//
//	srv := miniotest.Start(t)
//	b, err := objstore.NewS3(ctx, srv.S3Config(srv.NewBucket(t, "remote")))
//	...
//	srv.Stop(t)    // requests now fail with objstore.ErrUnavailable
//	srv.Restart(t) // and succeed again, with the data still there
package miniotest
