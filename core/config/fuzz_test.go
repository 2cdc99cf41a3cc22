package config

import (
	"testing"
)

// FuzzParse: Parse never panics, and whatever it accepts validates again
// and has consistent lookups.
func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	f.Add([]byte("cluster_name = \"x\"\nauthkey = \"k\"\n[[node]]\nid = 1\nname = \"a\"\naddr = \"h:1\"\nha_addr = \"h:2\"\nipc = \"unix:/s\"\n"))
	f.Add([]byte("[[node]]\nid = -1\n[quorum]\nauto_tie_breaker = true\nauto_tie_breaker_node = \"1 1\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatal("config returned with an error")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted config fails Validate: %v", err)
		}
		for i := range c.Nodes {
			n := &c.Nodes[i]
			if m, ok := c.NodeByID(n.ID); !ok || m != n {
				t.Fatalf("NodeByID(%d)", n.ID)
			}
			if m, ok := c.NodeByName(n.Name); !ok || m != n {
				t.Fatalf("NodeByName(%q)", n.Name)
			}
		}
		if _, _, err := c.Quorum.ATB(); err != nil {
			t.Fatalf("accepted config has a bad tie-breaker: %v", err)
		}
	})
}
