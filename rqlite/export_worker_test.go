package rqlite

import "math/rand/v2"

// SeedQueueShuffle makes w's DequeueRandom shuffles come from a generator
// seeded with seed, for tests that must not depend on luck.
func SeedQueueShuffle(w *Worker, seed uint64) {
	w.fetch.shuffle = rand.New(rand.NewPCG(seed, seed)).Shuffle
}
