package population

// Product is an item the chain sells, online and in stores.
type Product struct {
	SKU       string
	Title     string
	UnitCents int64
	Slug      string // collection in the shop's URLs
}

// Products is the chain's catalogue (apparel and home goods).
var Products = []Product{
	{"APP-TSH-001", "Organic cotton T-shirt", 2490, "basics"},
	{"APP-TSH-002", "Striped Breton T-shirt", 3490, "basics"},
	{"APP-SHI-010", "Linen shirt", 5990, "linen"},
	{"APP-SHI-011", "Oxford shirt", 4990, "basics"},
	{"APP-SWE-020", "Merino crew-neck sweater", 8990, "knitwear"},
	{"APP-SWE-021", "Cashmere V-neck sweater", 14900, "knitwear"},
	{"APP-CAR-022", "Chunky wool cardigan", 9990, "knitwear"},
	{"APP-JEA-030", "Straight-leg jeans", 6990, "denim"},
	{"APP-JEA-031", "Slim selvedge jeans", 8990, "denim"},
	{"APP-TRO-032", "Wide-leg linen trousers", 6490, "linen"},
	{"APP-DRE-040", "Wrap midi dress", 7990, "dresses"},
	{"APP-DRE-041", "Linen summer dress", 6990, "linen"},
	{"APP-COA-050", "Wool overcoat", 22900, "outerwear"},
	{"APP-JAC-051", "Waxed cotton jacket", 15900, "outerwear"},
	{"APP-JAC-052", "Lightweight rain jacket", 8990, "outerwear"},
	{"APP-SCA-060", "Alpaca scarf", 3990, "accessories"},
	{"APP-BEA-061", "Ribbed beanie", 1990, "accessories"},
	{"ACC-BAG-070", "Leather tote bag", 12900, "accessories"},
	{"ACC-BAG-071", "Canvas weekend bag", 7490, "accessories"},
	{"ACC-BEL-072", "Leather belt", 3990, "accessories"},
	{"SHO-SNE-080", "White leather sneakers", 9990, "shoes"},
	{"SHO-BOO-081", "Chelsea boots", 15900, "shoes"},
	{"SHO-SAN-082", "Leather sandals", 6990, "shoes"},
	{"HOM-THR-100", "Wool throw blanket", 7990, "home"},
	{"HOM-CUS-101", "Linen cushion cover", 2490, "home"},
	{"HOM-BED-102", "Percale duvet cover set", 11900, "home"},
	{"HOM-TOW-103", "Organic bath towel", 1990, "home"},
	{"HOM-MUG-104", "Stoneware mug", 1290, "home"},
	{"HOM-CAN-105", "Scented candle, fig", 2990, "home"},
	{"HOM-VAS-106", "Glass vase", 3490, "home"},
	{"HOM-LMP-107", "Ceramic table lamp", 8990, "home"},
	{"HOM-PLT-108", "Dinner plate set of 4", 4490, "home"},
	{"SOC-SOC-110", "Merino socks, 3-pack", 1990, "basics"},
	{"GFT-CRD-120", "Gift card", 5000, "gifts"},
}

var campaignThemes = []struct {
	title string
	slug  string
}{
	{"New season: %s collection", "new-in"},
	{"%s edit: knitwear we love", "knitwear"},
	{"Linen essentials for %s", "linen"},
	{"Members' week: double loyalty points (%s)", "members"},
	{"Private sale, up to 40%% off (%s)", "sale"},
	{"Home refresh: %s picks", "home"},
	{"Gift guide %s", "gifts"},
	{"Denim that lasts: %s", "denim"},
	{"Your %s newsletter", "newsletter"},
	{"Back in stock: %s favourites", "restock"},
}

var months = []string{"January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"}

// shopBaseURL is the made-up public address of the online store.
const shopBaseURL = "https://shop.harmony.example"

var subjects = []string{
	"Where is my order %s?",
	"Return request for order %s",
	"Wrong size delivered (order %s)",
	"Refund not received for %s",
	"Question about loyalty points",
	"Store opening hours",
	"Change my delivery address",
	"Damaged item received",
	"Discount code not working",
	"Exchange in store?",
	"Update my e-mail address",
	"Gift card balance",
	"Is the %s available in my size?",
	"Invoice request",
}

var agents = []string{"Camille R.", "Lukas B.", "Sofia M.", "Giulia P.", "Tom H.", "Emma V.", "Hugo L.", "Nina K."}
