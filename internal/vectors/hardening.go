package vectors

import (
	"encoding/binary"
	"strings"

	"github.com/crumbhq/crumb/internal/sessiongen"
	"github.com/klauspost/compress/zstd"
)

// hardeningSpecs are the vectors added on 2026-12-05 (SPEC.md §14): each
// fails a reader that passed every earlier vector while reading something
// the document left to guess — the S2 elements and dictionary rules, the
// order of the body checks, the Zstandard checksum and reserved fields, the
// exact varint limits, and a purpose holding a zero byte. The S2 blocks are
// assembled element by element (s2Block), not by an encoder.
func hardeningSpecs() []*spec {
	g := sessiongen.New(2027)
	small, medium := sessiongen.JSON(g.Small()), sessiongen.JSON(g.Medium())
	content := dictContent
	L := len(content)
	const bigCap = 128 << 10 // for payloads past 64 KiB
	digits := []byte(strings.Repeat("0123456789", 120))

	// S2 blocks, success.
	initialRepeat := newS2Block(content).lit([]byte("ab"), 0).rep(40, 5)
	toEnd := newS2Block(content).lit([]byte("xyz"), 0).copy4(3+8, 8).rep(4, 0).rep(24, 5)
	elements := newS2Block(nil).
		lit([]byte("Hello, "), 1).lit([]byte("world"), 2).lit([]byte("! "), 3).lit([]byte("S2"), 4).
		lit(digits[:64], 1).lit(digits[5:305], 2).
		copy1(300, 11).copy2(1, 64).copy4(5, 20).
		rep(4, 0).rep(5, 1).rep(6, 2).rep(7, 3).rep(8, 4).rep(8, 5).rep(263, 5).rep(260, 6).rep(1000, 6).
		copy2(700, 64).copy4(1500, 64)
	longRepeat := newS2Block(nil).lit([]byte("abcd"), 0).copy1(4, 4).rep(65543, 7)
	offset256 := newS2Block(nil).lit(digits[:300], 2).copy1(256, 11).rep(20, 5) // tag bits 5-7 set, offset byte 0
	at64K := newS2Block(content).lit([]byte("abcd"), 0).copy1(4, 4).rep(65527, 6).copy4(65535+100, 8)

	// S2 blocks, invalid.
	after64K := newS2Block(content).lit([]byte("abcd"), 0).copy1(4, 4).rep(65528, 6).copy4(65536+100, 8)
	crossing := newS2Block(content).lit([]byte("abc"), 0).copy2(3+4, 8).rep(40, 5)
	beforeContent := newS2Block(content).lit([]byte("abc"), 0).copy2(3+L+1, 8).rep(40, 5)
	repeatNoDict := newS2Block(nil).lit([]byte("abcd"), 0).rep(200, 5)
	equalBody := newS2Block(nil).lit(digits[:10], 0).copy1(10, 5)             // decodes to len(body)
	equalData := newS2Block(nil).lit(digits[:10], 0).copy1(10, 4)             // decodes to len(body) - 1
	overCapNotSmaller := newS2Block(nil).lit(digits[:1100], 2).copy1(1100, 4) // 1,104 bytes from 1,108

	withCRC := compressCRC(medium)
	badCRC := append([]byte(nil), withCRC...)
	badCRC[len(badCRC)-1] ^= 0x01
	reservedBit := compress("zstd", 0, medium)
	reservedBit[5] |= 0x08 // Frame_Header_Descriptor bit 3 (after the dictionary ID and the magic)

	raw := func(b *s2Block) []byte { return b.out }
	const labelled = "session\x00app.example"
	return []*spec{
		{name: "success-s2-dictionary-initial-repeat", expect: ExpectSuccess, comment: "S2, dictionary 1: a 2-byte literal, then a repeat as the first copy, which uses the initial repeat offset len(content) = 16384 and so copies content[2:42]",
			compression: "s2", dict: 1, payload: raw(initialRepeat), body: initialRepeat.body(1)},
		{name: "success-s2-dictionary-copy-to-end", expect: ExpectSuccess, comment: "S2, dictionary 1: a copy of the content's last 8 bytes ending exactly at its end, then repeats of that offset, which now read the output's first bytes (allowed)",
			compression: "s2", dict: 1, payload: raw(toEnd), body: toEnd.body(1)},
		{name: "success-s2-elements", expect: ExpectSuccess, comment: "S2 without a dictionary: literals with 1 to 4 length bytes (some longer than needed), copies with 1-, 2- and 4-byte offsets (overlapping ones too), repeats with every length code from 0 to 6",
			compression: "s2", payload: raw(elements), body: elements.body(0)},
		{name: "success-s2-copy-offset-256", expect: ExpectSuccess, comment: "S2 without a dictionary: a copy with a 1-byte offset of 256 (tag bits 5-7 = 1, offset byte 0), which is a copy, not a repeat; then a repeat of that offset",
			compression: "s2", payload: raw(offset256), body: offset256.body(0)},
		{name: "success-s2-repeat-length-7", expect: ExpectSuccess, comment: "S2 without a dictionary: a repeat with length code 7 (65,540 plus a 3-byte length): 65,543 bytes",
			compression: "s2", payload: raw(longRepeat), body: longRepeat.body(0), maxBody: bigCap},
		{name: "success-s2-dictionary-at-65535", expect: ExpectSuccess, comment: "S2, dictionary 1: a copy from the dictionary after 65,535 bytes of output, the last position where one is allowed",
			compression: "s2", dict: 1, payload: raw(at64K), body: at64K.body(1), maxBody: bigCap},
		{name: "invalid-s2-dictionary-after-64-kib", expect: ExpectInvalid, reason: "claims", comment: "S2, dictionary 1: a copy from the dictionary after 65,536 bytes of output",
			compression: "s2", dict: 1, body: after64K.body(1), maxBody: bigCap},
		{name: "invalid-s2-dictionary-crossing", expect: ExpectInvalid, reason: "claims", comment: "S2, dictionary 1: a copy that starts 4 bytes before the end of the content and is 8 bytes long, crossing into the output",
			compression: "s2", dict: 1, body: crossing.body(1)},
		{name: "invalid-s2-dictionary-before-content", expect: ExpectInvalid, reason: "claims", comment: "S2, dictionary 1: a copy starting one byte before the content (inside the .zdict file's header and tables, which are not history)",
			compression: "s2", dict: 1, body: beforeContent.body(1)},
		{name: "invalid-s2-repeat-without-dictionary", expect: ExpectInvalid, reason: "claims", comment: "S2 without a dictionary: the first copy is a repeat, and there is no offset to repeat",
			compression: "s2", body: repeatNoDict.body(0)},
		{name: "invalid-s2-unknown-dictionary", expect: ExpectInvalid, reason: "unknown dictionary", comment: "an S2 body naming dictionary 40000, which is not registered",
			serializer: 1, compression: "s2", body: append(binary.AppendUvarint(nil, 40000), "not decoded: the dictionary is looked up first"...)},
		{name: "invalid-s2-length-overflow", expect: ExpectInvalid, reason: "claims", comment: "an S2 length varint of 10 bytes whose value needs 65 bits",
			compression: "s2", body: append([]byte{0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 0x00, 'x')},
		{name: "too-large-s2-length-over-max-value", expect: ExpectTooLarge, reason: "payload too large", comment: "an S2 block declaring 2^53 bytes: over the cap (MAX_VALUE does not apply to this length)",
			compression: "s2", body: append(binary.AppendUvarint([]byte{0}, 1<<53), 0x00, 'x')},
		{name: "invalid-s2-length-not-minimal-over-cap", expect: ExpectInvalid, reason: "claims", comment: "an S2 length of 2^20 (over the cap) in one byte more than needed: the varint is checked before the cap",
			compression: "s2", body: append([]byte{0, 0x80, 0x80, 0xc0, 0x00}, 0x00, 'x')},
		{name: "invalid-compressed-equal-to-body", expect: ExpectInvalid, reason: "claims", comment: "an S2 body of 15 bytes (dictionary ID and data) declaring 15 bytes: the declared length must be greater than the whole body",
			compression: "s2", body: equalBody.body(0)},
		{name: "invalid-compressed-equal-to-data", expect: ExpectInvalid, reason: "claims", comment: "an S2 body of 15 bytes declaring 14, the length of its data without the dictionary ID",
			compression: "s2", body: equalData.body(0)},
		{name: "too-large-compressed-not-smaller", expect: ExpectTooLarge, reason: "payload too large", comment: "an S2 body of 1,108 bytes declaring 1,104, over the 1,024-byte cap: the cap is checked before the length rule",
			compression: "s2", body: overCapNotSmaller.body(0), maxBody: 1024},

		{name: "success-zstd-checksum", expect: ExpectSuccess, comment: "a Zstandard frame with its content checksum", serializer: 1, compression: "zstd", payload: medium, body: withCRC},
		{name: "invalid-zstd-checksum-wrong", expect: ExpectInvalid, reason: "claims", comment: "a Zstandard frame whose content checksum is wrong", serializer: 1, compression: "zstd", body: badCRC},
		{name: "invalid-zstd-reserved-bit", expect: ExpectInvalid, reason: "claims", comment: "a Zstandard frame header with its reserved bit (bit 3 of the descriptor) set", serializer: 1, compression: "zstd", body: reservedBit},
		{name: "invalid-zstd-reserved-block-type", expect: ExpectInvalid, reason: "claims", comment: "a Zstandard block of the reserved type 3", serializer: 1, compression: "zstd",
			body: zstdFrame(64, zstdBlockHeader(16, 3), []byte(strings.Repeat("x", 16)))},
		{name: "too-large-zstd-block-over-maximum", expect: ExpectTooLarge, reason: "payload too large", comment: "a Zstandard frame declaring 2,000 bytes (over the 1,024-byte cap) whose one raw block holds 2,100, more than Block_Maximum_Size: the block size is checked when decoding, after the cap",
			compression: "zstd", maxBody: 1024, body: zstdFrame(2000, zstdBlockHeader(2100, 0), []byte(strings.Repeat("x", 2100)))},
		{name: "too-large-zstd-content-size-over-max-value", expect: ExpectTooLarge, reason: "payload too large", comment: "a Zstandard frame declaring 2^53 bytes in an 8-byte Frame_Content_Size: over the cap", compression: "zstd",
			body: zstdFrame(1<<53, zstdBlockHeader(1, 0), []byte("x"))},

		{name: "success-max-value", expect: ExpectSuccess, comment: "an absolute expiry of exactly MAX_VALUE (2^53 - 1)", serializer: 1, payload: small,
			c: claims{created: genCreated, issued: genIssued, lifetime: 1<<53 - 1 - genCreated, idle: genIdle}},
		{name: "success-purpose-label", expect: ExpectSuccess, comment: "a purpose with a label after a zero byte (SPEC.md §3.4)", purpose: labelled, serializer: 1, payload: small},
		{name: "invalid-purpose-label-missing", expect: ExpectInvalid, reason: "authentication", comment: "sealed for \"session\", read for \"session\" 0x00 \"app.example\": a reader that stops at the zero byte would accept it",
			purpose: labelled, sealPurpose: "session", serializer: 1, payload: small},
	}
}

// compressCRC is compress("zstd", 0, payload) with the optional content
// checksum.
func compressCRC(payload []byte) []byte {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(true), zstd.WithSingleSegment(true), zstd.WithEncoderConcurrency(1))
	if err != nil {
		panic(err)
	}
	return enc.EncodeAll(payload, []byte{0})
}

// zstdFrame returns a body (dictionary ID 0) holding a single-segment
// Zstandard frame that declares contentSize in an 8-byte Frame_Content_Size,
// then one block: its 3-byte header and its bytes, as given.
func zstdFrame(contentSize uint64, blockHeader, block []byte) []byte {
	f := []byte{0, 0x28, 0xb5, 0x2f, 0xfd, 0xe0} // dictionary ID 0; magic; FHD: 8-byte FCS, single segment
	f = binary.LittleEndian.AppendUint64(f, contentSize)
	return append(append(f, blockHeader...), block...)
}

// zstdBlockHeader returns the 3-byte header of a last block (RFC 8878
// §3.1.1.2): Last_Block set, the Block_Type, the Block_Size.
func zstdBlockHeader(size, blockType int) []byte {
	h := size<<3 | blockType<<1 | 1
	return []byte{byte(h), byte(h >> 8), byte(h >> 16)}
}
