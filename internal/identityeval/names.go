package identityeval

import "strings"

// Given and family names the population draws from. The couples' names
// (Michel/Michèle...) are kept out of the general lists so that only the
// couple trap gives them.
var (
	frenchFemale = []string{
		"Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Valérie", "Christine",
		"Sophie", "Sandrine", "Céline", "Hélène", "Camille", "Émilie", "Julie", "Léa", "Chloé", "Manon",
		"Inès", "Élodie", "Aurélie", "Margaux", "Zoé", "Agnès", "Béatrice", "Juliette", "Clémence",
		"Anne-Sophie", "Marie-Claire", "Marie-Laure", "Anne-Marie", "Marie-Christine",
	}
	frenchMale = []string{
		"Jean", "Pierre", "Philippe", "Nicolas", "Christophe", "Stéphane", "Laurent", "Thomas", "Julien",
		"Sébastien", "Antoine", "Mathieu", "Olivier", "François", "Hugo", "Lucas", "Théo", "Jérôme",
		"Benoît", "Rémi", "Grégoire", "Vincent", "Guillaume", "Arnaud", "Baptiste", "Maxime",
		"Jean-Pierre", "Jean-Luc", "Jean-Marc", "Pierre-Yves", "Jean-François", "Jean-Baptiste",
	}
	frenchFamily = []string{
		"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
		"Simon", "Laurent", "Lefebvre", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
		"Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
		"Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
		"Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier",
		"Robin", "Masson", "Sanchez", "Gérard", "Nguyen", "Boyer", "Lemaire", "Duval", "Joly", "Gautier",
		"Roger", "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Pérez", "Marchand", "Dufour",
		"Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin", "Fernandez",
		"Le Gall", "Da Silva", "Saint-Martin", "De la Fontaine",
	}
	americanFemale = []string{
		"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
		"Emily", "Ashley", "Olivia", "Madison", "Megan", "Hannah", "Rachel", "Lauren", "Amanda", "Nicole",
	}
	americanMale = []string{
		"James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Charles", "Christopher",
		"Matthew", "Ethan", "Andrew", "Joshua", "Ryan", "Brandon", "Tyler", "Kevin", "Brian", "Jacob",
	}
	americanFamily = []string{
		"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
		"Moore", "Jackson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright",
		"Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter",
		"Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy",
		"O'Brien", "McDonald",
	}
)

// coupleNames are spouses' given names one or two letters apart: a name
// guard that accepts one-letter typos accepts the first five.
var coupleNames = [][2]string{
	{"Michel", "Michèle"}, {"Denis", "Denise"}, {"Louis", "Louise"}, {"Daniel", "Danielle"},
	{"Pascal", "Pascale"}, {"Frédéric", "Frédérique"}, {"Gabriel", "Gabrielle"}, {"Joël", "Joëlle"},
}

// commonNames are the very common names many different people carry.
var commonNames = []struct{ given, family, country string }{
	{"Marie", "Martin", "FR"}, {"Jean", "Martin", "FR"}, {"Nathalie", "Bernard", "FR"},
	{"Philippe", "Petit", "FR"}, {"John", "Smith", "US"}, {"Mary", "Johnson", "US"},
}

// asciiFold writes a name the way it goes into an e-mail address or a
// handle: lower case, accents dropped, spaces and apostrophes removed.
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == ' ', r == '\'':
		default:
			if f, ok := accentFold[r]; ok {
				b.WriteString(f)
			}
		}
	}
	return b.String()
}

var accentFold = map[rune]string{
	'à': "a", 'â': "a", 'ä': "a", 'ç': "c", 'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'î': "i", 'ï': "i", 'ô': "o", 'ö': "o", 'ù': "u", 'û': "u", 'ü': "u", 'ÿ': "y", 'œ': "oe", 'æ': "ae",
}

// sameGiven reports whether two given names are one name as the truth sees
// it: equal after folding case and accents and reading a hyphen as a space
// ("Jean-Pierre" is "jean pierre").
func sameGiven(a, b string) bool { return givenKey(a) == givenKey(b) }

func givenKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r == '-' {
			r = ' '
		}
		if f, ok := accentFold[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
