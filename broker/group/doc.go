// Package group is the consumer group coordinator: the classic group protocol
// (join, sync, heartbeat, leave, static membership), rebalance and session
// timers, and committed offsets. Group metadata and offsets are written to the
// internal topic __consumer_offsets through the ordinary partition log and
// rebuilt from it on start.
package group
