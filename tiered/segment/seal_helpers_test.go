package segment

// waitSealed waits for the seals in progress, as Close does: every segment
// rolled before is then durable and listed by SealedSegments. No append
// may run meanwhile.
func (l *Log) waitSealed() { l.sealing.Wait() }
