package wordnet

import "testing"

func BenchmarkRelated(b *testing.B) {
	db := Load()
	words := []string{"pictures", "translating", "weather", "cheapest", "flights", "xqzt", "summarize"}
	for b.Loop() {
		for _, w := range words {
			for _, l := range db.Lemmas(w) {
				db.Related(l, 2, 1)
			}
		}
	}
}
