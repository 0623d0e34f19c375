//go:build purego

package vmath

// puregoBuild shrinks the accuracy sweep with the purego tag (see
// TestAccuracy).
const puregoBuild = true
