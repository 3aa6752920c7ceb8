// Package broker is Strata's composition root: it reads the broker
// configuration, opens the partition logs, starts the listeners, the group
// coordinator, the controller and the retention manager, sets up telemetry,
// and shuts all of them down in order. Nothing imports it but cmd/strata.
//
// The single-node broker is built by its own issue; this package holds only
// its documentation until then.
package broker
