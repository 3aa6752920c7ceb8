package handler

// state is the handlers' own mutable state, shared across connections,
// such as the fetch session cache. Each area adds its part here.
type state struct {
	fetchSessions *fetchSessionCache
	// configWrites serializes the read-modify-write of topic and broker
	// configs (AlterConfigs, IncrementalAlterConfigs): a one-slot
	// semaphore, so that waiting for it honours the request's context.
	configWrites chan struct{}
	// producerIDs is the block of producer ids InitProducerId hands out.
	producerIDs *producerIDBlock
}

// newState builds the state for h.
func newState(h *Handler) state {
	return state{
		fetchSessions: newFetchSessionCache(fetchSessionConfigFrom(h.deps.Config, h.log)),
		configWrites:  make(chan struct{}, 1),
		producerIDs:   newProducerIDBlock(),
	}
}

// close releases the state.
func (s *state) close() error {
	s.fetchSessions.close()
	return nil
}
