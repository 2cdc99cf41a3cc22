// Package version holds goha's version, the one number shared by gohad,
// gohactl, libgoha (goha_version(), the SONAME major) and the Python package.
//
// The source of truth is the file VERSION at the top of the repository. The
// Makefile passes it to every Go build with
//
//	-ldflags "-X github.com/goha/goha/core/version.version=$(VERSION)"
//
// so the binaries report exactly that file; the Python package and the
// GOHA_VERSION_* macros of include/goha.h are checked against it by a test
// (core/version/version_test.go). A plain `go build` without the Makefile
// reports Dev.
package version

import (
	"fmt"
	"strconv"
	"strings"
)

// Dev is reported by binaries built without the Makefile's -ldflags.
const Dev = "0.0.0-dev"

// version is set by the linker (-X); empty in a plain go build.
var version string

// String returns the version, "MAJOR.MINOR.PATCH" (Dev when not stamped).
func String() string {
	if version == "" {
		return Dev
	}
	return version
}

// Parts returns the numeric major, minor and patch of String; a
// pre-release suffix after the patch ("1.2.3-rc1") is ignored.
func Parts() (major, minor, patch int, err error) {
	return Parse(String())
}

// Parse splits "MAJOR.MINOR.PATCH[-suffix]" into its numbers.
func Parse(v string) (major, minor, patch int, err error) {
	core, _, _ := strings.Cut(strings.TrimSpace(v), "-")
	f := strings.Split(core, ".")
	if len(f) != 3 {
		return 0, 0, 0, fmt.Errorf("version %q: want MAJOR.MINOR.PATCH", v)
	}
	var n [3]int
	for i, s := range f {
		if n[i], err = strconv.Atoi(s); err != nil || n[i] < 0 {
			return 0, 0, 0, fmt.Errorf("version %q: want MAJOR.MINOR.PATCH", v)
		}
	}
	return n[0], n[1], n[2], nil
}

// Line is what `PROGRAM --version` prints: "PROGRAM VERSION".
func Line(program string) string { return program + " " + String() }
