// Package config parses, defaults and validates the goha cluster
// configuration file (TOML).
package config
