// Command prebuild builds the MinIO server that package miniotest runs, when
// it is not in the cache yet, and prints the binary's path. `make minio`
// runs it so that tests never wait for the build. Set STRATA_MINIO_BIN to
// use another binary instead.
package main
