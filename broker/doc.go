// Package broker is Strata's composition root: it reads the broker
// configuration, opens the controller (cluster metadata on raft), the
// object store, the partitions with their remote tiers, the group
// coordinator and the retention manager, serves the Kafka protocol on a
// listener and the admin HTTP server (metrics, health, tier status), and
// shuts all of them down in order. Nothing imports it but cmd/strata.
//
// Start order: telemetry and the admin server (not ready yet), the
// listener (so the advertised port is known), the controller, this
// broker's registration, the retention manager (not started), tiered
// storage (the bucket, probed but not required, and the chunk cache), the
// partitions (each tiered one gets its remote tier as it opens; all are
// kept in step with every new metadata image by a watch loop), the
// internal topic __consumer_offsets, the group coordinator (loaded from
// it), retention and the flush loop, the wire server, and then readiness.
// Close runs in the reverse order; every goroutine started here is stopped
// and waited for.
//
// Tiered storage (tiering.go): a partition of a topic with
// remote.storage.enable (not compacted, not internal) gets a remote.Tier
// whose uploader is woken on every roll and whose reader is attached to
// the partition's log; retention plans both tiers. A partition's tier
// lives until the metadata no longer has the partition here. Deleting a
// topic first records a pending remote deletion in remote-deletions/, so
// that the deletion of its objects, done in the background, survives a
// crash. A topic created with strata.remote.recovery=true takes its id,
// partitions and configs from the bucket (tiering_restore.go).
//
// Data directory layout:
//
//	<data-dir>/.lock                        held (flock) from start to close, so a
//	                                        second broker on the directory fails at
//	                                        start (see internal/dirlock)
//	<data-dir>/__cluster_metadata/          raft log, stable store and snapshots
//	<data-dir>/<topic>-<partition>/         one partition (see tiered/segment), with
//	                                        remote-manifest.json, the local copy of
//	                                        its remote manifest (see tiered/remote)
//	<data-dir>/objects/                     the default object store (file://)
//	<data-dir>/remote-cache/                decoded chunks of cold reads
//	<data-dir>/remote-spool/                segment objects being built for upload
//	<data-dir>/remote-deletions/<id>.json   topics whose remote data is being deleted
package broker
