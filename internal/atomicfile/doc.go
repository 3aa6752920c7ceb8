// Package atomicfile replaces small state files whole or not at all: the
// data goes to "<path>.tmp", which is fsynced and renamed over the path,
// and the directory is fsynced so that the rename survives a crash. A
// reader therefore sees the old file or the new one, never a part. A
// crash may leave the ".tmp" file behind; its owner removes such files
// when it next opens the directory.
package atomicfile
