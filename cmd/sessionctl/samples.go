package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/crumbhq/crumb/codec"
	"github.com/klauspost/compress/zstd"
)

// Sample limits for dict train.
const (
	// minSamples is the fewest samples codec.TrainDictionary accepts.
	minSamples = 8
	// maxSample caps one sample, in bytes.
	maxSample = 1 << 20
	// maxSamplesTotal caps all samples together, in bytes (after
	// decompression, for a compressed JSON-lines file).
	maxSamplesTotal = 256 << 20
	// maxSampleCount caps the number of samples.
	maxSampleCount = 1 << 20
)

// zstdMagic starts every Zstandard frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// readSamples reads training samples from a directory (one per regular file,
// hidden files skipped, in name order) or a JSON-lines file (one per line,
// blank lines skipped; zstd-compressed or not). JSON samples are normalized
// to the bytes crumb's JSON serializer writes; in a JSON-lines file every
// line must be JSON.
func readSamples(path string) ([][]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading the samples: %w", err)
	}
	if fi.IsDir() {
		return readSampleDir(path)
	}
	return readSampleLines(path)
}

func readSampleDir(dir string) ([][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the samples: %w", err)
	}
	var samples [][]byte
	total := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		b, err := readFileBounded(path, maxSample)
		if err != nil {
			return nil, fmt.Errorf("reading a sample: %w", err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if total += len(b); total > maxSamplesTotal || len(samples) == maxSampleCount {
			return nil, fmt.Errorf("%s: more than %d bytes or %d samples", dir, maxSamplesTotal, maxSampleCount)
		}
		if json.Valid(b) {
			if b, err = normalizeJSON(b); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		samples = append(samples, b)
	}
	return samples, nil
}

func readSampleLines(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the samples: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(len(zstdMagic)); bytes.Equal(magic, zstdMagic) {
		dec, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxSamplesTotal))
		if err != nil {
			return nil, fmt.Errorf("reading the samples: %w", err)
		}
		defer dec.Close()
		r = dec
	}
	sc := bufio.NewScanner(io.LimitReader(r, maxSamplesTotal+1))
	sc.Buffer(make([]byte, 0, 64<<10), maxSample)
	var samples [][]byte
	total := 0
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if total += len(sc.Bytes()) + 1; total > maxSamplesTotal || len(samples) == maxSampleCount {
			return nil, fmt.Errorf("%s: more than %d bytes or %d samples", path, maxSamplesTotal, maxSampleCount)
		}
		if len(b) == 0 {
			continue
		}
		if !json.Valid(b) {
			return nil, failf([]string{"a samples file holds one JSON value per line; for other data, use a directory with one sample per file"},
				"%s:%d: not valid JSON", path, line)
		}
		nb, err := normalizeJSON(b)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		samples = append(samples, nb)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s: a line is longer than %d bytes", path, maxSample)
		}
		return nil, fmt.Errorf("reading the samples: %w", err)
	}
	return samples, nil
}

// normalizeJSON rewrites a JSON value as crumb's JSON serializer writes it:
// compact, object keys sorted, numbers kept exactly as written.
func normalizeJSON(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return codec.JSON{}.Marshal(v)
}
