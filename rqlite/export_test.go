package rqlite

import "io"

// WriteHorseRequest writes a job request on a horse's pipe, as a worker
// does, for the tests that play the worker.
func WriteHorseRequest(w io.Writer, id, serializer string, hash map[string][]byte) error {
	return (&horseRequest{ID: id, Serializer: serializer, Hash: hash}).write(w)
}
