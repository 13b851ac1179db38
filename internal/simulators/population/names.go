package population

// country holds what the generator needs to make a plausible resident.
type country struct {
	code     string
	weight   int // share of the population, in percent
	language string
	given    []string
	family   []string
	cities   []string
	stores   []string // stores of the chain in this country, first is the default
	domains  []string // mailbox providers (reserved example domains)
}

// countries sum to 100 percent; France is the chain's home market.
var countries = []country{
	{
		code: "FR", weight: 40, language: "fr",
		given: []string{"Marie", "Camille", "Léa", "Chloé", "Manon", "Inès", "Zoé", "Élodie", "Sophie", "Hélène",
			"Julien", "Thomas", "Nicolas", "Lucas", "Hugo", "Antoine", "Mathieu", "Théo", "François", "Jérôme"},
		family: []string{"Dupont", "Martin", "Bernard", "Dubois", "Durand", "Lefèvre", "Moreau", "Laurent", "Simon", "Michel",
			"Garcia", "Roux", "Fournier", "Girard", "Bonnet", "Mercier", "Lambert", "Faure", "Rousseau", "Blanc", "Le Gall", "Chevalier"},
		cities:  []string{"Paris", "Lyon", "Bordeaux", "Lille", "Marseille", "Nantes", "Toulouse", "Strasbourg"},
		stores:  []string{"Paris Rivoli", "Paris La Défense", "Lyon Part-Dieu", "Bordeaux Sainte-Catherine", "Lille Euralille"},
		domains: []string{"example.com", "example.net", "laposte.example", "orange.example", "free.example"},
	},
	{
		code: "DE", weight: 15, language: "de",
		given: []string{"Anna", "Lena", "Hannah", "Sophie", "Laura", "Julia", "Katrin", "Jürgen",
			"Lukas", "Jonas", "Felix", "Maximilian", "Paul", "Tobias", "Stefan", "Jörg"},
		family: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
			"Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann"},
		cities:  []string{"Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main"},
		stores:  []string{"Berlin Mitte", "München Kaufingerstraße"},
		domains: []string{"example.com", "example.org", "gmx.example", "web.example"},
	},
	{
		code: "ES", weight: 12, language: "es",
		given: []string{"Lucía", "María", "Carmen", "Paula", "Elena", "Sara", "Alba",
			"Javier", "Pablo", "Alejandro", "Daniel", "Sergio", "José", "Adrián"},
		family: []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
			"Pérez", "Gómez", "Ruiz", "Díaz", "Moreno", "Álvarez", "Romero"},
		cities:  []string{"Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao"},
		stores:  []string{"Madrid Gran Vía", "Barcelona Passeig de Gràcia"},
		domains: []string{"example.com", "example.net", "telefonica.example", "correo.example"},
	},
	{
		code: "IT", weight: 10, language: "it",
		given: []string{"Giulia", "Francesca", "Chiara", "Sara", "Martina", "Alessia",
			"Marco", "Luca", "Matteo", "Andrea", "Davide", "Niccolò"},
		family: []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo",
			"Ricci", "Marino", "Greco", "Bruno", "De Luca", "Conti"},
		cities:  []string{"Milano", "Roma", "Torino", "Bologna", "Firenze"},
		stores:  []string{"Milano Corso Vittorio Emanuele", "Roma Via del Corso"},
		domains: []string{"example.com", "example.org", "libero.example", "tiscali.example"},
	},
	{
		code: "GB", weight: 10, language: "en",
		given: []string{"Olivia", "Amelia", "Isla", "Emily", "Charlotte", "Grace",
			"Oliver", "George", "Harry", "Jack", "James", "William"},
		family: []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies",
			"Evans", "Thomas", "Roberts", "O'Brien", "Walker"},
		cities:  []string{"London", "Manchester", "Birmingham", "Bristol", "Edinburgh"},
		stores:  []string{"London Covent Garden"},
		domains: []string{"example.com", "example.net", "btinternet.example", "mail.example"},
	},
	{
		code: "NL", weight: 7, language: "nl",
		given: []string{"Emma", "Julia", "Sanne", "Fleur", "Lotte",
			"Daan", "Sem", "Lars", "Bram", "Thijs"},
		family: []string{"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker",
			"Visser", "Smit", "Meijer", "de Boer"},
		cities:  []string{"Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"},
		stores:  []string{"Amsterdam Kalverstraat"},
		domains: []string{"example.com", "example.org", "ziggo.example", "kpn.example"},
	},
	{
		code: "US", weight: 6, language: "en",
		given: []string{"Ava", "Mia", "Harper", "Madison", "Abigail",
			"Ethan", "Noah", "Liam", "Mason", "Logan"},
		family: []string{"Johnson", "Miller", "Davis", "Anderson", "Jackson", "White",
			"Harris", "Clark", "Lewis", "Robinson"},
		cities:  []string{"New York", "Boston", "Chicago", "San Francisco", "Seattle"},
		stores:  []string{"New York SoHo"},
		domains: []string{"example.com", "example.net", "mail.example", "inbox.example"},
	},
}

// storeForCity returns the store named after the person's city, if the
// chain has one there, else the country's flagship store.
func (c *country) storeForCity(city string) string {
	for _, s := range c.stores {
		if len(s) > len(city) && s[:len(city)] == city && s[len(city)] == ' ' {
			return s
		}
	}
	return c.stores[0]
}

// allStores lists every store of the chain, country by country.
func allStores() []string {
	var out []string
	for _, c := range countries {
		out = append(out, c.stores...)
	}
	return out
}
