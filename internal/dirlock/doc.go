// Package dirlock owns the lock that keeps two processes off one data
// directory: a broker holds it from start to close, so a second broker
// started on the same --data-dir fails at once with ErrLocked instead of
// writing the same logs and checkpoints as the first.
//
// On disk it is one empty file, <dir>/.lock, locked with flock(2)
// (exclusive, not blocking). The kernel drops the lock when its holder
// exits, however it exits, so a crashed broker leaves nothing to clean up;
// the file itself stays. On systems without flock the lock is advisory
// only in name: Acquire always succeeds.
package dirlock
