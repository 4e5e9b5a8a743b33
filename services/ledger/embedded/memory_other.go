//go:build !linux

package embedded

// physicalMemory is the machine's RAM in bytes, or 0 if unknown (always
// unknown outside Linux, where the default cache size applies).
func physicalMemory() int64 { return 0 }
