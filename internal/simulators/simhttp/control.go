package simhttp

import (
	"net/http"
	"time"
)

// Stats is the body of GET /_sim/stats.
type Stats struct {
	Requests int64            `json:"requests"`
	Routes   map[string]int64 `json:"routes"`
}

// Control is the body of POST /_sim/control; absent fields are unchanged.
type Control struct {
	LatencyMS *int64 `json:"latency_ms,omitempty"`
	Down      *bool  `json:"down,omitempty"`
	// Garbage answers malformed (cut-off) JSON.
	Garbage *bool `json:"garbage,omitempty"`
	// Hang accepts requests and never answers them.
	Hang *bool `json:"hang,omitempty"`
	// Status forces an HTTP status (500, 429...); 0 turns it off.
	Status *int `json:"status,omitempty"`
	// HugeBytes answers 200 with a JSON body of that many bytes; 0 turns
	// it off.
	HugeBytes *int64 `json:"huge_bytes,omitempty"`
	Reset     bool   `json:"reset,omitempty"`
}

// controlState is the answer of POST /_sim/control.
type controlState struct {
	LatencyMS int64 `json:"latency_ms"`
	Down      bool  `json:"down"`
	Garbage   bool  `json:"garbage"`
	Hang      bool  `json:"hang"`
	Status    int   `json:"status"`
	HugeBytes int64 `json:"huge_bytes"`
}

func (s *Server) serveStats(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, Stats{Requests: s.Total(), Routes: s.Counts()})
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	var c Control
	if err := DecodeJSON(w, r, &c); err != nil {
		WriteError(w, http.StatusBadRequest, "bad_request", "invalid control body")
		return
	}
	if c.Status != nil && *c.Status != 0 && (*c.Status < 400 || *c.Status > 599) {
		WriteError(w, http.StatusBadRequest, "bad_request", "status must be 0 or from 400 to 599")
		return
	}
	if c.LatencyMS != nil {
		s.SetLatency(time.Duration(*c.LatencyMS) * time.Millisecond)
	}
	if c.Down != nil {
		s.SetDown(*c.Down)
	}
	if c.Garbage != nil {
		s.SetGarbage(*c.Garbage)
	}
	if c.Hang != nil {
		s.SetHang(*c.Hang)
	}
	if c.Status != nil {
		s.SetStatus(*c.Status)
	}
	if c.HugeBytes != nil {
		s.SetHuge(*c.HugeBytes)
	}
	if c.Reset {
		s.Reset()
	}
	WriteJSON(w, http.StatusOK, controlState{
		LatencyMS: s.Latency().Milliseconds(),
		Down:      s.Down(),
		Garbage:   s.Garbage(),
		Hang:      s.Hang(),
		Status:    s.Status(),
		HugeBytes: s.Huge(),
	})
}
