package handler

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

// Deps are what the handlers serve from.
type Deps struct {
	// NodeID is this broker's id.
	NodeID int32
	// Cluster is the cluster metadata and the controller's commands.
	Cluster Cluster
	// Partitions are this broker's partitions.
	Partitions Partitions
	// Groups is the group coordinator.
	Groups Groups
	// Config is the static broker configuration, by Kafka config name,
	// already validated; dynamic overrides come from the cluster metadata.
	Config map[string]string
	// Logger receives the handlers' logs; nil discards them.
	Logger *slog.Logger
}

// Handler serves every API Strata implements. It implements wire.Handler.
type Handler struct {
	deps     Deps
	log      *slog.Logger
	versions wire.Versions
	state    state
}

// api is one registered API: its key, the versions it serves and its
// function.
type api struct {
	key        int16
	minVersion int16
	maxVersion int16
	serve      func(h *Handler, ctx context.Context, req *wire.Request) (kmsg.Response, error)
}

// apis holds the registered APIs; filled by the init functions of the API
// files, read-only afterwards.
var apis = map[int16]api{}

// register adds an API; an API file calls it from init.
func register(key, minVersion, maxVersion int16,
	serve func(h *Handler, ctx context.Context, req *wire.Request) (kmsg.Response, error)) {
	if _, dup := apis[key]; dup {
		panic(fmt.Sprintf("handler: %s registered twice", kmsg.NameForKey(key)))
	}
	apis[key] = api{key: key, minVersion: minVersion, maxVersion: maxVersion, serve: serve}
}

// New builds a Handler over deps.
func New(deps Deps) (*Handler, error) {
	if deps.Cluster == nil || deps.Partitions == nil || deps.Groups == nil {
		return nil, fmt.Errorf("handler: Cluster, Partitions and Groups are required")
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v, err := wire.NewVersions(apiKeys()...)
	if err != nil {
		return nil, fmt.Errorf("handler: %w", err)
	}
	h := &Handler{deps: deps, log: log, versions: v}
	h.state = newState(h)
	return h, nil
}

// apiKeys lists the registered ranges in key order.
func apiKeys() []kmsg.ApiVersionsResponseApiKey {
	keys := make([]kmsg.ApiVersionsResponseApiKey, 0, len(apis))
	for _, a := range apis {
		keys = append(keys, kmsg.ApiVersionsResponseApiKey{ApiKey: a.key, MinVersion: a.minVersion, MaxVersion: a.maxVersion})
	}
	slices.SortFunc(keys, func(a, b kmsg.ApiVersionsResponseApiKey) int { return int(a.ApiKey) - int(b.ApiKey) })
	return keys
}

// Versions is the ApiVersions table: exactly the registered APIs.
func (h *Handler) Versions() wire.Versions { return h.versions }

// Serve dispatches a request to its API. The wire layer has already checked
// that the key and version are in the table.
func (h *Handler) Serve(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	a, ok := apis[req.Key]
	if !ok {
		return nil, fmt.Errorf("%w: %s", wire.ErrUnsupported, kmsg.NameForKey(req.Key))
	}
	return a.serve(h, ctx, req)
}

// Close releases what the handlers hold (fetch sessions, timers).
func (h *Handler) Close() error { return h.state.close() }
