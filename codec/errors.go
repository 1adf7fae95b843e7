package codec

import "errors"

var (
	// ErrCorrupt is returned by Decode for a body that does not follow the
	// format: bad padding, unknown compression, a malformed frame, or a
	// compressed body that is not smaller than its payload.
	ErrCorrupt = errors.New("codec: corrupt body")

	// ErrTooLarge is returned by Decode when a body declares a payload larger
	// than Options.MaxDecoded. Nothing past the cap is allocated.
	ErrTooLarge = errors.New("codec: decoded payload exceeds the size cap")

	// ErrUnknownDictionary is returned by Decode for a body compressed with a
	// dictionary ID that is not registered.
	ErrUnknownDictionary = errors.New("codec: unknown dictionary")

	// ErrBadDictionary is returned when a dictionary cannot be loaded or
	// trained.
	ErrBadDictionary = errors.New("codec: bad dictionary")

	// ErrBadOptions is returned by New for options out of range.
	ErrBadOptions = errors.New("codec: bad options")
)
