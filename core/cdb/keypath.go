package cdb

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/goha/goha/core/store"
)

// ErrBadPath: a keypath that does not parse (confd_errno CONFD_ERR_BADPATH
// in the C API).
var ErrBadPath = errors.New("cdb: bad keypath")

// Elem is one element of a keypath: a name, and for a list entry its keys
// ("name{k1 k2}"). Keyed is set when the element had braces; in a
// subscription pattern a key "*" matches any key.
type Elem struct {
	Name  string
	Keys  []string
	Keyed bool
}

// Path is a parsed absolute keypath.
type Path []Elem

// Parse parses an absolute ConfD keypath, after printf expansion:
// "/a/b{k1 k2}/c". Keys are separated by blanks; a key may be
// double-quoted, with \" and \\ escapes, to hold blanks, braces, quotes
// or nothing; no key may contain '/' (store paths are split at every '/'). Positional indexes ("list[3]") and relative paths are not
// supported (ErrBadPath). A "prefix:" before a name is kept as part of the
// name (goha has no namespaces).
func Parse(s string) (Path, error) {
	bad := func(why string) (Path, error) {
		return nil, fmt.Errorf("%w: %q: %s", ErrBadPath, s, why)
	}
	switch {
	case len(s) > store.MaxPathLen:
		return bad(fmt.Sprintf("longer than %d bytes", store.MaxPathLen))
	case s == "" || s[0] != '/':
		return bad("not an absolute path (relative paths need cdb_cd, which goha does not have)")
	case strings.IndexByte(s, 0) >= 0:
		return bad("contains NUL")
	}
	var p Path
	i := 0
	for i < len(s) {
		if s[i] != '/' {
			return bad(fmt.Sprintf("expected / at byte %d", i))
		}
		i++
		j := i
		for j < len(s) && s[j] != '/' && s[j] != '{' && s[j] != '[' && s[j] != '}' && s[j] != '"' && s[j] != ' ' {
			j++
		}
		e := Elem{Name: s[i:j]}
		if e.Name == "" {
			return bad("empty element")
		}
		i = j
		if i < len(s) && s[i] == '[' {
			return bad("positional [n] indexes are not supported")
		}
		if i < len(s) && s[i] == '{' {
			keys, n, err := parseKeys(s[i+1:])
			if err != nil {
				return bad(err.Error())
			}
			e.Keys, e.Keyed = keys, true
			i += 1 + n
		}
		if i < len(s) && s[i] != '/' {
			return bad(fmt.Sprintf("unexpected %q at byte %d", s[i], i))
		}
		p = append(p, e)
	}
	if len(p) == 0 {
		return bad("no element")
	}
	return p, nil
}

// parseKeys reads "k1 "k 2"}" (after the '{') and returns the keys and the
// bytes consumed, the '}' included.
func parseKeys(s string) ([]string, int, error) {
	var keys []string
	i := 0
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			return nil, 0, errors.New("unterminated {")
		}
		if s[i] == '}' {
			if len(keys) == 0 {
				return nil, 0, errors.New("empty {}")
			}
			return keys, i + 1, nil
		}
		if s[i] == '"' {
			var b strings.Builder
			i++
			for {
				if i == len(s) {
					return nil, 0, errors.New("unterminated quoted key")
				}
				c := s[i]
				if c == '"' {
					i++
					break
				}
				if c == '\\' && i+1 < len(s) {
					i++
					c = s[i]
				}
				if c == '/' {
					return nil, 0, errors.New("a key cannot contain '/'")
				}
				b.WriteByte(c)
				i++
			}
			if i < len(s) && s[i] != ' ' && s[i] != '}' {
				return nil, 0, errors.New("text right after a quoted key")
			}
			keys = append(keys, b.String())
			continue
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '}' {
			switch s[j] {
			case '/':
				return nil, 0, errors.New("a key cannot contain '/'")
			case '{', '"':
				return nil, 0, fmt.Errorf("%q inside a key must be quoted", s[j])
			}
			j++
		}
		keys = append(keys, s[i:j])
		i = j
	}
}

// needsQuote reports whether a key must be quoted in canonical form.
func needsQuote(k string) bool {
	return k == "" || strings.ContainsAny(k, " {}\"\\")
}

// QuoteKey returns k as it appears in a canonical keypath.
func QuoteKey(k string) string {
	if !needsQuote(k) {
		return k
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(k); i++ {
		if k[i] == '"' || k[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(k[i])
	}
	b.WriteByte('"')
	return b.String()
}

// String returns the canonical form: keys separated by one blank, quoted
// only where needed. It is the config store path of the keypath.
func (p Path) String() string {
	var b strings.Builder
	for _, e := range p {
		b.WriteByte('/')
		b.WriteString(e.Name)
		if e.Keyed {
			b.WriteByte('{')
			for i, k := range e.Keys {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(QuoteKey(k))
			}
			b.WriteByte('}')
		}
	}
	return b.String()
}

// Canonical parses s and returns its canonical form, which must also be a
// valid store path.
func Canonical(s string) (string, error) {
	p, err := Parse(s)
	if err != nil {
		return "", err
	}
	c := p.String()
	if err := store.ValidatePath(c); err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadPath, s, err)
	}
	return c, nil
}

// Split parses a stored path leniently: as a keypath if it is one, else
// as plain '/'-separated names (a path written through goha_cdb_set need
// not follow the keypath syntax).
func Split(stored string) Path {
	if p, err := Parse(stored); err == nil {
		return p
	}
	var p Path
	for _, n := range strings.Split(strings.TrimPrefix(stored, "/"), "/") {
		p = append(p, Elem{Name: n})
	}
	return p
}

// elemMatches reports whether pattern element pe matches element e: same
// name, and either no keys in the pattern, or the same keys with "*"
// matching any one.
func elemMatches(pe, e Elem) bool {
	if pe.Name != e.Name {
		return false
	}
	if !pe.Keyed {
		return true
	}
	if len(pe.Keys) == 1 && pe.Keys[0] == "*" && e.Keyed {
		return true
	}
	if !e.Keyed || len(pe.Keys) != len(e.Keys) {
		return false
	}
	for i, k := range pe.Keys {
		if k != "*" && k != e.Keys[i] {
			return false
		}
	}
	return true
}

// Covers reports whether pattern pat covers path p: pat's elements match
// p's first elements (p is at or below the subscription point).
func (pat Path) Covers(p Path) bool {
	if len(p) < len(pat) {
		return false
	}
	for i, pe := range pat {
		if !elemMatches(pe, p[i]) {
			return false
		}
	}
	return true
}

// Above reports whether p is a proper ancestor of what pat names: p's
// elements match pat's first ones. Deleting such a node removes the
// subscribed data too.
func (pat Path) Above(p Path) bool {
	if len(p) >= len(pat) {
		return false
	}
	for i, e := range p {
		if !elemMatches(pat[i], e) {
			return false
		}
	}
	return true
}

// Tag is the 32-bit tag of an element name in hashed keypaths (the
// C_XMLTAG values of confd_hkeypath_t): FNV-1a of the name, with the top
// bit cleared as in ConfD's hashes. goha has no schema, so namespaces are
// 0 and tags are computed, not looked up.
func Tag(name string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return h.Sum32() &^ (1 << 31)
}
