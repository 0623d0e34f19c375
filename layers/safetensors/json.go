package safetensors

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is the deepest nesting of arrays and objects that Read accepts
// in a header (encoding/json's limit).
const maxDepth = 10000

// hexEscape returns the code unit of the \uXXXX escape at h[i:], if there
// is one.
func hexEscape(h []byte, i int) (rune, bool) {
	if i+6 > len(h) || h[i] != '\\' || h[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range h[i+2 : i+6] {
		d, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | d
	}
	return r, true
}

// hexDigit returns the value of the hexadecimal digit c.
func hexDigit(c byte) (rune, bool) {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0'), true
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10), true
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10), true
	}
	return 0, false
}

// scanner reads the header's JSON in one pass, byte by byte, for the
// fixed shape of a header: an object of entries and metadata. It accepts
// RFC 8259 JSON (parseHeader has checked that the bytes are UTF-8 without
// unpaired surrogate escapes), sees duplicate keys, which decoding into a
// map would silently merge, and allocates only what the File keeps (names,
// shapes and metadata strings) and the unknown keys of the entry it reads:
// values it skips and the numbers it parses cost nothing.
type scanner struct {
	h   []byte
	pos int
	buf []byte // the unescaped bytes of the last string that had escapes

	open    []byte // skip's stack
	members int    // the keys of the last object skip read

	nums [MaxDims]uint64 // the numbers of the last array read by uints

	// others holds the keys of the current entry other than the three of
	// the format (to refuse duplicates), otherList the same keys, to clear
	// it for the next entry.
	others    map[string]bool
	otherList []string
}

// peek returns the byte at the scanner's position, or 0 at the end.
func (s *scanner) peek() byte {
	if s.pos < len(s.h) {
		return s.h[s.pos]
	}
	return 0
}

// space skips JSON whitespace.
func (s *scanner) space() {
	for s.pos < len(s.h) {
		switch s.h[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// fail returns the *FormatError of a syntax error at the scanner's
// position: the character found there and what was expected (context, in
// encoding/json's words), or the end of the header.
func (s *scanner) fail(context string) error {
	if s.pos >= len(s.h) {
		return formatErr("", "the header is not valid JSON: it ends too early")
	}
	r, _ := utf8.DecodeRune(s.h[s.pos:])
	return formatErr("", "the header is not valid JSON: invalid character %s %s (byte %d of the header)", strconv.QuoteRune(r), context, s.pos)
}

// object reads the JSON object at the scanner's position, calling field
// with each key (unescaped, valid until the next string is read) and the
// scanner on the key's value, which field must read. A value that is not
// an object is refused as what (of tensor name) must be one.
func (s *scanner) object(name, what string, field func(key []byte) error) error {
	if s.peek() != '{' {
		return s.mismatch(name, what, "object")
	}
	s.pos++
	s.space()
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		key, err := s.key()
		if err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		s.space()
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.fail("after object key:value pair")
		}
	}
}

// key reads an object's key and the colon after it, and returns the key
// unescaped, valid until the next string is read. It leaves the scanner on
// the value.
func (s *scanner) key() ([]byte, error) {
	s.space()
	if s.peek() != '"' {
		return nil, s.fail("looking for beginning of object key string")
	}
	key, err := s.str()
	if err != nil {
		return nil, err
	}
	s.space()
	if s.peek() != ':' {
		return nil, s.fail("after object key")
	}
	s.pos++
	s.space()
	return key, nil
}

// mismatch refuses the value at the scanner's position, which is not of
// the kind what (of tensor name) must be, or returns the syntax error in
// its first token.
func (s *scanner) mismatch(name, what, kind string) error {
	desc, err := s.describe()
	if err != nil {
		return err
	}
	return formatErr(name, "%s must be a JSON %s, not %s", what, kind, desc)
}

// describe names the value at the scanner's position for an error message,
// reading its first token, or returns the syntax error in that token.
func (s *scanner) describe() (string, error) {
	switch c := s.peek(); {
	case c == '{':
		return "an object", nil
	case c == '[':
		return "an array", nil
	case c == '"':
		b, err := s.str()
		return "the string " + strconv.Quote(string(b)), err
	case c == 't':
		return "true", s.literal("true")
	case c == 'f':
		return "false", s.literal("false")
	case c == 'n':
		return "null", s.literal("null")
	case c == '-' || isDigit(c):
		b, err := s.number()
		return "the number " + string(b), err
	}
	return "", s.fail("looking for beginning of value")
}

// str reads the string at the scanner's position (its opening quote) and
// returns its bytes unescaped: a part of the header when it holds no
// escape, else of s.buf, valid until the next call.
func (s *scanner) str() ([]byte, error) {
	s.pos++ // the opening quote
	start := s.pos
	for s.pos < len(s.h) {
		switch c := s.h[s.pos]; {
		case c == '"':
			s.pos++
			return s.h[start : s.pos-1], nil
		case c == '\\':
			s.buf = append(s.buf[:0], s.h[start:s.pos]...)
			return s.escaped()
		case c < 0x20:
			return nil, s.fail("in string literal")
		}
		s.pos++
	}
	return nil, s.fail("")
}

// escaped reads the rest of a string from its first escape on, appending
// the unescaped bytes to s.buf, and returns s.buf.
func (s *scanner) escaped() ([]byte, error) {
	for s.pos < len(s.h) {
		c := s.h[s.pos]
		switch {
		case c == '"':
			s.pos++
			return s.buf, nil
		case c < 0x20:
			return nil, s.fail("in string literal")
		case c != '\\':
			s.buf = append(s.buf, c)
			s.pos++
			continue
		}
		s.pos++ // the backslash
		switch c := s.peek(); c {
		case '"', '\\', '/':
			s.buf = append(s.buf, c)
		case 'b':
			s.buf = append(s.buf, '\b')
		case 'f':
			s.buf = append(s.buf, '\f')
		case 'n':
			s.buf = append(s.buf, '\n')
		case 'r':
			s.buf = append(s.buf, '\r')
		case 't':
			s.buf = append(s.buf, '\t')
		case 'u':
			r, err := s.hex4()
			if err != nil {
				return nil, err
			}
			if utf16.IsSurrogate(r) {
				// checkSurrogates has seen the other half follow; a
				// decoder that did not get that far gives U+FFFD.
				lo, ok := hexEscape(s.h, s.pos)
				if ok {
					s.pos += 6
				}
				r = utf16.DecodeRune(r, lo)
			}
			s.buf = utf8.AppendRune(s.buf, r)
			continue
		default:
			return nil, s.fail("in string escape code")
		}
		s.pos++
	}
	return nil, s.fail("")
}

// hex4 reads the four hexadecimal digits of a \u escape, with the
// scanner on the u, and leaves it after them.
func (s *scanner) hex4() (rune, error) {
	var r rune
	for range 4 {
		s.pos++
		d, ok := hexDigit(s.peek())
		if !ok {
			return 0, s.fail("in \\u hexadecimal character escape")
		}
		r = r<<4 | d
	}
	s.pos++
	return r, nil
}

// isDigit reports whether c is a decimal digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// digits skips decimal digits.
func (s *scanner) digits() {
	for isDigit(s.peek()) {
		s.pos++
	}
}

// number reads the JSON number at the scanner's position and returns its
// text.
func (s *scanner) number() ([]byte, error) {
	start := s.pos
	if s.peek() == '-' {
		s.pos++
	}
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case isDigit(c):
		s.digits()
	default:
		return nil, s.fail("in numeric literal")
	}
	if s.peek() == '.' {
		s.pos++
		if !isDigit(s.peek()) {
			return nil, s.fail("after decimal point in numeric literal")
		}
		s.digits()
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.pos++
		if c := s.peek(); c == '+' || c == '-' {
			s.pos++
		}
		if !isDigit(s.peek()) {
			return nil, s.fail("in exponent of numeric literal")
		}
		s.digits()
	}
	return s.h[start:s.pos], nil
}

