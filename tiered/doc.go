// Package tiered is a partition's log across storage tiers: the API the
// broker appends to and fetches from. The hot tier (package tiered/segment)
// holds the recent segments on local disk; when Config.Remote is set, the
// remote tier (package tiered/remote) holds older ones in object storage,
// and a read below the hot tier's start offset is served from it without
// the caller knowing.
//
// The seam is Read: it returns Records, which are either a range of a local
// segment file (sent to the network with sendfile) or bytes fetched from the
// remote tier, with one interface for both. StartOffset spans both tiers.
// SealedSource gives the remote tier's uploader the sealed, fsynced
// segments of the hot tier.
//
// Not yet tier-aware: ReadByTime, MaxTimestamp and Size look at the hot
// tier only, and a start offset raised inside the remote tier is kept in
// memory until the remote manifest records it.
package tiered
