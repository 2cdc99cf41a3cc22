package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// TestErrorMapping pins the status code of every daemon reply code and
// connection error, per API family (errors.go).
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
		{&client.Error{Code: wire.CodeAuth}, 11, -92},
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
	for c := wire.CodeOK; c <= wire.CodeAuth; c++ {
		if _, ok := csCodes[c]; !ok {
			t.Errorf("csCodes lacks %v", c)
		}
		if _, ok := cmmCodes[c]; !ok {
			t.Errorf("cmmCodes lacks %v", c)
		}
	}
}

// TestConfdCodes: every config store and HA code has its confd_errno, and
// the ConfD family's errors map as include/confd_lib.h numbers them.
func TestConfdCodes(t *testing.T) {
	for _, c := range wire.Codes {
		if c >= wire.CodeNoValue {
			if _, ok := confdCodes[c]; !ok {
				t.Errorf("confdCodes lacks %v", c)
			}
		}
	}
	for _, tc := range []struct {
		code  wire.Code
		errno int
	}{
		{wire.CodeNoValue, 1}, {wire.CodeNotWritable, 4}, {wire.CodeBadValue, 5}, {wire.CodeBadPath, 8},
		{wire.CodeBadState, 17}, {wire.CodeUsage, 21}, {wire.CodeHAConnect, 25}, {wire.CodeHAClosed, 26},
		{wire.CodeHABadSchema, 27}, {wire.CodeHABadToken, 28}, {wire.CodeHABadName, 29}, {wire.CodeHABind, 30},
		{wire.CodeHANoTick, 31}, {wire.CodeHABadVersion, 52}, {wire.CodeHAAbort, 71},
		{wire.CodeInternal, 18}, {wire.Code(999), 18},
	} {
		if got := int(confdErrno(tc.code)); got != tc.errno {
			t.Errorf("confdErrno(%v) = %d, want %d", tc.code, got, tc.errno)
		}
		err := confdErrOf("op", &client.Error{Op: "op", Code: tc.code, Msg: "m"})
		if ce, ok := err.(*confdError); !ok || ce.code != tc.errno {
			t.Errorf("confdErrOf(%v) = %v", tc.code, err)
		}
	}
}
