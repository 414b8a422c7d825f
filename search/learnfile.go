package search

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/toolgate/toolgate/internal/every"
)

// What was learned from callers, kept across restarts
// (Options.LearnFile): a JSON object holding, for each tool, its learned
// words and the votes behind them (each term's callers, as salted hashes:
// they tell callers apart, never name them), and the salt. Stems of
// request words are in it; requests are not.

// learnFileVersion is the format's version; a file of another is not read.
const learnFileVersion = 1

// learnWriteEvery is how often the file is written, when votes were taken
// since; Close writes it too.
const learnWriteEvery = time.Minute

type learnFile struct {
	Version int                    `json:"version"`
	Salt    string                 `json:"salt"`
	Tools   map[string]learnedTool `json:"tools"`
}

type learnedTool struct {
	Words []string            `json:"words,omitempty"` // written for the file's readers; read, they are derived from the votes
	Votes map[string][]uint64 `json:"votes"`
}

// write writes what l learned to w.
func (l *learner) write(w io.Writer) (changes uint64, err error) {
	l.mu.Lock()
	f := learnFile{Version: learnFileVersion, Salt: hex.EncodeToString(l.salt[:]), Tools: make(map[string]learnedTool, len(l.votes))}
	for tool, byTerm := range l.votes {
		f.Tools[tool] = learnedTool{Words: l.words[tool], Votes: byTerm}
	}
	changes = l.changes
	b, err := json.Marshal(f) // under the lock: the maps are l's own
	l.mu.Unlock()
	if err != nil {
		return 0, err
	}
	_, err = w.Write(b)
	return changes, err
}

// read replaces what l learned with what r holds, or returns an error
// saying what is wrong with it and leaves l as it was. Past the bounds
// (maxVotes pairs, maxVoters callers, the words a tool keeps), what r
// holds is cut.
func (l *learner) read(r io.Reader) error {
	var f learnFile
	dec := json.NewDecoder(r)
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("not a learned-words file: %w", err)
	}
	if f.Version != learnFileVersion {
		return fmt.Errorf("version %d, not %d", f.Version, learnFileVersion)
	}
	salt, err := hex.DecodeString(f.Salt)
	if err != nil || len(salt) != len(l.salt) {
		return errors.New("the salt is not 32 hexadecimal digits")
	}
	votes := map[string]map[string][]uint64{}
	var pairs votesHeld
	for tool, t := range f.Tools {
		byTerm := map[string][]uint64{}
		for term, callers := range t.Votes {
			if pairs.full(term) || term == "" || len(callers) == 0 {
				continue
			}
			byTerm[term] = slices.Clone(callers[:min(len(callers), maxVoters)])
			pairs.add(term, 1)
		}
		if len(byTerm) > 0 {
			votes[tool] = byTerm
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	copy(l.salt[:], salt)
	l.votes, l.words, l.pairs = votes, map[string][]string{}, pairs
	l.relearnAll() // from the votes, by this learner's rules: the file's words are for its readers
	return nil
}

// readLearned reads Options.LearnFile, if set, into the index's learner
// before the catalogue is indexed. A file that cannot be read is logged
// and learned over.
func (s *Service) readLearned(ctx context.Context) {
	path := s.opts.LearnFile
	if path == "" {
		return
	}
	found, err := readFileKept(path, s.ix.learner().read)
	switch {
	case !found:
		s.log.InfoContext(ctx, "search: no learned-words file yet", "file", path)
	case err == nil:
		words, tools := s.ix.learner().counts()
		s.log.InfoContext(ctx, "search: learned words read", "file", path, "words", words, "tools", tools)
		s.learnWritten.Store(s.ix.learner().changeCount())
	default:
		s.log.WarnContext(ctx, "search: learned-words file not used; learning starts over", "file", path, "err", err)
	}
}

// writeLearned writes the index's learner to Options.LearnFile, if set and
// votes were taken since it was last read or written: to a temporary file
// in the same folder, renamed over the file once whole.
func (s *Service) writeLearned(ctx context.Context) {
	path := s.opts.LearnFile
	l := s.ix.learner()
	if path == "" || l == nil {
		return
	}
	s.learnWrite.Lock()
	defer s.learnWrite.Unlock()
	if l.changeCount() == s.learnWritten.Load() {
		return
	}
	changes, err := writeFileAtomic(path, l.write)
	s.st.wrote(&s.st.learnErr, err)
	if err != nil {
		s.log.WarnContext(ctx, "search: writing the learned-words file failed", "file", path, "err", err)
		return
	}
	s.learnWritten.Store(changes)
	s.log.DebugContext(ctx, "search: learned words written", "file", path)
}

// learnWriter writes the learned-words file every learnWriteEvery while
// votes are taken, until ctx ends.
func (s *Service) learnWriter(ctx context.Context, interval time.Duration) {
	every.Run(ctx, interval, s.writeLearned)
}

// changeCount is the number of votes l has taken.
func (l *learner) changeCount() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changes
}