// literal reads the literal word (true, false or null).
func (s *scanner) literal(word string) error {
	for i := range len(word) {
		if s.peek() != word[i] {
			return s.fail("in literal " + word)
		}
		s.pos++
	}
	return nil
}

// skip reads past the value at the scanner's position, of any kind and
// depth, keeping nothing, and counts in s.members the keys of the value
// when it is an object. It walks nested arrays and objects with a stack of
// their closing delimiters, not by recursion.
func (s *scanner) skip() error {
	s.open = s.open[:0] // the closing delimiters of the arrays and objects open
	s.members = 0
	for {
		s.space()
		switch c := s.peek(); {
		case c == '{' || c == '[':
			if len(s.open) == maxDepth {
				return formatErr("", "the header is not valid JSON: arrays and objects nest more than %d deep (byte %d of the header)", maxDepth, s.pos)
			}
			end := byte(']')
			if c == '{' {
				end = '}'
			}
			s.pos++
			s.space()
			if s.peek() == end {
				s.pos++
				break // an empty array or object: a whole value
			}
			s.open = append(s.open, end)
			if c == '{' {
				if err := s.skipKey(); err != nil {
					return err
				}
			}
			continue // to its first value
		case c == '"':
			if _, err := s.str(); err != nil {
				return err
			}
		case c == 't':
			if err := s.literal("true"); err != nil {
				return err
			}
		case c == 'f':
			if err := s.literal("false"); err != nil {
				return err
			}
		case c == 'n':
			if err := s.literal("null"); err != nil {
				return err
			}
		case c == '-' || isDigit(c):
			if _, err := s.number(); err != nil {
				return err
			}
		default:
			return s.fail("looking for beginning of value")
		}
		// After a whole value: close the arrays and objects that end here,
		// then go on to the next value of the innermost one left.
		for {
			if len(s.open) == 0 {
				return nil
			}
			s.space()
			end := s.open[len(s.open)-1]
			if c := s.peek(); c == end {
				s.pos++
				s.open = s.open[:len(s.open)-1]
				continue
			} else if c != ',' {
				if end == '}' {
					return s.fail("after object key:value pair")
				}
				return s.fail("after array element")
			}
			s.pos++
			if end == '}' {
				if err := s.skipKey(); err != nil {
					return err
				}
			}
			break
		}
	}
}

// skipKey reads a key within skip, counting it in s.members when it is
// one of the outermost object's.
func (s *scanner) skipKey() error {
	if len(s.open) == 1 {
		s.members++
	}
	_, err := s.key()
	return err
}

// countMembers checks the syntax of the object at the scanner's position
// and returns its number of keys, leaving the scanner where it was, so
// that what holds the object's members can be made of the right size at
// once.
func (s *scanner) countMembers() (int, error) {
	pos := s.pos
	err := s.skip()
	s.pos = pos
	return s.members, err
}
