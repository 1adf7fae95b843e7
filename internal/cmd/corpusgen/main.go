// Command corpusgen writes the varied session corpus
// (internal/variedcorpus) and trains candidate dictionaries on a mix of it
// and the built-in dictionary's corpus.
//
//	go run ./internal/cmd/corpusgen -corpus testdata/corpus/varied-v1.jsonl
//	go run ./internal/cmd/corpusgen -dict bench/testdata/candidate-v2.zdict -id 2
//
// The corpus is deterministic, and a test checks the committed copy. With
// -dict, the dictionary is trained with codec.TrainDictionary (the tooling
// of the built-in dictionary ID 1: klauspost/compress/dict, 16 KiB of
// content) on internal/sessiongen's corpus (seed 1, 512 sessions) plus the
// training part of the varied corpus, as crumb's JSON serializer encodes
// them; never on the held-out part. Training is not deterministic, so -dict
// refuses to overwrite a file.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/sessiongen"
	"github.com/crumbhq/crumb/internal/variedcorpus"
)

func main() {
	corpusPath := flag.String("corpus", "", "write the varied corpus here (JSON lines)")
	in := flag.String("in", "testdata/corpus/varied-v1.jsonl", "the varied corpus to train on (with -dict)")
	dictPath := flag.String("dict", "", "train a dictionary on the mix and write it here (must not exist)")
	id := flag.Uint("id", 0, "ID of the dictionary to train (with -dict)")
	repeat := flag.Int("repeat", 1, "how many times the varied training part is repeated in the mix (its weight)")
	size := flag.Int("size", codec.DefaultTrainSize, "dictionary content size in bytes")
	flag.Parse()
	if *corpusPath == "" && *dictPath == "" {
		log.Fatal("corpusgen: -corpus or -dict is required")
	}
	if *corpusPath != "" {
		var buf bytes.Buffer
		sessions := variedcorpus.Generate(variedcorpus.Seed)
		if err := variedcorpus.Encode(&buf, sessions); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*corpusPath, buf.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("corpusgen: %d sessions (%d bytes) written to %s\n", len(sessions), buf.Len(), *corpusPath)
	}
	if *dictPath == "" {
		return
	}
	if *id == 0 || *id > 1<<32-1 {
		log.Fatal("corpusgen: -dict needs -id, 1 to 2^32-1")
	}
	sessions, err := variedcorpus.Load(*in)
	if err != nil {
		log.Fatal(err)
	}
	samples, err := TrainingMix(sessions, *repeat)
	if err != nil {
		log.Fatal(err)
	}
	d, err := codec.TrainDictionary(uint32(*id), samples, *size)
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.OpenFile(*dictPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		log.Fatalf("corpusgen: %v (training is not deterministic: a new dictionary gets a new file)", err)
	}
	if _, err := f.Write(d.Bytes()); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("corpusgen: %v trained on %d samples, written to %s\n", d, len(samples), *dictPath)
}

// TrainingMix returns the samples a candidate is trained on: sessiongen's
// corpus (the one of dictionary 1) followed by the training part of the
// varied corpus, repeat times, each serialized with codec.JSON.
func TrainingMix(sessions []variedcorpus.Session, repeat int) ([][]byte, error) {
	samples := sessiongen.Corpus(sessiongen.CorpusSeed, sessiongen.CorpusSize)
	for range repeat {
		for _, s := range variedcorpus.Filter(sessions, variedcorpus.Train) {
			b, err := codec.JSON{}.Marshal(s.Session)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.ID, err)
			}
			samples = append(samples, b)
		}
	}
	return samples, nil
}
