package keyring

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Keyring document limits.
const (
	// fileVersion is the only accepted value of "crumb_keyring".
	fileVersion = 1
	// maxFileSize caps a keyring document at 1 MiB.
	maxFileSize = 1 << 20
	// secretTextLen is the length of a secret in unpadded base64url.
	secretTextLen = 43
)

// fileDoc is the JSON keyring document written by Marshal.
type fileDoc struct {
	Version int       `json:"crumb_keyring"`
	Keys    []fileKey `json:"keys"`
}

// fileKey is one key of a keyring document.
type fileKey struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	Secret   string `json:"secret"`
	Created  string `json:"created,omitempty"`
	Promoted string `json:"promoted,omitempty"`
	Demoted  string `json:"demoted,omitempty"`
}

// Marshal encodes r as an indented JSON keyring document (see the package
// documentation for the format), with a trailing newline.
//
// The document contains every key's secret: write it only to a file with
// mode 0600 (CreateFile, ReplaceFile) or to a secret store, never to logs.
func Marshal(r *Ring) ([]byte, error) {
	if r == nil || len(r.entries) == 0 {
		return nil, fmt.Errorf("%w: cannot marshal an empty ring", ErrNoKeys)
	}
	doc := fileDoc{Version: fileVersion, Keys: make([]fileKey, len(r.entries))}
	for i := range r.entries {
		k := &r.entries[i].key
		doc.Keys[i] = fileKey{
			ID:       FormatID(k.ID),
			State:    k.State.String(),
			Secret:   base64.RawURLEncoding.EncodeToString(k.secret()[:]),
			Created:  formatTime(k.Created),
			Promoted: formatTime(k.Promoted),
			Demoted:  formatTime(k.Demoted),
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("keyring: marshal: %w", err)
	}
	return append(b, '\n'), nil
}

// formatTime returns t in RFC 3339 (UTC, fractional seconds only if any), or
// "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Unmarshal parses a JSON keyring document and builds its Ring.
//
// Parsing is strict: the input must be at most 1 MiB; field names must match
// exactly (case-sensitively), each at most once, with no unknown fields;
// "crumb_keyring" must be the number 1; every key needs "id" (8 lower-case
// hex digits), "state" and "secret" (43 characters of canonical unpadded
// base64url decoding to 32 bytes); times, if present, must be RFC 3339; and
// nothing but white space may follow the document. The keys must then form
// a valid ring (see NewRing).
//
// Errors wrap ErrBadFile (and the more specific sentinel, such as ErrBadKey
// or ErrNoPrimary, when there is one), say where the problem is, as in
// "key 2 (id 8f3a2c1d): secret must decode to 32 bytes", and never contain
// secret material. ErrFIPS is returned unwrapped.
func Unmarshal(data []byte) (*Ring, error) {
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadFile, maxFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &docParser{dec: dec, data: data}
	keys, err := p.document()
	if err != nil {
		return nil, err
	}
	return ringFromDocument(keys)
}

// ringFromDocument builds the ring of a keyring document: errors from NewRing
// also match ErrBadFile, except ErrFIPS, which is not the document's fault.
func ringFromDocument(keys []Key) (*Ring, error) {
	r, err := NewRing(keys...)
	if err != nil {
		if errors.Is(err, ErrFIPS) {
			return nil, err
		}
		return nil, badFile(err)
	}
	return r, nil
}

// readLimited reads the file at path, following symbolic links, and fails
// if it is not a regular file or is larger than maxFileSize.
func readLimited(path string) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO (or another special file) must not block;
	// the regular-file check below then refuses it. It changes nothing for
	// regular files.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s: not a regular file", ErrBadFile, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%w: %s: larger than %d bytes", ErrBadFile, path, maxFileSize)
	}
	return data, nil
}

// withPath prefixes err's message with path, keeping a single "keyring: ".
func withPath(path string, err error) error {
	return &multiError{msg: "keyring: " + path + ": " + strings.TrimPrefix(err.Error(), "keyring: "), errs: []error{err}}
}

// LoadFile reads the keyring document at path (following symbolic links; at
// most 1 MiB) and builds its Ring with the rules of Unmarshal. Errors
// include the path and wrap ErrBadFile for bad content, or the os error (for
// example fs.ErrNotExist) when the file cannot be read.
func LoadFile(path string) (*Ring, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	r, err := Unmarshal(data)
	clear(data)
	if err != nil {
		return nil, withPath(path, err)
	}
	return r, nil
}

// CreateFile writes r as a new keyring document at path with mode 0600 and
// flushes it to stable storage (the file and its directory). It never
// overwrites: if path exists, even as a dangling symbolic link, it returns an
// error wrapping fs.ErrExist. Use ReplaceFile to rotate an existing file.
func CreateFile(path string, r *Ring) (err error) {
	data, err := Marshal(r)
	if err != nil {
		return err
	}
	defer clear(data)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("keyring: %w (CreateFile never overwrites; use ReplaceFile to rotate)", err)
		}
		return fmt.Errorf("keyring: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(path)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// ReplaceFile atomically replaces the existing keyring document at path with
// r: it writes a temporary file with mode 0600 in the same directory, flushes
// it, renames it over the old file and flushes the directory, so readers
// (including a Watcher) see either the old or the new document, never a mix.
// This is the rotation path.
//
// path must already exist (otherwise the error wraps fs.ErrNotExist) and be
// a regular file or a symbolic link to one; a link is kept and its target
// replaced. The new file always has mode 0600.
func ReplaceFile(path string, r *Ring) (err error) {
	data, err := Marshal(r)
	if err != nil {
		return err
	}
	defer clear(data)
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s: not a regular file", ErrBadFile, path)
	}
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp*") // mode 0600
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	return syncDir(dir)
}

// syncDir flushes a directory so that a created or renamed entry survives a
// crash. Windows cannot sync directories; there it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("keyring: sync %s: %w", dir, err)
	}
	return nil
}
