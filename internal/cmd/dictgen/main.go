// Command dictgen writes the session corpus that crumb's built-in dictionary
// is trained on, and trains dictionaries from it.
//
//	go run ./internal/cmd/dictgen -corpus testdata/corpus/sessions-v1.jsonl.zst
//	go run ./internal/cmd/dictgen -corpus /tmp/corpus.jsonl.zst -dict codec/dictionaries/default-v2.zdict -id 2
//
// The corpus is deterministic (internal/sessiongen), and a codec test checks
// the committed copy. Training is not deterministic, and a dictionary's bytes
// must never change once tokens use its ID, so -dict refuses to overwrite an
// existing file: a retrained dictionary is a new dictionary with a new ID.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/sessiongen"
	"github.com/klauspost/compress/zstd"
)

func main() {
	corpusPath := flag.String("corpus", "", "write the corpus here (zstd-compressed JSON lines)")
	dictPath := flag.String("dict", "", "train a dictionary on the corpus and write it here (must not exist)")
	id := flag.Uint("id", 0, "ID of the dictionary to train (with -dict)")
	flag.Parse()
	if *corpusPath == "" {
		log.Fatal("dictgen: -corpus is required")
	}
	samples := sessiongen.Corpus(sessiongen.CorpusSeed, sessiongen.CorpusSize)
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
	if err != nil {
		log.Fatal(err)
	}
	jsonl := append(bytes.Join(samples, []byte("\n")), '\n')
	if err := os.WriteFile(*corpusPath, enc.EncodeAll(jsonl, nil), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("dictgen: %d samples (%d bytes of JSON) written to %s\n", len(samples), len(jsonl), *corpusPath)
	if *dictPath == "" {
		return
	}
	if *id == 0 || *id > 1<<32-1 {
		log.Fatal("dictgen: -dict needs -id, 1 to 2^32-1")
	}
	d, err := codec.TrainDictionary(uint32(*id), samples, codec.DefaultTrainSize)
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.OpenFile(*dictPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		log.Fatalf("dictgen: %v (a dictionary's bytes never change: give a new one a new ID and file)", err)
	}
	if _, err := f.Write(d.Bytes()); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("dictgen: %v written to %s\n", d, *dictPath)
}
