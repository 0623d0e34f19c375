package bench

import (
	"syscall"
	"testing"
)

// reportPeakRSS reports the process's peak resident memory so far as the
// metric peak-RSS-MB. The peak covers everything the test binary ran before,
// so run one benchmark alone for its own figure, e.g.
//
//	go test -run '^$' -bench 'MLPStep/batch=256/arena' ./bench/
func reportPeakRSS(b *testing.B) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Logf("getrusage: %v", err)
		return
	}
	b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB") // Linux reports KiB
}
