package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

const (
	// DefaultMaxDecoded is the default cap on a decoded payload, in bytes.
	DefaultMaxDecoded = 64 << 10
	// MaxMaxDecoded is the largest cap Options.MaxDecoded accepts, in bytes.
	MaxMaxDecoded = 16 << 20
	// MinMaxDecoded is the smallest cap Options.MaxDecoded accepts, in bytes.
	MinMaxDecoded = 1 << 10
	// DefaultMinSize is the default size below which payloads are not
	// compressed, in bytes. Under it the few dozen bytes compression saves
	// do not pay for its CPU: on a ~150-byte session, S2 with the built-in
	// dictionary saves about 55 cookie characters but makes a create and
	// read about a quarter slower (6.2 µs against 4.9 µs in the bench
	// module's BenchmarkComposition, measured with the earlier default of
	// 32). Set Options.MinSize lower when every byte of the cookie counts.
	DefaultMinSize = 256
	// DefaultZstdFrom is the default payload size, in bytes, from which
	// CompressAuto uses Zstd instead of S2.
	DefaultZstdFrom = 2 << 10
	// MaxPadTo is the largest padding bucket, in bytes.
	MaxPadTo = 4096

	zstdLevel = zstd.SpeedFastest // measured: no larger than SpeedDefault with a dictionary, 2x faster
)

// Options configure a Codec. The zero value is the recommended setting:
// CompressAuto with the built-in dictionary, no padding, a 64 KiB cap.
type Options struct {
	// Compress chooses the algorithm. Default CompressAuto.
	Compress Policy

	// ZstdFrom is the payload size in bytes from which CompressAuto uses
	// Zstd. Default DefaultZstdFrom (2 KiB).
	ZstdFrom int

	// MinSize is the payload size in bytes below which Encode does not try
	// to compress. Default DefaultMinSize (256). Before crumb 0.2 the
	// default was 32: set 32 to keep small cookies as small as they were.
	MinSize int

	// Dictionary is the dictionary to compress with. Default
	// DefaultDictionary().
	Dictionary *Dictionary

	// NoDictionary compresses without a dictionary. Dictionaries stay
	// readable.
	NoDictionary bool

	// Dictionaries are further dictionaries Decode accepts: keep the ones
	// earlier deployments compressed with, so their tokens stay readable.
	// The built-in dictionary and Dictionary are always accepted.
	Dictionaries []*Dictionary

	// PadTo, when not 0, pads every body so that the plaintext (everything
	// passed as dst to Encode plus the body) is a multiple of PadTo bytes,
	// hiding the exact length in size buckets. 16 to MaxPadTo. Default 0 (off).
	PadTo int

	// MaxDecoded caps a decoded payload, in bytes. Decode refuses larger
	// bodies before allocating. MinMaxDecoded to MaxMaxDecoded. Default
	// DefaultMaxDecoded (64 KiB).
	MaxDecoded int
}

// Format records how Encode stored a payload. Token format v1 carries it in
// the flags byte of the claims.
type Format struct {
	// Compression is the algorithm the body was compressed with, or None.
	Compression Compression
	// Padded is true when the plaintext ends with padding (SPEC.md §5.4).
	Padded bool
}

// A Codec turns payloads into token bodies and back: compression when it
// pays, padding, and decompression bounded by a hard cap. It holds no keys
// and reads no clock. A Codec is immutable and safe for concurrent use.
//
// Build one Codec and share it: each holds Zstandard encoder and decoder
// state (several MiB once used, mostly dictionary tables).
type Codec struct {
	policy     Policy
	zstdFrom   int
	minSize    int
	write      *Dictionary // nil: compress without a dictionary
	dicts      map[uint32]*Dictionary
	padTo      int
	maxDecoded int
	zenc       *zstd.Encoder
	zdec       *zstd.Decoder
}

