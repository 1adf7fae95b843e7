package codec

import (
	"fmt"
	"slices"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// checkDecodedLen enforces the two rules on a declared payload size: at most
// the cap, and longer than the compressed body it came from (a body is
// compressed only when that pays, so anything else is not canonical).
func (c *Codec) checkDecodedLen(n uint64, bodyLen int) error {
	if n > uint64(c.maxDecoded) {
		return ErrTooLarge
	}
	if n <= uint64(bodyLen) {
		return fmt.Errorf("%w: compressed body not smaller than its payload", ErrCorrupt)
	}
	return nil
}

// decodeS2 decodes an S2 block after checking its declared length, so a bomb
// costs no allocation.
func (c *Codec) decodeS2(dst, data []byte, d *Dictionary, bodyLen int) ([]byte, error) {
	n, err := s2.DecodedLen(data)
	if err != nil {
		return nil, fmt.Errorf("%w: s2: %v", ErrCorrupt, err)
	}
	if err := c.checkDecodedLen(uint64(n), bodyLen); err != nil {
		return nil, err
	}
	start := len(dst)
	dst = slices.Grow(dst, n)
	out := dst[start : start+n]
	if d != nil {
		out, err = d.s2.Decode(out, data)
	} else {
		out, err = s2.Decode(out, data)
	}
	if err != nil || len(out) != n {
		return nil, fmt.Errorf("%w: s2: %v", ErrCorrupt, err)
	}
	return dst[:start+n], nil
}

// decodeZstd decodes one Zstandard frame. The frame header is read first: it
// must declare its content size, within the cap, and name the same
// dictionary as the body. The decoder is then limited to exactly that many
// bytes (cap-limited DecodeAll, MaxMemory and MaxWindow set from the cap).
func (c *Codec) decodeZstd(dst, data []byte, id uint32, bodyLen int) ([]byte, error) {
	var h zstd.Header
	if err := h.Decode(data); err != nil {
		return nil, fmt.Errorf("%w: zstd header: %v", ErrCorrupt, err)
	}
	switch {
	case h.Skippable:
		return nil, fmt.Errorf("%w: zstd: skippable frame", ErrCorrupt)
	case !h.HasFCS:
		return nil, fmt.Errorf("%w: zstd: frame content size missing", ErrCorrupt)
	case h.DictionaryID != id:
		return nil, fmt.Errorf("%w: zstd: frame dictionary %d, body says %d", ErrCorrupt, h.DictionaryID, id)
	}
	if err := c.checkDecodedLen(h.FrameContentSize, bodyLen); err != nil {
		return nil, err
	}
	n := int(h.FrameContentSize)
	start := len(dst)
	dst = slices.Grow(dst, n)
	// The declared size is within the cap, so a decoder error here (including
	// ErrDecoderSizeExceeded: more data than declared, or a second frame) is
	// a malformed body, not an oversize one.
	out, err := c.zdec.DecodeAll(data, dst[start:start:start+n])
	if err != nil {
		return nil, fmt.Errorf("%w: zstd: %v", ErrCorrupt, err)
	}
	if len(out) != n {
		return nil, fmt.Errorf("%w: zstd: %d bytes decoded, frame declared %d", ErrCorrupt, len(out), n)
	}
	if &out[0] != &dst[start : start+n][0] { // the cap limit keeps DecodeAll in place; stay correct if not
		copy(dst[start:start+n], out)
	}
	return dst[:start+n], nil
}
