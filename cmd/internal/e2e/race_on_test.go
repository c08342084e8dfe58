//go:build race

package e2e

// raceDetector slows the gateway several times over: load tests scale down under it.
const raceDetector = true
