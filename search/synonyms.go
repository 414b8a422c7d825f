package search

import "strings"

// The concept lexicon: general English knowledge about what people ask
// tools for. Each line is either a group of words that mean the same thing
// ("a b c": each matches the others) or a list of specific words and the
// broader concepts they belong to ("bitcoin ethereum > cryptocurrency":
// a query about bitcoin also matches a tool about cryptocurrency, not the
// other way round). Words are stemmed like index terms when the lexicon is
// built. The lexicon is domain-general: it is not tied to any catalogue.
const lexicon = `
picture image photo photograph pic snapshot
video clip footage movie film
film movie cinema
song music track tune
audio sound
podcast episode
book novel ebook
article paper publication
paper research academic scholarly scholar scientific study journal
news headline headlines
find search lookup look locate discover seek query
create make generate build produce
delete remove erase
update modify edit change
show display view list
get fetch retrieve obtain
send post deliver
buy purchase shop order
sell sale
price cost fee rate pricing
cheap discount coupon deal bargain
job career employment hire hiring recruit vacancy position work
resume cv
salary wage pay income
weather forecast temperature climate rain snow wind humidity
map route direction navigation navigate
place location area nearby near local neighborhood
restaurant cafe dining diner eatery bistro
food meal dish cuisine recipe cooking cook
hotel accommodation lodging stay motel hostel resort inn
flight airline airport plane fly
trip travel journey vacation holiday tour tourism itinerary
house home housing apartment flat property condo residence
rent rental lease renting tenant
car vehicle automobile auto
translate translation translator
language linguistic
email mail inbox
message chat conversation
calendar schedule appointment meeting event
reminder todo task note
document doc file
spreadsheet excel sheet table
presentation slide slides powerpoint deck
chart graph plot diagram visualization visualize
summary summarize summarise summarization abstract overview digest tldr
code coding program programming software developer
repository repo github project
website site webpage page web homepage
seo ranking visibility traffic keyword
marketing advertising ad ads campaign promotion
company business firm corporation enterprise organization startup
stock share equity ticker
invest investment investing investor portfolio trading trade trader
bank banking account
money currency cash
exchange convert conversion
law legal lawyer attorney statute regulation court
health medical medicine doctor clinic symptom disease illness
drug medication medicine pharmaceutical prescription
fitness exercise workout gym training
diet nutrition calorie calories
game gaming play player
sport sports match league team score
learn learning course education tutorial lesson class study teach teaching tutor
quiz test exam
question answer ask
gift present
astrology horoscope zodiac
charity nonprofit donation donate
memory remember recall
security vulnerability scan exploit
weather meteorology
time clock date timezone
location address geocode coordinates
earthquake seismic quake
space astronomy nasa planet galaxy star
quote quotation
poem poetry
joke humor funny
meme memes
font typography
color colour palette
review rating feedback opinion
compare comparison versus
bitcoin ethereum dogecoin solana litecoin ripple xrp nft defi blockchain token altcoin uniswap coinbase binance > cryptocurrency crypto finance financial market price
crypto cryptocurrency > finance financial coin
stock stocks nasdaq nyse dow equity shares dividend earnings ipo etf option options > finance financial market invest
forex usd eur gbp jpy yen euro dollar pound rupee yuan > currency exchange money
laptop phone smartphone headphone headphones earbuds camera tv television tablet watch shoe shoes sneaker sneakers handbag bag dress shirt jacket jeans clothing clothes sofa couch chair furniture mattress appliance gadget electronics > product shopping shop buy
nike adidas amazon ebay walmart > product shopping shop
apartment condo studio bedroom > house housing property rent
mortgage realtor > house property buy purchase
airbnb homestay > accommodation stay rent
tokyo paris london york beijing shanghai berlin rome madrid sydney > city travel place
pizza burger sushi pasta coffee breakfast lunch dinner brunch > food restaurant
python javascript typescript golang java rust ruby php sql > code programming
bug error exception crash > code fix debug
pdf docx word > document file
mp3 wav > audio file
mp4 mov > video file
png jpg jpeg gif svg > image file
twitter tweet facebook instagram tiktok reddit linkedin youtube weibo > social media
youtube > video
spotify > music
arxiv pubmed > paper research academic
covid vaccine virus cancer diabetes > health medical disease
football soccer basketball baseball tennis golf nba nfl > sport sports
chess poker sudoku > game
ielts toefl sat gre > exam test learn english
resume interview > job career
save export > write file
md markdown txt text > file document
xlsx xls csv > spreadsheet excel file
pptx ppt > presentation file
today tomorrow yesterday tonight weekday monday tuesday wednesday thursday friday saturday sunday > date day
street avenue road boulevard lane district > address location place
downtown campus suburb neighbourhood > location place area
city town village > location place
website webpage url link > web page browser
tutorial guide documentation manual handbook howto
painting sculpture artwork masterpiece drawing > art
gold silver platinum copper oil > commodity asset
folder directory
calculate compute calculation
transcript subtitle subtitles caption captions
history log changelog
download fetch retrieve
dependency dependencies package library
vulnerability vulnerabilities cve exploit
user account profile member
issue ticket bug
payment invoice billing charge
customer client
meeting conference
upload attach attachment
permission access role privilege
notification alert notify
subscription subscribe plan
`

// synonymTable is the stemmed lexicon: term -> same-concept terms and
// term -> broader concepts.
type synonymTable struct {
	same    map[string][]string
	broader map[string][]string
}

// synTable is built when the package is initialised and never modified.
var synTable = buildSynonyms(lexicon)

func buildSynonyms(src string) synonymTable {
	t := synonymTable{same: map[string][]string{}, broader: map[string][]string{}}
	stem := func(words string) []string {
		var out []string
		for _, w := range strings.Fields(words) {
			for _, term := range Terms(w) {
				out = append(out, term)
			}
		}
		return out
	}
	link := func(m map[string][]string, from, to string) {
		if from == to {
			return
		}
		for _, x := range m[from] {
			if x == to {
				return
			}
		}
		m[from] = append(m[from], to)
	}
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if lhs, rhs, ok := strings.Cut(line, ">"); ok {
			for _, a := range stem(lhs) {
				for _, b := range stem(rhs) {
					link(t.broader, a, b)
				}
			}
			continue
		}
		group := stem(line)
		for _, a := range group {
			for _, b := range group {
				link(t.same, a, b)
			}
		}
	}
	return t
}

// synonymsOf returns the stemmed terms that mean the same as the stemmed
// term t.
func synonymsOf(t string) []string { return synTable.same[t] }

// broaderOf returns the stemmed terms naming broader concepts than t.
func broaderOf(t string) []string { return synTable.broader[t] }
