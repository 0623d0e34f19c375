//go:build race

package vec

// raceEnabled shortens the long length of testLengths under the race
// detector, which slows the tests' scalar loops tenfold; the plain test run
// covers the long length.
const raceEnabled = true