// New returns a Codec for the options, or an error wrapping ErrBadOptions or
// ErrBadDictionary.
func New(o Options) (*Codec, error) {
	c := &Codec{
		policy:     o.Compress,
		zstdFrom:   o.ZstdFrom,
		minSize:    o.MinSize,
		padTo:      o.PadTo,
		maxDecoded: o.MaxDecoded,
		dicts:      map[uint32]*Dictionary{},
	}
	if c.zstdFrom == 0 {
		c.zstdFrom = DefaultZstdFrom
	}
	if c.minSize == 0 {
		c.minSize = DefaultMinSize
	}
	if c.maxDecoded == 0 {
		c.maxDecoded = DefaultMaxDecoded
	}
	switch {
	case c.policy > CompressZstd:
		return nil, fmt.Errorf("%w: unknown compression policy %v", ErrBadOptions, c.policy)
	case c.zstdFrom < 0 || c.minSize < 0:
		return nil, fmt.Errorf("%w: ZstdFrom and MinSize must not be negative", ErrBadOptions)
	case c.padTo != 0 && (c.padTo < 16 || c.padTo > MaxPadTo):
		return nil, fmt.Errorf("%w: PadTo %d out of range 16 to %d", ErrBadOptions, c.padTo, MaxPadTo)
	case c.maxDecoded < MinMaxDecoded || c.maxDecoded > MaxMaxDecoded:
		return nil, fmt.Errorf("%w: MaxDecoded %d out of range %d to %d", ErrBadOptions, c.maxDecoded, MinMaxDecoded, MaxMaxDecoded)
	case o.NoDictionary && o.Dictionary != nil:
		return nil, fmt.Errorf("%w: Dictionary and NoDictionary both set", ErrBadOptions)
	}

	def := DefaultDictionary()
	c.write = def
	if o.Dictionary != nil {
		c.write = o.Dictionary
	}
	if o.NoDictionary {
		c.write = nil
	}
	for _, d := range append([]*Dictionary{def, c.write}, o.Dictionaries...) {
		if d == nil {
			continue
		}
		if d.id < FirstCustomDictionaryID && d != def {
			return nil, fmt.Errorf("%w: dictionary ID %d is reserved for crumb's built-in dictionaries", ErrBadDictionary, d.id)
		}
		if prev, ok := c.dicts[d.id]; ok && !bytes.Equal(prev.zstd, d.zstd) {
			return nil, fmt.Errorf("%w: two different dictionaries with ID %d", ErrBadDictionary, d.id)
		}
		c.dicts[d.id] = d
	}

	eopts := []zstd.EOption{
		zstd.WithEncoderLevel(zstdLevel),
		zstd.WithEncoderCRC(false), // the AEAD tag already authenticates every byte
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)),
		zstd.WithSingleSegment(true), // always declare the content size (SPEC.md requires it)
	}
	if c.write != nil {
		eopts = append(eopts, zstd.WithEncoderDict(c.write.zstd))
	}
	var err error
	if c.zenc, err = zstd.NewWriter(nil, eopts...); err != nil {
		return nil, fmt.Errorf("%w: zstd encoder: %v", ErrBadOptions, err)
	}
	zdicts := make([][]byte, 0, len(c.dicts))
	for _, d := range c.dicts {
		zdicts = append(zdicts, d.zstd)
	}
	window := uint64(zstd.MinWindowSize)
	for window < uint64(c.maxDecoded) {
		window <<= 1
	}
	c.zdec, err = zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(uint64(c.maxDecoded)),
		zstd.WithDecoderMaxWindow(window),
		zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderDicts(zdicts...),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: zstd decoder: %v", ErrBadOptions, err)
	}
	return c, nil
}

// MaxDecoded returns the cap on a decoded payload in bytes.
func (c *Codec) MaxDecoded() int { return c.maxDecoded }

// MaxEncodedLen returns an upper bound on the number of bytes Encode appends
// for a payload of n bytes, so callers can size one buffer for the whole
// token.
func (c *Codec) MaxEncodedLen(n int) int {
	m := n
	if c.policy != CompressOff && n >= c.minSize {
		// A compressed attempt is written before it is known to pay.
		m = binary.MaxVarintLen32 + max(s2.MaxEncodedLen(n), n+n>>7+64)
	}
	return m + c.padTo
}

