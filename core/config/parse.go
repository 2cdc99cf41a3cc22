package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/goha/goha/core/quorum"
)

func load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func parse(data []byte) (*Config, error) {
	return nil, fmt.Errorf("config: not implemented")
}

func (c *Config) validate() error { return nil }

// ParseATBNode parses an auto_tie_breaker_node value: "lowest", "highest",
// or one or more node ids separated by spaces.
func ParseATBNode(s string) (quorum.ATBMode, []uint32, error) {
	switch strings.TrimSpace(s) {
	case "lowest", "":
		return quorum.ATBLowest, nil, nil
	case "highest":
		return quorum.ATBHighest, nil, nil
	}
	var ids []uint32
	for _, f := range strings.Fields(s) {
		v, err := strconv.ParseUint(f, 10, 32)
		if err != nil || v == 0 {
			return quorum.ATBNone, nil, fmt.Errorf("%q: must be lowest, highest or node ids separated by spaces", s)
		}
		ids = append(ids, uint32(v))
	}
	return quorum.ATBList, ids, nil
}
