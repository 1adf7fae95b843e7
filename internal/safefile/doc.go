// Package safefile opens the files crumb's durable stores keep — the
// revocation log, the session registry file and their lock files — without
// following a link planted in their place or blocking on a special file,
// and holds the few file system steps those stores share: locking,
// fsyncing a directory, removing the temporary files of an interrupted
// rewrite.
//
// Errors carry no package prefix: the store that calls wraps them in its
// own words.
package safefile
