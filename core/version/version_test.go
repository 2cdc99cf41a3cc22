package version

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestOneVersion checks that everything that states goha's version by hand
// agrees with the VERSION file (the binaries and the library take it from
// the Makefile; see the package doc).
func TestOneVersion(t *testing.T) {
	b, err := os.ReadFile("../../VERSION")
	if err != nil {
		t.Fatal(err)
	}
	v := strings.TrimSpace(string(b))
	major, minor, patch, err := Parse(v)
	if err != nil {
		t.Fatalf("VERSION: %v", err)
	}
	h, err := os.ReadFile("../../include/goha.h")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"MAJOR": major, "MINOR": minor, "PATCH": patch} {
		m := regexp.MustCompile(`#define GOHA_VERSION_` + name + ` (\d+)`).FindSubmatch(h)
		if m == nil || string(m[1]) != strconv.Itoa(want) {
			t.Errorf("include/goha.h GOHA_VERSION_%s = %s, VERSION says %d", name, m, want)
		}
	}
	py, err := os.ReadFile("../../python/pyproject.toml")
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)^version\s*=`).Match(py) || !strings.Contains(string(py), `dynamic = ["version"]`) {
		t.Error(`python/pyproject.toml must take its version from VERSION (dynamic = ["version"]), not state one`)
	}
	if d := Dev; !strings.HasPrefix(d, "0.0.0") {
		t.Errorf("Dev = %q", d)
	}
	if _, _, _, err := Parse("1.2"); err == nil {
		t.Error("Parse accepted 1.2")
	}
	if a, b, c, err := Parse("2.3.4-rc1"); err != nil || a != 2 || b != 3 || c != 4 {
		t.Errorf("Parse(2.3.4-rc1) = %d %d %d %v", a, b, c, err)
	}
}
