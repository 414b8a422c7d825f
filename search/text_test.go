package search

import (
	"slices"
	"testing"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"camelCase", "getHealthWorkforce", []string{"gethealthworkforce", "health", "workforc"}},
		{"PascalCase acronym", "HTTPResponseCode", []string{"httpresponsecode", "http", "respons", "code"}},
		{"snake_case", "get_route_directions", []string{"rout", "direct"}},
		{"kebab-case", "get-weread-rank", []string{"weread", "rank"}},
		{"letters and digits", "image4", []string{"image4", "imag", "4"}},
		{"stop words dropped", "Can you please find the weather for me?", []string{"find", "weather"}},
		{"stemming", "running searches translated", []string{"run", "search", "translat"}},
		{"short words kept", "db config", []string{"db", "config"}},
		{"possessive", "user's files", []string{"user", "file"}},
		{"stem exception", "sports news", []string{"sport", "news"}},
		{"recency words dropped", "the latest news, current and new", []string{"news"}},
		{"CJK bigrams", "获取新闻", []string{"获取", "取新", "新闻"}},
		{"single CJK character", "汤", []string{"汤"}},
		{"mixed scripts", "bing必应", []string{"bing", "必应"}},
		{"accented letters", "café résumé", []string{"café", "résumé"}},
		{"empty", "", nil},
		{"punctuation only", "--- !!! ...", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Terms(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPorterStem(t *testing.T) {
	tests := map[string]string{
		"caresses": "caress", "ponies": "poni", "cats": "cat", "agreed": "agre",
		"plastered": "plaster", "motoring": "motor", "hopping": "hop", "filing": "file",
		"happy": "happi", "relational": "relat", "conditional": "condit", "digitizer": "digit",
		"formaliti": "formal", "electrical": "electr", "hopefulness": "hope", "adjustment": "adjust",
		"adoption": "adopt", "controlling": "control", "rate": "rate", "is": "is", "naïve": "naïve",
	}
	for in, want := range tests {
		if got := porterStem(in); got != want {
			t.Errorf("porterStem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitSegments(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"one request", []string{"one request"}},
		{"Book a hotel. Then find a flight!", []string{"Book a hotel.", "Then find a flight!"}},
		{"read audio2.mp3 and v1.2 notes", []string{"read audio2.mp3 and v1.2 notes"}},
		{"first line\nsecond line", []string{"first line", "second line"}},
		{"查询天气。推荐餐厅", []string{"查询天气。", "推荐餐厅"}},
		{"Compare the two files, then write a report", []string{"Compare the two files.", "then write a report"}},
		{"Read it, and after that summarise", []string{"Read it.", "after that summarise"}},
		{"  ", nil},
	}
	for _, tt := range tests {
		if got := splitSegments(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitSegments(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRewritePaths(t *testing.T) {
	tests := []struct{ in, want string }{
		{"save it in /root/markdown/bitcoin.md", "save it in  file bitcoin md "},
		{"redirect to `/login` in /root/code/mw.ts.", "redirect to `/login` in  file mw ts ."},
		{"use and/or", "use and/or"},
		{"What files are in my /root/music folder?", "What files are in my  file music  folder?"},
		{"the /root/git/ directory", "the  file git  directory"},
		{`open C:\Users\me\notes.txt now`, "open  file notes txt  now"},
		{"fetch https://example.com/a/b.html", "fetch https://example.com/a/b.html"},
		{"react-chartjs-2 and audio2.mp3", "react-chartjs-2 and audio2.mp3"},
		{"no paths here", "no paths here"},
	}
	for _, tt := range tests {
		if got := rewritePaths(tt.in); got != tt.want {
			t.Errorf("rewritePaths(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitClauses(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"one clause", []string{"one clause"}},
		{"read the sheet, plot a bar chart and save it", []string{"read the sheet", "plot a bar chart", "save it"}},
		{"headings, tables, body, footnotes", []string{"headings", "tables", "body", "footnotes"}},
		{"income of 15,000 CNY", []string{"income of 15,000 CNY"}},
		{"rock AND roll", []string{"rock", "roll"}},
		{"brandy or sand andesite", []string{"brandy or sand andesite"}},
		{"查询天气，推荐餐厅", []string{"查询天气", "推荐餐厅"}},
		{"trailing, ", []string{"trailing"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := splitClauses(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitClauses(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
