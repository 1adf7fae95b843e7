package cookie

import "github.com/crumbhq/crumb/internal/token"

// Limits of token format v1 (SPEC.md) on what a session carries, for
// checking values before they reach a Store.
const (
	// MaxSubjectLen is the longest subject, in bytes of UTF-8.
	MaxSubjectLen = token.MaxSubjectLen
	// MaxMetadata is the most metadata entries a token carries;
	// MaxMetaKeyLen and MaxMetaValueLen bound a key (at least 1 byte) and a
	// value, in bytes of UTF-8.
	MaxMetadata     = token.MaxMetadata
	MaxMetaKeyLen   = token.MaxMetaKeyLen
	MaxMetaValueLen = token.MaxMetaValueLen
)
