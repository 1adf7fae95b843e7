// Package doccheck holds repository-wide checks of the public
// documentation; it has no code of its own, only tests.
package doccheck