// algorithm returns the algorithm to try for a payload of n bytes.
func (c *Codec) algorithm(n int) Compression {
	if n < c.minSize {
		return None
	}
	switch c.policy {
	case CompressS2:
		return S2
	case CompressZstd:
		return Zstd
	case CompressAuto:
		if n >= c.zstdFrom {
			return Zstd
		}
		return S2
	}
	return None
}

// Encode appends the body for payload to dst and returns the extended slice
// and how the payload was stored. A compressed body is the dictionary ID (an
// unsigned LEB128 varint, 0 for none) followed by the compressed data; it is
// used only when it is shorter than the payload. With PadTo set, padding
// makes len of the returned slice a multiple of PadTo: pass the plaintext
// built so far as dst.
func (c *Codec) Encode(dst, payload []byte) ([]byte, Format) {
	var f Format
	if alg := c.algorithm(len(payload)); alg != None {
		mark := len(dst)
		var id uint32
		if c.write != nil {
			id = c.write.id
		}
		dst = binary.AppendUvarint(dst, uint64(id))
		pays := true
		switch {
		case alg == S2 && c.write != nil && len(payload) <= s2OwnUpTo:
			if out := appendS2Dict(dst, payload, c.write); out != nil {
				dst = out
			} else {
				pays = false // the block would not be shorter than the payload
			}
		case alg == S2:
			dst = c.appendS2(dst, payload)
		case alg == Zstd:
			dst = c.zenc.EncodeAll(payload, dst)
		}
		if pays && len(dst)-mark < len(payload) {
			f.Compression = alg
		} else {
			dst = dst[:mark]
		}
	}
	if f.Compression == None {
		dst = append(dst, payload...)
	}
	if c.padTo > 0 {
		dst = pad(dst, c.padTo)
		f.Padded = true
	}
	return dst, f
}

// appendS2 appends the S2 block for src to dst. S2 writes from the start of
// the slice it is given, so it gets dst's spare capacity.
func (c *Codec) appendS2(dst, src []byte) []byte {
	dst = slices.Grow(dst, s2.MaxEncodedLen(len(src)))
	var out []byte
	if c.write != nil {
		out = c.write.s2.Encode(dst[len(dst):cap(dst)], src)
	} else {
		out = s2.Encode(dst[len(dst):cap(dst)], src)
	}
	return dst[:len(dst)+len(out)]
}

// Decode returns the payload of body, stored as f says. An uncompressed
// payload is returned as a subslice of body; a compressed one is appended to
// dst. Errors: ErrCorrupt, ErrTooLarge (the declared size exceeds the cap;
// nothing is allocated for it), ErrUnknownDictionary.
func (c *Codec) Decode(dst, body []byte, f Format) ([]byte, error) {
	if f.Padded {
		var ok bool
		if body, ok = unpad(body); !ok {
			return nil, fmt.Errorf("%w: bad padding", ErrCorrupt)
		}
	}
	switch f.Compression {
	case None:
		if len(body) > c.maxDecoded {
			return nil, ErrTooLarge
		}
		return body, nil
	case S2, Zstd:
	default:
		return nil, fmt.Errorf("%w: unknown compression %v", ErrCorrupt, f.Compression)
	}
	id, n := binary.Uvarint(body)
	if n <= 0 || n != uvarintLen(id) || id > 1<<32-1 {
		return nil, fmt.Errorf("%w: bad dictionary ID", ErrCorrupt)
	}
	var d *Dictionary
	if id != 0 {
		if d = c.dicts[uint32(id)]; d == nil {
			return nil, ErrUnknownDictionary
		}
	}
	data := body[n:]
	if f.Compression == S2 {
		return c.decodeS2(dst, data, d, len(body))
	}
	return c.decodeZstd(dst, data, uint32(id), len(body))
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
