package population

import (
	"math/rand/v2"
	"strings"
	"time"
)

// records decides which systems know p and writes each system's record with
// that system's habits: CRM keeps mixed-case e-mail and spaced or national
// phones, the shop lower-cases, the POS keeps national digits, the helpdesk
// sometimes pads e-mail with spaces and knows WhatsApp IDs, the call center
// writes spaced international numbers.
func (g *generator) records(r *rand.Rand, p *Person, ph phone) {
	p.Records = map[string]Record{}
	for _, s := range coreSystems() {
		draw := r.Float64()
		if p.Index%EveryoneEvery == 0 || draw < presence[s] {
			p.Records[s] = Record{}
		}
	}
	if len(p.Records) == 0 {
		p.Records[CRM] = Record{}
	}
	for _, s := range coreSystems() {
		if _, ok := p.Records[s]; !ok {
			continue
		}
		created := between(r, Now.AddDate(0, 0, -HistoryDays-365), Now.AddDate(0, 0, -30))
		rec := Record{
			Key:        g.nextKey(s, p),
			GivenName:  p.GivenName,
			FamilyName: p.FamilyName,
			CreatedAt:  created,
			UpdatedAt:  between(r, created, Now),
		}
		switch s {
		case CRM:
			crmRecord(r, p, ph, &rec)
		case Shop:
			rec.Email = p.Email
			if chance(r, 0.55) {
				rec.Phone = ph.E164()
			}
		case POS:
			posRecord(r, p, ph, &rec)
		case Helpdesk:
			helpdeskRecord(r, p, ph, &rec)
		case Mailing:
			rec.Email = p.Email
			if chance(r, 0.2) {
				rec.Email = mixedCase(p.Email)
			}
			if chance(r, 0.4) {
				rec.Phone = ph.International()
			}
			rec.Subscribed = chance(r, 0.88)
		case Calls:
			rec.Phone = ph.International()
			if chance(r, 0.5) {
				rec.Email = p.Email
			}
		}
		p.Records[s] = rec
	}
}

func crmRecord(r *rand.Rand, p *Person, ph phone, rec *Record) {
	switch e := r.Float64(); {
	case e < 0.05:
	case e < 0.55:
		rec.Email = mixedCase(p.Email)
	default:
		rec.Email = p.Email
	}
	switch f := r.Float64(); {
	case f < 0.08 && rec.Email != "":
	case f < 0.5 && p.Country == "FR":
		rec.Phone = ph.National()
	default:
		rec.Phone = ph.International()
	}
}

func posRecord(r *rand.Rand, p *Person, ph phone, rec *Record) {
	switch e := r.Float64(); {
	case e < 0.35:
	case e < 0.55:
		rec.Email = strings.ToUpper(p.Email)
	default:
		rec.Email = p.Email
	}
	if rec.Email == "" || !chance(r, 0.1) {
		// Tills type French numbers the national way; foreign ones
		// keep their country code.
		if p.Country == "FR" {
			rec.Phone = ph.NationalDigits()
		} else {
			rec.Phone = ph.E164()
		}
	}
	if chance(r, 0.3) {
		rec.FamilyName = strings.ToUpper(p.FamilyName)
	}
	for _, c := range countries {
		if c.code == p.Country {
			rec.HomeStore = c.storeForCity(p.City)
		}
	}
}

func helpdeskRecord(r *rand.Rand, p *Person, ph phone, rec *Record) {
	if chance(r, 0.5) {
		rec.WhatsApp = ph.WhatsApp()
	}
	if chance(r, 0.7) {
		rec.Phone = ph.E164()
	}
	switch e := r.Float64(); {
	case e < 0.15 && rec.WhatsApp != "":
		// Known by WhatsApp only: the profile name is often a first name.
		rec.FamilyName = ""
	case e < 0.3:
		rec.Email = " " + p.Email + " "
	case e < 0.4:
		rec.Email = mixedCase(p.Email)
	default:
		rec.Email = p.Email
	}
}

// activityFrom is when a person's activity in a system can start.
func activityFrom(rec Record) time.Time {
	if rec.CreatedAt.After(HistoryStart) {
		return rec.CreatedAt
	}
	return HistoryStart
}
