// Package handler serves Kafka requests, one file per API key, named by the
// key (00_produce.go, 01_fetch.go, ...). Each file opens with a comment on the
// versions it serves, and ApiVersions advertises exactly those.
package handler
