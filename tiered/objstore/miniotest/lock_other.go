//go:build !unix

package miniotest

import "errors"

func lockFile(string) (func(), error) {
	return nil, errors.New("miniotest: file locks are not supported on this platform")
}
