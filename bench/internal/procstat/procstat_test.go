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

func TestMachineCountsIdleAndIOWaitAsNotBusy(t *testing.T) {
	// user nice system idle iowait irq softirq steal guest guest_nice
	busy, total, err := machine("cpu  100 20 30 800 40 5 5 0 7 0")
	if err != nil {
		t.Fatal(err)
	}
	if busy != 160*clockTick || total != 1000*clockTick {
		t.Errorf("busy %s of %s, want 1.6s of 10s", busy, total)
	}
	if _, _, err := machine("intr 1 2 3"); err == nil {
		t.Error("a line other than cpu was read")
	}
}
