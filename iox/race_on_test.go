//go:build race

package iox

const raceEnabled = true
