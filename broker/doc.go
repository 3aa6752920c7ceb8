// Package broker is Strata's composition root: it reads the broker
// configuration, opens the controller (cluster metadata on raft), the
// partitions, the group coordinator and the retention manager, serves the
// Kafka protocol on a listener, and shuts all of them down in order.
// Nothing imports it but cmd/strata.
//
// Start order: the listener (so the advertised port is known), the
// controller, this broker's registration, the partitions (kept in step with
// every new metadata image by a watch loop), the internal topic
// __consumer_offsets, the group coordinator (loaded from it), the retention
// manager and the flush loop, and last the wire server. Close runs in the
// reverse order; every goroutine started here is stopped and waited for.
//
// Data directory layout:
//
//	<data-dir>/__cluster_metadata/   raft log, stable store and snapshots
//	<data-dir>/<topic>-<partition>/  one partition (see tiered/segment)
package broker
