package ha_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/goha/goha/core/ha"
)

func TestErrorCodes(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", ha.Errf(ha.CodeHABadToken, "x"))
	if !errors.Is(err, ha.ErrHABadToken) || errors.Is(err, ha.ErrHABadName) {
		t.Fatal("errors.Is on codes")
	}
	if ha.CodeOf(err) != ha.CodeHABadToken || ha.CodeOf(nil) != 0 || ha.CodeOf(errors.New("x")) != ha.CodeInternal {
		t.Fatal("CodeOf")
	}
	if got := ha.Errf(ha.CodeHABadVsn, "v9").Error(); got != "ha: remote HA node has incompatible version (52): v9" {
		t.Fatal(got)
	}
}
