// Package controller is the cluster metadata state machine: brokers, topics,
// topic ids, partitions, replica assignment, leaders and leader epochs,
// configs and the next producer id. It runs on hashicorp/raft, with a single
// voter on a one-node cluster, so that adding brokers adds voters and never
// changes how metadata is stored.
package controller
