package wire

import (
	"strings"
	"testing"
)

func TestConfdCodes(t *testing.T) {
	for _, errno := range []int{1, 4, 8, 21, 25, 28, 29, 31, 52, 71} {
		c := ConfdCode(errno)
		got, ok := ConfdErrno(c)
		if !ok || got != errno {
			t.Errorf("ConfdErrno(ConfdCode(%d)) = %d, %v", errno, got, ok)
		}
		if !strings.Contains(c.String(), "confd_errno") {
			t.Errorf("code %d reads %q", c, c)
		}
	}
	for _, c := range []Code{CodeOK, CodeInternal, CodeNotMember, CodeConfdBase, CodeConfdBase + 1000} {
		if _, ok := ConfdErrno(c); ok {
			t.Errorf("code %d carries no confd_errno", c)
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
