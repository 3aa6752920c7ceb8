// Package sendfile sends a range of a file to a socket with sendfile(2),
// at an explicit offset, so that concurrent readers of one file never share
// a cursor. Where the system has no sendfile the caller copies.
package sendfile
