//go:build race

package safetensors_test

// raceEnabled skips the memory bounds of Read under the race detector,
// whose instrumentation changes what escapes to the heap (Read allocated
// 7.0 bytes per header byte there, 5.0 without it).
const raceEnabled = true
