//go:build !race

package credentials_test

const raceEnabled = false
