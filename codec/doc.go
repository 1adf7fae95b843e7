// Package codec turns session payloads into token bodies and back: it
// serializes, compresses when that pays, pads to size buckets, and
// decompresses within a hard cap. It holds no keys and reads no clock;
// the token layer seals its output and authenticates it before Decode ever
// sees a byte.
//
// # Serializers
//
// A Serializer turns values into payload bytes. The default, JSON, is
// readable from any language; Raw passes application bytes through; others
// plug in with an ID from the application range 4 to 7.
//
// # Compression
//
// Encode tries the algorithm its Policy picks (CompressAuto: S2 for
// payloads under 2 KiB, Zstd from there on) and keeps the result only when
// it is shorter than the payload; the Format it returns records the choice.
// Payloads under Options.MinSize (DefaultMinSize, 256 bytes) are stored as
// they are: there, compression costs more CPU than its few saved bytes are
// worth.
// Both algorithms use a dictionary: DefaultDictionary is built in and
// trained on typical web sessions, and applications can train and register
// their own (TrainDictionary, NewDictionary; IDs from
// FirstCustomDictionaryID). A dictionary ID once used must stay registered
// (Options.Dictionaries) for as long as tokens compressed with it live.
//
// S2 with dictionaries is implemented in Go (klauspost/compress) only. If
// tokens must also be read by code in other languages, use CompressZstd:
// Zstandard with dictionaries is available everywhere.
//
// # Bounded decompression
//
// Decode reads the declared size first (the S2 length prefix, the Zstd
// frame content size, which must be present) and refuses anything over
// Options.MaxDecoded (default 64 KiB) with ErrTooLarge before allocating.
// The Zstd decoder is additionally limited in memory and window size, and
// decodes into a buffer of exactly the declared size.
//
// # The compression oracle
//
// Compression leaks information through length. When a session holds a
// secret and also a value an attacker can influence (a search term, a
// display name, a redirect target), the attacker can guess the secret piece
// by piece by watching how the cookie's length changes: the guess that
// matches compresses better (CRIME, BREACH; RFC 8725 §3.6 warns against
// compressing data before encryption for this reason). Padding to buckets
// (Options.PadTo) blurs but does not close this channel.
//
// If your sessions mix secrets with attacker-influenced values, switch
// compression off:
//
//	codec.New(codec.Options{Compress: codec.CompressOff})
//
// Sessions that hold only server-chosen values (IDs, roles, timestamps,
// tokens the server minted) are not exposed in this way.
package codec
