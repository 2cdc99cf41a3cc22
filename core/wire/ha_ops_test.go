package wire

import (
	"strings"
	"testing"
)

func TestCodes(t *testing.T) {
	seen := map[Code]bool{}
	for _, c := range Codes {
		if seen[c] {
			t.Errorf("code %d listed twice", c)
		}
		seen[c] = true
		if strings.HasPrefix(c.String(), "code ") {
			t.Errorf("code %d has no name", c)
		}
	}
	// The body types survive the codec.
	b, err := EncodeBody(&HAStatus{Name: "n1", State: 3, Nodes: []HANode{{Name: "n2", Addr: "127.0.0.1:1"}}})
	if err != nil {
		t.Fatal(err)
	}
	var st HAStatus
	if err := DecodeBody(b, &st); err != nil || st.State != 3 || len(st.Nodes) != 1 || st.Nodes[0].Name != "n2" {
		t.Fatalf("%+v %v", st, err)
	}
}
