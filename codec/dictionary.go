package codec

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/klauspost/compress/dict"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

const (
	// DefaultDictionaryID is the ID of the built-in dictionary, trained on
	// typical web-session JSON (see DefaultDictionary).
	DefaultDictionaryID uint32 = 1
	// FirstCustomDictionaryID is the smallest ID an application dictionary
	// may have. IDs 1 to FirstCustomDictionaryID-1 are reserved for
	// dictionaries shipped with crumb, so that a future built-in never
	// collides with one an application registered.
	FirstCustomDictionaryID uint32 = 1 << 15
	// MaxDictionaryContent is the largest dictionary content accepted, in
	// bytes: S2's limit.
	MaxDictionaryContent = s2.MaxDictSize
	// DefaultTrainSize is the dictionary content size TrainDictionary aims
	// for when asked for 0, in bytes. Larger dictionaries cost memory in
	// every encoder and gained under 2% on session data.
	DefaultTrainSize = 16 << 10
)

// A Dictionary primes S2 and Zstd with content typical of sessions, so that
// even a 150-byte session compresses. It is immutable and safe for concurrent
// use. Its wire identity is its Zstandard dictionary ID; for S2 the same
// content is used with an initial repeat offset of 0 (see SPEC.md).
type Dictionary struct {
	id      uint32
	zstd    []byte // the Zstandard dictionary format (RFC 8878 §5)
	content []byte
	s2      *s2.Dict
	// s2Table indexes content for crumb's own S2 encoder (s2encode.go).
	s2Table *[1 << s2DictTableBits]uint16
}

//go:embed dictionaries/default-v1.zdict
var defaultDictionaryBytes []byte

// defaultDictionary parses the embedded dictionary once. It is immutable
// after that, so sharing it is not global mutable state.
var defaultDictionary = sync.OnceValue(func() *Dictionary {
	d, err := parseDictionary(defaultDictionaryBytes)
	if err != nil || d.id != DefaultDictionaryID {
		panic(fmt.Sprintf("codec: embedded default dictionary is broken: %v", err)) // guarded by a test
	}
	return d
})

// DefaultDictionary returns the built-in dictionary (ID 1). It was trained
// with github.com/klauspost/compress/dict on 512 synthetic sessions (small,
// medium and OIDC-sized) that internal/sessiongen generates; the corpus is
// kept in testdata/corpus. Its bytes never change: tokens compressed with
// ID 1 must stay readable, so a better dictionary gets a new ID.
func DefaultDictionary() *Dictionary { return defaultDictionary() }

// NewDictionary loads an application dictionary in the Zstandard dictionary
// format, as `zstd --train`, TrainDictionary or `sessionctl dict train`
// produce. Its ID, taken from the dictionary header, must be at least
// FirstCustomDictionaryID, and its content at most MaxDictionaryContent
// bytes.
func NewDictionary(zstdDict []byte) (*Dictionary, error) {
	d, err := parseDictionary(zstdDict)
	if err != nil {
		return nil, err
	}
	if d.id < FirstCustomDictionaryID {
		return nil, fmt.Errorf("%w: ID %d is reserved for crumb's built-in dictionaries (use %d or more)", ErrBadDictionary, d.id, FirstCustomDictionaryID)
	}
	return d, nil
}

func parseDictionary(b []byte) (*Dictionary, error) {
	info, err := zstd.InspectDictionary(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadDictionary, err)
	}
	content := info.Content()
	switch {
	case info.ID() == 0:
		return nil, fmt.Errorf("%w: dictionary ID 0 means no dictionary", ErrBadDictionary)
	case len(content) < s2.MinDictSize || len(content) > MaxDictionaryContent:
		return nil, fmt.Errorf("%w: content is %d bytes, want %d to %d", ErrBadDictionary, len(content), s2.MinDictSize, MaxDictionaryContent)
	}
	// Check that the Zstandard side loads too, so a bad dictionary fails here
	// and not in the first Encode.
	dec, err := zstd.NewReader(nil, zstd.WithDecoderDicts(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadDictionary, err)
	}
	dec.Close()
	raw := append([]byte(nil), b...)
	info, _ = zstd.InspectDictionary(raw) // content must point into our copy
	s2d := s2.MakeDictManual(info.Content(), 0)
	if s2d == nil {
		return nil, fmt.Errorf("%w: content unusable for S2", ErrBadDictionary)
	}
	return &Dictionary{id: info.ID(), zstd: raw, content: info.Content(), s2: s2d, s2Table: s2DictTable(info.Content())}, nil
}

// TrainDictionary builds a dictionary with the given ID from sample payloads
// (serialized sessions, one per sample). size is the target content size in
// bytes, 0 for DefaultTrainSize. Training is not deterministic: two runs on
// the same samples give dictionaries of equal quality, not equal bytes.
func TrainDictionary(id uint32, samples [][]byte, size int) (*Dictionary, error) {
	if size == 0 {
		size = DefaultTrainSize
	}
	if size < 256 || size > MaxDictionaryContent {
		return nil, fmt.Errorf("%w: size %d out of range 256 to %d", ErrBadDictionary, size, MaxDictionaryContent)
	}
	if id == 0 {
		return nil, fmt.Errorf("%w: dictionary ID 0 means no dictionary", ErrBadDictionary)
	}
	if len(samples) < 8 {
		return nil, fmt.Errorf("%w: need at least 8 samples, got %d", ErrBadDictionary, len(samples))
	}
	b, err := dict.BuildZstdDict(samples, dict.Options{
		MaxDictSize: size,
		HashBytes:   6,
		ZstdDictID:  id,
		ZstdLevel:   zstdLevel,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: training: %v", ErrBadDictionary, err)
	}
	return parseDictionary(b)
}

// ID returns the dictionary ID carried in tokens.
func (d *Dictionary) ID() uint32 { return d.id }

// Bytes returns the dictionary in the Zstandard dictionary format, to save
// and later load with NewDictionary.
func (d *Dictionary) Bytes() []byte { return append([]byte(nil), d.zstd...) }

// ContentLen returns the size of the dictionary content in bytes.
func (d *Dictionary) ContentLen() int { return len(d.content) }

// String returns a short description, such as "dictionary 1 (16384 bytes)".
func (d *Dictionary) String() string {
	return fmt.Sprintf("dictionary %d (%d bytes)", d.id, len(d.content))
}
