//go:build !purego

package vmath

const puregoBuild = false
