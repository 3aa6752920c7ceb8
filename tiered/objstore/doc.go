// Package objstore is the small Bucket interface the remote tier stores its
// objects through, with in-memory, filesystem, S3 (aws-sdk-go-v2) and MinIO
// (minio-go) implementations that all pass one acceptance suite.
//
// It is a leaf: it imports no other Strata package.
package objstore
