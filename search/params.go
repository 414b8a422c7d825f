package search

import "github.com/toolgate/toolgate/search/internal/tuning"

// NewIndexParams returns an empty index ranked with the constants p
// instead of the shipped ones. It is for the evaluation command of this
// module (search/cmd/searcheval), which chooses the constants by
// leave-one-set-out; p's type is internal, so other code uses [NewIndex].
func NewIndexParams(p tuning.Params) *Index { return newIndex(p) }
