package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// TestErrorMapping pins the status code of every daemon reply code and
// connection error, per API family, to the table in core/client's doc.
func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		err     error
		cs, cmm int
	}{
		{nil, 1, 0},
		{fmt.Errorf("x: %w", client.ErrDaemonGone), 2, -88},
		{fmt.Errorf("x: %w", client.ErrTimeout), 5, -87},
		{client.ErrClosed, 9, -100},
		{client.ErrEventOverflow, 2, -100},
		{fmt.Errorf("x: %w", client.ErrProtocol), 2, -93},
		{&client.Error{Code: wire.CodeInvalid}, 7, -96},
		{&client.Error{Code: wire.CodeNotExist}, 12, -90},
		{&client.Error{Code: wire.CodeExist}, 14, -97},
		{&client.Error{Code: wire.CodeNameNotFound}, 17, -90},
		{&client.Error{Code: wire.CodeAccess}, 11, -92},
		{&client.Error{Code: wire.CodeTryAgain}, 6, -99},
		{&client.Error{Code: wire.CodeRingMismatch}, 22, -96},
		{&client.Error{Code: wire.CodePerm}, 11, -92},
		{&client.Error{Code: wire.CodeCanceled}, 21, -98},
		{&client.Error{Code: wire.CodeNoCluster}, 6, -89},
		{&client.Error{Code: wire.CodeNotMember}, 12, -90},
		{&client.Error{Code: wire.CodeNotSupported}, 19, -93},
		{&client.Error{Code: wire.CodeUnknownOp}, 3, -93},
		{&client.Error{Code: wire.CodeVersion}, 3, -93},
		{&client.Error{Code: wire.CodeBadRequest}, 7, -96},
		{&client.Error{Code: wire.CodeInternal}, 2, -93},
		{&client.Error{Code: wire.CodeShutdown}, 2, -88},
		{&client.Error{Code: wire.Code(999)}, 2, -93}, // a code from a newer daemon
		{fmt.Errorf("node 3: %w", &client.Error{Code: wire.CodeNotExist}), 12, -90},
		{errors.New("anything else"), 2, -93},
	} {
		if got := int(errorToCS(tc.err)); got != tc.cs {
			t.Errorf("errorToCS(%v) = %d, want %d", tc.err, got, tc.cs)
		}
		if got := int(errorToCMM(tc.err)); got != tc.cmm {
			t.Errorf("errorToCMM(%v) = %d, want %d", tc.err, got, tc.cmm)
		}
	}
}

// TestEveryCodeMapped: a reply code added to core/wire must get an entry
// in both tables.
func TestEveryCodeMapped(t *testing.T) {
	for c := wire.CodeOK; c <= wire.CodeNotMember; c++ {
		if _, ok := csCodes[c]; !ok {
			t.Errorf("csCodes lacks %v", c)
		}
		if _, ok := cmmCodes[c]; !ok {
			t.Errorf("cmmCodes lacks %v", c)
		}
	}
}
