package broker

import (
	"encoding/json"
	"net/http"
)

// adminRoutes are the broker's status pages on the admin server.
func (b *Broker) adminRoutes() map[string]http.Handler {
	return map[string]http.Handler{"GET /v1/tiers": http.HandlerFunc(b.serveTiers)}
}

// serveTiers answers GET /v1/tiers: every partition's two tiers as JSON
// (see PartitionTiers), for `strata tier status`.
func (b *Broker) serveTiers(w http.ResponseWriter, _ *http.Request) {
	if err := b.ready.check(); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(struct {
		NodeID     int32            `json:"node_id"`
		Partitions []PartitionTiers `json:"partitions"`
	}{b.cfg.NodeID, b.Tiers()})
}
