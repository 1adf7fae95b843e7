package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"

	"github.com/crumbhq/crumb/codec"
)

const dictTrainUsage = `Usage:
    sessionctl dict train --samples DIR|FILE -o DICT [--id N] [--size BYTES]
                          [--json]

Trains a compression dictionary on sample session data and writes it to DICT
in the Zstandard dictionary format, which codec.NewDictionary loads: give it to
the application's codec (codec.Options.Dictionary) so that tokens compress
better, and keep it registered (codec.Options.Dictionaries) for as long as
tokens compressed with it live.

The samples are session data as the application stores it, one session each:
a directory with one sample per file, or a JSON-lines file with one per line
(optionally zstd-compressed, like the corpus crumb's built-in dictionary was
trained on). JSON samples are first rewritten as crumb's JSON serializer writes
them (compact, keys sorted). At least 8 samples are needed; a few hundred
representative ones do well.

It then prints how well the dictionary compresses the samples: their total size
raw, compressed without a dictionary, with the built-in dictionary (ID 1), and
with the new one, as the codec stores them by default. These are measured on
the training samples themselves: new sessions gain a little less.

DICT is created with mode 0600, since a dictionary holds fragments of its
samples, and is never overwritten: a dictionary's bytes must not change once
tokens use its ID, so a retrained dictionary gets a new ID and a new file.

Options:
    --samples DIR|FILE   the samples (required)
    -o, --output DICT    the dictionary file to create (required)
    --id N               the dictionary ID, carried in every token compressed
                         with it: 32768 to 2147483647 (default 32768); lower IDs
                         are reserved for crumb's built-in dictionaries, higher
                         ones by the Zstandard format (RFC 8878)
    --size BYTES         the content size to aim for, 256 to 65536 (default
                         16384)
    --json               print {"dictionary", "id", "content", "samples",
                         "raw", "no_dictionary", "builtin", "trained"}, sizes in
                         bytes

Examples:
    sessionctl dict train --samples sessions/ -o myapp-v1.zdict --id 32768
    sessionctl dict train --samples sessions.jsonl -o myapp-v2.zdict --id 32769 --size 32768
`

// dictJSON is the output of dict train --json.
type dictJSON struct {
	Dictionary   string `json:"dictionary"` // the file written
	ID           uint32 `json:"id"`
	Content      int    `json:"content"` // dictionary content, in bytes
	Samples      int    `json:"samples"`
	Raw          int    `json:"raw"`           // the samples' total size
	NoDictionary int    `json:"no_dictionary"` // compressed without a dictionary
	Builtin      int    `json:"builtin"`       // compressed with the built-in dictionary
	Trained      int    `json:"trained"`       // compressed with the new dictionary
}

func runDictTrain(c *cli, args []string) error {
	fset := newFlagSet("dict train")
	samplesPath := fset.String("samples", "", "")
	var out string
	fset.StringVar(&out, "o", "", "")
	fset.StringVar(&out, "output", "", "")
	id := fset.Uint64("id", uint64(codec.FirstCustomDictionaryID), "")
	size := fset.Int("size", codec.DefaultTrainSize, "")
	asJSON := fset.Bool("json", false, "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 0, ""); err != nil {
		return err
	}
	if err := required("samples", *samplesPath, "output", out); err != nil {
		return err
	}
	if *id < uint64(codec.FirstCustomDictionaryID) || *id > math.MaxInt32 {
		return usageErrorf("", "--id must be from %d to %d: lower IDs are reserved for crumb's built-in dictionaries, higher ones by the Zstandard format (RFC 8878)", codec.FirstCustomDictionaryID, math.MaxInt32)
	}
	if *size < 256 || *size > codec.MaxDictionaryContent {
		return usageErrorf("", "--size must be from 256 to %d bytes", codec.MaxDictionaryContent)
	}
	if _, err := os.Lstat(c.path(out)); err == nil {
		return dictExists(out)
	}
	samples, err := readSamples(c.path(*samplesPath))
	if err != nil {
		return err
	}
	if len(samples) < minSamples {
		return failf([]string{"give a few hundred samples, representative of the application's sessions"},
			"%d samples in %s: training needs at least %d", len(samples), *samplesPath, minSamples)
	}
	d, err := codec.TrainDictionary(uint32(*id), samples, *size)
	if err != nil {
		return err
	}
	m, err := measure(samples, d)
	if err != nil {
		return err
	}
	if err := writeNewFile(c.path(out), d.Bytes()); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return dictExists(out)
		}
		return fmt.Errorf("writing the dictionary: %w", err)
	}
	m.Dictionary, m.ID, m.Content = out, d.ID(), d.ContentLen()
	if *asJSON {
		return c.printJSON(m)
	}
	fmt.Fprintf(c.stdout, "wrote %s: dictionary %d, %d bytes of content, trained on %d samples\n\n", out, m.ID, m.Content, m.Samples)
	fmt.Fprintf(c.stdout, "%-22s %12s %8s\n", "samples", "bytes", "of raw")
	for _, row := range []struct {
		name string
		n    int
	}{{"raw", m.Raw}, {"without a dictionary", m.NoDictionary}, {"built-in dictionary", m.Builtin}, {"this dictionary", m.Trained}} {
		fmt.Fprintf(c.stdout, "%-22s %12d %8s\n", row.name, row.n, percent(row.n, m.Raw))
	}
	if m.Trained >= m.Builtin {
		c.warnf("this dictionary does not beat the built-in one on these samples: the application may as well keep the default")
	}
	return nil
}

// measure compresses every sample without a dictionary, with the built-in
// one and with d, as the codec stores them with its default options.
func measure(samples [][]byte, d *codec.Dictionary) (dictJSON, error) {
	none, err := codec.New(codec.Options{NoDictionary: true})
	if err != nil {
		return dictJSON{}, err
	}
	builtin, err := codec.New(codec.Options{})
	if err != nil {
		return dictJSON{}, err
	}
	trained, err := codec.New(codec.Options{Dictionary: d})
	if err != nil {
		return dictJSON{}, err
	}
	m := dictJSON{Samples: len(samples)}
	var buf []byte
	for _, s := range samples {
		m.Raw += len(s)
		buf, _ = none.Encode(buf[:0], s)
		m.NoDictionary += len(buf)
		buf, _ = builtin.Encode(buf[:0], s)
		m.Builtin += len(buf)
		buf, _ = trained.Encode(buf[:0], s)
		m.Trained += len(buf)
	}
	return m, nil
}

// percent formats n as a percentage of total.
func percent(n, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}

// dictExists is the error for an output file that exists.
func dictExists(path string) error {
	return failf([]string{"a dictionary's bytes must never change once tokens use its ID: write a new dictionary, with a new --id, to a new file"},
		"%s already exists", path)
}

// writeNewFile creates path (mode 0600, failing if it exists), writes b and
// flushes it to disk. A failed write removes the file.
func writeNewFile(path string, b []byte) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
