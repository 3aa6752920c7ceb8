// Package tiered is a partition's log across storage tiers: the API the
// broker appends to and fetches from. Today it is backed by the hot tier
// alone (package tiered/segment); the remote tier (package tiered/remote)
// slots in beneath the same calls, so that a read below the local log start
// offset is served from object storage without the caller knowing.
//
// The seam is Read: it returns Records, which are either a range of a local
// segment file (sent to the network with sendfile) or bytes fetched from the
// remote tier, with one interface for both. Offsets, the log start offset
// and retention span both tiers; the hot tier's own start offset is an
// implementation detail of the tiering.
package tiered
