// Package handler serves Kafka requests, one file per API key, named by the
// key (00_produce.go, 01_fetch.go, ...). Each file opens with a comment on
// the versions it serves and registers itself with register in an init
// function; ApiVersions advertises exactly the registered ranges, and the
// wire layer refuses anything outside them.
//
// Handlers translate between kmsg requests and responses and the packages
// that hold the state: the cluster metadata (Cluster), the partitions
// (Partitions) and the group coordinator (Groups), each an interface defined
// here by what the handlers need. Strata errors become Kafka error codes in
// one place, errors.go.
package handler
