package rqlite

// DecodeCall reads a job's data field, as the worker does, for the tests
// of the decode limits.
var DecodeCall = decodeCall
