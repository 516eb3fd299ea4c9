//go:build !race

package iox

const raceEnabled = false
