package objstore_test

import (
	"testing"

	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/objstore/objstoretest"
)

func TestMemAcceptance(t *testing.T) {
	objstoretest.AcceptanceTest(t, func(t *testing.T) objstore.Bucket { return objstore.NewMem() })
}
