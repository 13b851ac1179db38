// Package procstat reads a process's CPU time and peak resident memory from
// /proc (Linux only).
package procstat

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of /proc/PID/stat times: USER_HZ, 100 on Linux.
const clockTick = 10 * time.Millisecond

// CPU returns the user and system CPU time process pid has used.
func CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read process stat: %w", err)
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return 0, fmt.Errorf("process stat: no command name")
	}
	fields := strings.Fields(string(b[end+1:]))
	// Fields after the name start at field 3; utime is 14, stime 15.
	if len(fields) < 13 {
		return 0, fmt.Errorf("process stat: %d fields", len(fields))
	}
	var total int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("process stat: %w", err)
		}
		total += n
	}
	return time.Duration(total) * clockTick, nil
}

// FileRSS returns the part of process pid's resident set mapped from files
// (RssFile): for a Go program, mostly the pages of its own executable.
func FileRSS(pid int) (int64, error) { return status(pid, "RssFile") }

// PeakRSS returns process pid's peak resident set size (VmHWM), in bytes.
func PeakRSS(pid int) (int64, error) { return status(pid, "VmHWM") }

// RSS returns process pid's resident set size now (VmRSS), in bytes.
func RSS(pid int) (int64, error) { return status(pid, "VmRSS") }

// status reads a "kB" field of /proc/PID/status, in bytes.
func status(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read process status: %w", err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), field+":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(line), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("process status %s: %w", field, err)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read process status: %w", err)
	}
	return 0, fmt.Errorf("process status: no %s", field)
}

// ResetPeakRSS starts process pid's VmHWM again from its current RSS
// (Linux 4.0 and later), so that the next PeakRSS covers what follows.
func ResetPeakRSS(pid int) error {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return fmt.Errorf("reset peak rss: %w", err)
	}
	return nil
}

// Machine returns the machine's busy and total CPU time over all cores
// since boot, from the first line of /proc/stat (idle and iowait are not
// busy).
func Machine() (busy, total time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, fmt.Errorf("read /proc/stat: %w", err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return machine(string(line))
}

func machine(line string) (busy, total time.Duration, err error) {
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: unexpected first line")
	}
	var idle int64
	var sum int64
	// user nice system idle iowait irq softirq steal (guest time is already
	// in user).
	for i, f := range fields[1:min(len(fields), 9)] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
		sum += n
		if i == 3 || i == 4 {
			idle += n
		}
	}
	return time.Duration(sum-idle) * clockTick, time.Duration(sum) * clockTick, nil
}
