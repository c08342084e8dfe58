// Package layers holds the test that keeps the module's imports running one way, as the
// README's Architecture section draws them: each package may import only the layers below
// its own, so no lower package ever depends on a higher one.
package layers
