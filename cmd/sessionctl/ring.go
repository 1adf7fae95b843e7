package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/crumbhq/crumb/keyring"
)

// maxKeyringFile caps a keyring file, in bytes (keyring.Unmarshal's limit).
const maxKeyringFile = 1 << 20

// keyringFile is a keyring file as it was read: the mutating commands write
// it back only if it has not changed since.
type keyringFile struct {
	path string // as given, for messages
	file string // resolved
	raw  []byte
	ring *keyring.Ring
}

// generateHint tells how to make a keyring file.
func generateHint(path string) string {
	return fmt.Sprintf("create one with `sessionctl keys generate --keyring %s`", path)
}

// loadKeyring reads and validates the keyring file at path. A file others can
// read is only a warning: it works, but it holds secrets.
func (c *cli) loadKeyring(path string) (*keyringFile, error) {
	file := c.path(path)
	raw, err := readFileBounded(file, maxKeyringFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, failf([]string{generateHint(path)}, "keyring %s does not exist", path)
	case err != nil:
		return nil, fmt.Errorf("reading the keyring: %w", err)
	}
	if fi, err := os.Stat(file); err == nil && fi.Mode().Perm()&0o077 != 0 {
		c.warnf("keyring %s has mode %04o, but it holds secrets: only its owner should read it (chmod 600 %s)", path, fi.Mode().Perm(), path)
	}
	ring, err := keyring.Unmarshal(raw)
	switch {
	case errors.Is(err, keyring.ErrFIPS):
		return nil, withHints(err, "crumb token format v1 needs XChaCha20-Poly1305: run sessionctl without GODEBUG=fips140=only")
	case err != nil:
		return nil, failf([]string{"the file was not changed: repair it, or restore it from where your secrets are kept"},
			"keyring %s is not valid: %w", path, err)
	}
	return &keyringFile{path: path, file: file, raw: raw, ring: ring}, nil
}

// save validates keys as a ring and atomically replaces the file with it,
// unless the file changed since it was read (another rotation running at the
// same time), in which case nothing is written. The check and the
// replacement happen under the keyring's lock file (FILE.lock).
func (kf *keyringFile) save(keys []keyring.Key) error {
	ring, err := keyring.NewRing(keys...)
	if err != nil {
		return fmt.Errorf("the new keyring is not valid, nothing was written: %w", err)
	}
	unlock, err := lockKeyring(kf.file)
	if err != nil {
		return err
	}
	defer unlock()
	now, err := readFileBounded(kf.file, maxKeyringFile)
	if err != nil {
		return fmt.Errorf("re-reading the keyring before replacing it: %w", err)
	}
	if !bytes.Equal(now, kf.raw) {
		return failf([]string{"run the command again"},
			"keyring %s changed while sessionctl was updating it; nothing was written", kf.path)
	}
	if err := keyring.ReplaceFile(kf.file, ring); err != nil {
		return fmt.Errorf("writing the keyring: %w", err)
	}
	kf.ring = ring
	return nil
}
