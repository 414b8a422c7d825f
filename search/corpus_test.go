package search_test

// corpusDir is the tool-retrieval corpus, relative to this package.
const corpusDir = "../../shared/corpus/toolsearch"
