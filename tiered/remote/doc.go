// Package remote owns the remote tier: the format of an uploaded segment
// object (independently compressed lz4 chunks and a footer that indexes them),
// the topic and partition manifests that make a bucket self-describing, the
// uploader, and the reader with its chunk cache and sequential prefetch.
// The exact in-bucket format is specified here once the remote tier is built.
package remote
