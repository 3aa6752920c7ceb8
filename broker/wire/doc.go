// Package wire owns the Kafka wire protocol at the byte level: length-prefixed
// frames with a hard size cap checked before allocation, request headers for
// flexible and non-flexible versions, the ApiVersions table of what Strata
// serves, and the single mapping from Strata errors to Kafka error codes.
// Requests and responses are encoded and decoded with franz-go's kmsg; no
// codec is hand-written.
//
// It is a leaf: it imports no other Strata package.
package wire
