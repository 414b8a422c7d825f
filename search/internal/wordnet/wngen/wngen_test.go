package wngen

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// fixture is a small database in WordNet's format: lodging above hotel
// above inn, translate with its derived noun, and child with its
// irregular plural.
var fixture = map[string]string{
	"data.noun": `  1 This software and database is being provided ...
00000010 06 n 01 lodging 0 000 | a structure for travellers
00000020 06 n 01 hotel 0 001 @ 00000010 n 0000 | a building where travelers can pay for lodging
00000030 06 n 02 inn 0 hostel 0 001 @ 00000020 n 0000 | a small hotel
00000040 10 n 01 translation 0 001 + 00000050 v 0101 | a written rendering
00000060 18 n 01 child 0 000 | a young person
`,
	"data.verb": `00000050 32 v 01 translate 0 001 + 00000040 n 0101 | restate in another language
`,
	"index.noun": `lodging n 1 1 @ 1 1 00000010
hotel n 1 1 @ 1 1 00000020
inn n 1 1 @ 1 0 00000030
hostel n 1 1 @ 1 0 00000030
translation n 1 1 + 1 1 00000040
child n 1 0 1 1 00000060
`,
	"index.verb": `translate v 1 1 + 1 1 00000050
`,
	"noun.exc": "children child\n",
	"data.adj": "", "data.adv": "", "index.adj": "", "index.adv": "", "verb.exc": "", "adj.exc": "", "adv.exc": "",
}

func fixtureFS(change map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, text := range fixture {
		if c, ok := change[name]; ok {
			text = c
		}
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return fsys
}

func TestBuildFixture(t *testing.T) {
	got, err := BuildFS(fixtureFS(nil), "/dict")
	if err != nil {
		t.Fatal(err)
	}
	// Lodging, hotel and inn are too shallow in this small hierarchy for
	// hotel to be a broader concept (a noun four levels from a root at
	// least): the table keeps the senses, not those hypernyms.
	want := `#synsets
n lodging|
n hotel|
n inn hostel|
n translation|
n child|
v translate|
#words
child 4|
hostel 2|
hotel 1|
inn 2|
lodging 0|
translate 5|translation
translation 3|translate
#exceptions
children child
`
	if string(got) != want {
		t.Fatalf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name   string
		change map[string]string // files changed; "" removes one
		want   string
	}{
		{"missing file", map[string]string{"data.adv": ""}, "/dict/data.adv: open data.adv: file does not exist"},
		{"index names no synset", map[string]string{"index.noun": "hotel n 1 1 @ 1 1 00000099\n"}, "/dict/index.noun:1: hotel: synset 00000099 is in no data file"},
		{"hypernym in no file", map[string]string{"data.noun": "00000020 06 n 01 hotel 0 001 @ 00000011 n 0000 | x\n"}, "synset n 00000020: hypernym n 00000011 is in no data file"},
		{"short word list", map[string]string{"data.noun": "00000020 06 n 03 hotel 0 000 | x\n"}, "/dict/data.noun:1: short word list"},
		{"bad source/target", map[string]string{"data.verb": "00000050 32 v 01 translate 0 001 + 00000040 n 01 | x\n"}, `/dict/data.verb:1: bad source/target "01"`},
		{"negative pointer count", map[string]string{"index.noun": "hotel n 1 -9 @ 1 1 00000020\n"}, "/dict/index.noun:1: bad pointer count -9"},
		{"short index record", map[string]string{"index.noun": "hotel n 1 1 @\n"}, "/dict/index.noun:1: short record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fixtureFS(tt.change)
			for name, text := range tt.change {
				if text == "" {
					delete(fsys, name)
				}
			}
			_, err := BuildFS(fsys, "/dict")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// FuzzBuild builds the table from arbitrary noun data and index files
// beside the fixture's others. Nothing may panic; a table built is the
// same on a second build, has its three sections in order, and every
// synset number in it names a synset line.
func FuzzBuild(f *testing.F) {
	f.Add(fixture["data.noun"], fixture["index.noun"])
	f.Add("00000020 06 n 01 hotel 0 001 @ 00000020 n 0000 | a cycle\n", "hotel n 1 1 @ 1 1 00000020\n")
	f.Add("00000020 06 n 01 Hotel(a) 0 002 + 00000020 n 0101 + 00000020 n 9 | x\n", "hotel n 1 0 9 9 00000020\n")
	f.Fuzz(func(t *testing.T, data, index string) {
		fsys := fixtureFS(map[string]string{"data.noun": data, "index.noun": index})
		got, err := BuildFS(fsys, "/dict")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "wngen: ") {
				t.Fatalf("error %q without its package", err)
			}
			return
		}
		again, err := BuildFS(fsys, "/dict")
		if err != nil || !bytes.Equal(got, again) {
			t.Fatalf("a second build differs (%v)", err)
		}
		text := string(got)
		iw, ie := strings.Index(text, "\n#words\n"), strings.Index(text, "\n#exceptions\n")
		if !strings.HasPrefix(text, "#synsets\n") || iw < 0 || ie < iw {
			t.Fatalf("sections out of order:\n%s", text)
		}
		synsets := strings.Count(text[:iw+1], "\n") - 1
		number := func(s string) {
			if n, err := strconv.Atoi(s); err != nil || n < 0 || n >= synsets {
				t.Fatalf("synset number %q of %d in:\n%s", s, synsets, text)
			}
		}
		for _, line := range strings.Split(text[len("#synsets\n"):iw], "\n") {
			_, hyper, _ := strings.Cut(line, "|")
			for _, h := range strings.Fields(hyper) {
				number(h)
			}
		}
		for _, line := range strings.Split(strings.TrimSuffix(text[iw+len("\n#words\n"):ie+1], "\n"), "\n") {
			senses, _, _ := strings.Cut(line, "|")
			fields := strings.Fields(senses)
			if len(fields) < 2 || !isWord(fields[0]) {
				t.Fatalf("word line %q", line)
			}
			for _, n := range fields[1:] {
				number(n)
			}
		}
	})
}
