package procstat

import (
	"os"
	"testing"
)

func TestReadsOwnProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if _, err := CPU(os.Getpid()); err != nil {
		t.Fatalf("CPU: %v", err)
	}
	// RSS first: the peak read after it cannot be lower.
	now, err := RSS(os.Getpid())
	if err != nil {
		t.Fatalf("RSS: %v", err)
	}
	peak, err := PeakRSS(os.Getpid())
	if err != nil {
		t.Fatalf("PeakRSS: %v", err)
	}
	if now <= 0 || peak < now {
		t.Errorf("RSS = %d, then PeakRSS = %d; want 0 < RSS ≤ PeakRSS", now, peak)
	}
}
