// Command gen writes the word-relation table of package wordnet from the
// WordNet 3.0 database (scripts/setup/wordnet.sh installs it):
//
//	go run ./gen -dict /usr/share/wordnet -out table.txt.gz
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"

	"github.com/toolgate/toolgate/search/internal/wordnet/wngen"
)

func main() {
	dict := flag.String("dict", "/usr/share/wordnet", "WordNet 3.0 database folder (data.noun, index.noun, ...)")
	out := flag.String("out", "table.txt.gz", "output file (gzip-compressed text)")
	flag.Parse()
	if err := run(*dict, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dict, out string) error {
	table, err := wngen.Build(dict)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(table); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
