package codec

import "strconv"

// Compression identifies the algorithm that produced a body. Its value is
// the 2-bit compression field of token format v1 (see SPEC.md).
type Compression uint8

const (
	// None means the body is the payload itself.
	None Compression = 0
	// S2 is the S2 block format (github.com/klauspost/compress/s2), a
	// Snappy extension, optionally with a dictionary.
	S2 Compression = 1
	// Zstd is a single Zstandard frame (RFC 8878), optionally with a
	// dictionary.
	Zstd Compression = 2
)

// String returns "none", "s2" or "zstd".
func (c Compression) String() string {
	switch c {
	case None:
		return "none"
	case S2:
		return "s2"
	case Zstd:
		return "zstd"
	}
	return "Compression(" + strconv.Itoa(int(c)) + ")"
}

// Policy decides how Encode compresses a payload. Whatever the policy, a
// payload is stored compressed only when that makes it smaller.
type Policy uint8

const (
	// CompressAuto uses S2 for payloads shorter than Options.ZstdFrom and
	// Zstd from there on: S2 is several times faster on small sessions and
	// compresses them as well, Zstd is a quarter smaller on large ones, which
	// is what keeps a large session in one cookie. This is the default.
	CompressAuto Policy = iota
	// CompressOff never compresses. Use it when session data mixes secrets
	// with attacker-influenced values (see the package documentation).
	CompressOff
	// CompressS2 always tries S2.
	CompressS2
	// CompressZstd always tries Zstd.
	CompressZstd
)

// String returns "auto", "off", "s2" or "zstd".
func (p Policy) String() string {
	switch p {
	case CompressAuto:
		return "auto"
	case CompressOff:
		return "off"
	case CompressS2:
		return "s2"
	case CompressZstd:
		return "zstd"
	}
	return "Policy(" + strconv.Itoa(int(p)) + ")"
}
