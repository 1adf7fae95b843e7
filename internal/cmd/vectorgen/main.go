// Command vectorgen writes crumb's token test vectors to a directory,
// replacing its *.txt files: run `go generate ./internal/vectors`. The
// output is deterministic; a test fails when the committed files differ.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/crumbhq/crumb/internal/vectors"
)

func main() {
	out := flag.String("out", "", "directory to write the vectors to")
	flag.Parse()
	if *out == "" {
		log.Fatal("vectorgen: -out is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	files := vectors.Generate()
	old, _ := filepath.Glob(filepath.Join(*out, "*.txt"))
	for _, p := range old {
		if _, ok := files[filepath.Base(p)]; !ok {
			if err := os.Remove(p); err != nil {
				log.Fatal(err)
			}
		}
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("vectorgen: %d vectors in %s\n", len(files), *out)
}
