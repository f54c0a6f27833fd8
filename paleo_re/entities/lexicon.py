"""Word lists the entity rules rely on: general knowledge about names, not corpus strings.

Gazetteers from a vocab directory are small and noisy, so the rules lean on what a
paleontologist knows anyway: the names of time units, the shape of Latin names, the words
that head a rock unit or a place, and the English words that look like names but are not.
"""

from __future__ import annotations

# Systems and eras (matched case-insensitively, so `CAMBRIAN` in headings counts).
PERIODS = frozenset("""
cambrian precambrian ordovician silurian devonian carboniferous permian ediacaran vendian
proterozoic neoproterozoic mesoproterozoic palaeozoic paleozoic phanerozoic cryogenian
tremadoc tremadocian cambro-ordovician
""".split())

# Global and regional series/stage names (Laurentia, Australia, Siberia, South China,
# Iberia/Morocco, Avalonia, Baltica, Kazakhstan).
STAGES = frozenset("""
terreneuvian fortunian miaolingian wuliuan drumian guzhangian furongian paibian jiangshanian
waucoban albertan croixan begadean dyeran montezuman delamaran topazan marjuman steptoean
sunwaptan skullrockian stairsian ibexian lincolnian millardan dresbachian franconian
trempealeauan georgian acadian potsdamian
ordian templetonian floran undillan boomerangian mindyallan idamean iverian payntonian
datsonian warendan
nemakit-daldynian tommotian atdabanian botomian toyonian amgan mayan aksayan sakian aisarian
ayusokkanian tuorian
meishucunian chiungchussuan qiongzhusian tsanglangpuan canglangpuan lungwangmiaoan
longwangmiaoan maochuangian hsuchuangian changhian kushanian changshanian fengshanian
duyunian taijiangian wangcunian youshuian nangaoan jinningian duibianian
ovetian marianian bilbilian leonian caesaraugustan languedocian issendalenian banian
tissafinian corduban
solvan menevian maentwrogian ffestiniogian dolgellian merioneth comleyan lenian aldanian
""".split())

# Heads that make a preceding time name a unit (`Steptoean Stage`, `Cambrian System`).
CHRONO_HEADS = ("Stage", "Stages", "Series", "Epoch", "Age", "System", "Subsystem", "stage",
                "series", "epoch")

# Time-unit modifiers kept inside a CHRONO span; superlatives (`lowermost`) are not here.
TIME_MODIFIERS = frozenset("""
lower middle upper early late mid Lower Middle Upper Early Late Mid mid- Mid- Lower- Upper-
Middle- Early- Late-
""".split())
RANGE_JOINERS = frozenset(["and", "to", "-", "–", "—", "or"])

# Heads of lithostratigraphic and biostratigraphic units.
ROCK_HEADS = ("Formation", "Formations", "Fm", "Fms", "Member", "Members", "Mbr", "Shale",
              "Sh", "Limestone", "Limestones", "Lst", "Dolomite", "Dol", "Dolostone",
              "Sandstone", "Sst", "Quartzite", "Group", "Gp", "Grp", "Supergroup", "Subgroup",
              "Beds", "Bed", "Conglomerate", "Cgte", "Slate", "Slates", "Argillite", "Siltstone",
              "Mudstone", "Greywacke", "Graywacke", "Marl", "Chert", "Olistolith", "Volcanics",
              "Suite", "Horizon", "Complex", "Schist", "Schists", "Tillite", "Phyllite")
ZONE_HEADS = ("Zone", "Zones", "Biozone", "Biozones", "Subzone", "Subzones", "Superzone",
              "Assemblage", "Assemblages", "Assemblage-Zone", "Assemblage-Zones", "Faunule",
              "Interval", "Biomere", "Chronozone", "Lineage-Zone")
LOWER_ZONE_HEADS = ("zone", "zones", "biozone", "subzone", "superzone", "faunule")
POSITION_MEMBERS = ("Lower", "Middle", "Upper", "Basal", "Top")

# Place heads after a name (`Chief Range`, `Georgina Basin`) and before it (`Mount Stephen`).
PLACE_HEADS = ("County", "Range", "Ranges", "Mountains", "Mountain", "Mts", "Hills", "Hill",
               "Basin", "Platform", "Peninsula", "Island", "Islands", "River", "Valley", "Creek",
               "Canyon", "Lake", "Bay", "Province", "District", "Region", "Peak", "Quarry",
               "Gorge", "Plateau", "Massif", "Fjord", "Fiord", "Land", "Territory",
               "Territories", "Park", "Summit", "Reservoir", "Wash", "Pass", "Gap", "Spring",
               "Springs", "Amphitheater", "Amphitheatre", "Glacier", "Shelf", "Terrane",
               "Craton", "Belt", "Uplift", "Trough", "Gulf", "Coast", "Desert", "Ridge",
               "Butte", "Cliffs", "Harbour", "Harbor", "Brook", "Dome", "Fold", "Foldbelt",
               "Sea", "Ocean", "Margin", "Strait", "Section", "Prefecture", "Oblast", "Krai")
PLACE_TAILS_LOWER = ("section", "quarry", "Plat-")
PLACE_PREFIXES = ("Mount", "Mt", "Mt.", "Lake", "Cape", "Isle", "Sierra", "Cerro", "Monte",
                  "Mont", "Fort", "Port", "Jebel", "Jbel", "Djebel", "Oued", "Wadi", "Rio", "Río",
                  "Gora", "Ilha", "Lac", "Val", "Montagne", "Montagnes", "Montes")
PLACE_OF_HEADS = ("District", "Province", "Gulf", "Isle", "Bay", "Republic", "Sea",
                  "Commonwealth")

# Compass words absorbed before a place (`western Queensland`, `NE Spain`, `North Greenland`).
COMPASS = frozenset("""
north south east west northern southern eastern western central northeastern northwestern
southeastern southwestern northeast northwest southeast southwest north-east north-west
south-east south-west north-eastern north-western south-eastern south-western
North South East West Northern Southern Eastern Western Central Northeast Northwest Southeast
Southwest NE NW SE SW N S E W
""".split())

# Institutions: a place followed by one of these is part of a name that is no entity.
INSTITUTION_HEADS = ("Museum", "University", "Survey", "Institute", "Institution", "Society",
                     "Academy", "College", "Department", "Press", "Association", "Foundation",
                     "Laboratory", "Library", "Council", "Commission", "Centre", "Center",
                     "School", "Bureau", "Ministry", "Herbarium", "Publishing", "Publishers")

# Countries, states and provinces, regions and palaeocontinents: world knowledge.
PLACES = frozenset("""
Afghanistan Albania Algeria Antarctica Argentina Armenia Australia Austria Azerbaijan
Belgium Bhutan Bolivia Bosnia Brazil Bulgaria Cambodia Canada Chile China Colombia Croatia
Cuba Cyprus Denmark Ecuador Egypt England Estonia Ethiopia Finland France Georgia Germany
Greece Greenland Hungary Iceland India Indonesia Iran Iraq Ireland Israel Italy Japan
Kazakhstan Korea Kyrgyzstan Laos Latvia Libya Lithuania Macedonia Malaysia Mali Mauritania
Mexico Mongolia Montenegro Morocco Myanmar Namibia Nepal Netherlands Niger Nigeria Norway
Oman Pakistan Peru Poland Portugal Romania Russia Scotland Serbia Slovakia Slovenia Spain
Sweden Switzerland Syria Tajikistan Thailand Tunisia Turkey Turkmenistan Ukraine Uruguay USA
U.S.A. UK Uzbekistan Venezuela Vietnam Wales Yemen Zambia Zimbabwe
Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Hawaii Idaho
Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan
Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania
Tennessee Texas Utah Vermont Virginia Washington Wisconsin Wyoming
Alberta Manitoba Ontario Quebec Saskatchewan Yukon Nunavut Newfoundland Labrador
Queensland Tasmania Victoria
Anhui Fujian Gansu Guangdong Guangxi Guizhou Hainan Hebei Heilongjiang Henan Hubei Hunan
Jiangsu Jiangxi Jilin Liaoning Ningxia Qinghai Shaanxi Shandong Shanxi Sichuan Tibet Xinjiang
Xizang Yunnan Zhejiang Shanghai Beijing Tianjin Chongqing
Siberia Yakutia Tuva Altai Altay Salair Sayan Kuznetsk Transbaikalia Taimyr Chukotka Karelia
Scandinavia Bornholm Öland Västergötland Närke Scania Skåne Jämtland Lapland Estonia
Bohemia Moravia Silesia Bavaria Thuringia Saxony Sardinia Sicily Corsica Brittany Normandy
Normandie Catalonia Aragon Cantabria Galicia Asturias Andalusia Iberia Armorica Perunica
Laurentia Gondwana Gondwanaland Baltica Avalonia Ganderia Megumia Carolinia Cadomia Rodinia
Pannotia Panthalassa Iapetus Rheic Tornquist
Europe Asia Africa America Australasia Oceania Arabia Anatolia Patagonia Sinai Himalaya
Himalayas Kashmir Ladakh Kumaun Tarim Pamir Kyrgyz Korea
Svalbard Spitsbergen Ellesmere Adelaide Sydney Nanjing Taiwan
Anti-Atlas Appalachians Ozarks
""".split()) | frozenset(name.strip() for name in """
Nova Scotia, New Brunswick, New Jersey, New York, New Mexico, New Hampshire, New Zealand,
New South Wales, Northwest Territories, Northern Territory, Western Australia, South Australia,
British Columbia, North America, South America, North Carolina, South Carolina, North Dakota,
South Dakota, West Virginia, Rhode Island, North Korea, South Korea, United States,
United Kingdom, Czech Republic, Great Britain, Great Basin, Inner Mongolia, Victoria Land,
Rocky Mountains, South China, North China, Siberian Platform, Yangtze Platform,
Tien Shan, Hong Kong, High Atlas, Middle Atlas
""".split(","))

# Informal group names used as plural nouns (`trilobites`, `agnostoids`) and formal higher
# taxa (`Trilobita`, `Corynexochida`).
GROUP_PLURALS = frozenset("""
trilobites brachiopods agnostoids agnostids olenellids olenelloids hyoliths hyolithids
hyolithelminths archaeocyaths archaeocyathans archaeocyathids acritarchs echinoderms
eodiscoids eodiscids paradoxidids ceratopygids redlichiids ptychopariids corynexochids
conodonts protoconodonts paraconodonts graptolites sponges demosponges hexactinellids
arthropods euarthropods ostracods bradoriids molluscs mollusks gastropods cephalopods
monoplacophorans rostroconchs helcionelloids chancelloriids radiocyaths cnidarians priapulids
lobopodians anomalocaridids radiodonts tommotiids halkieriids stenothecids lingulids
lingulates linguliformeans obolids acrotretids crinoids eocrinoids edrioasteroids
stylophorans cinctans ctenocystoids helicoplacoids chelicerates phosphatocopids
palaeoscolecids cambroclaves coeloscleritophorans stromatolites sabelliditids anabaritids
cloudinids calcimicrobes algae cyanobacteria aglaspidids
trilobita arthropoda euarthropoda brachiopoda mollusca echinodermata porifera cnidaria
hyolitha archaeocyatha lobopodia radiodonta agnostina agnostida eodiscina olenellina
redlichiina redlichiida ptychopariina ptychopariida corynexochida asaphida proetida
polymerida bradoriida conodonta chordata priapulida ostracoda
""".split())

# Capitalised words that are not names: they never start a unit or place name.
NAME_STOPWORDS = frozenset("""
the a an in of on at from to by for with and or nor but this that these those its their our
his her all some both each any no not during near between within into upon above below
over under after before since until while when where which who whose what than then thus
however although because as is was are were be been has have had we it there here see cf
fig figs figure figures pl plate plates table tables text note notes remarks discussion
material materials occurrence occurrences locality localities type holotype paratype
paratypes diagnosis description introduction abstract summary conclusions results methods
such other new many most several various same one two three four five six seven eight nine
ten first second third fourth only also more less very well like unlike lower middle upper
early late basal top base uppermost lowermost topmost earliest latest mid
figure specimen specimens species genus genera family subfamily order class phylum fauna
faunas sample samples collection collections section sections unit units stage series
zone zones formation formations member members age ages north south east west northern
southern eastern western central trilobite trilobites geology geological stratigraphy
palaeontology paleontology journal bulletin memoir memoirs volume vol proceedings
transactions special paper papers press university museum survey professional report
chapter part appendix field acta revue revista boletim bolletino bollettino studies
""".split())

# Lower-case words that are English, not Latin epithets, though they end like one.
EPITHET_STOPWORDS = frozenset("""
this thus was has his its is as plus versus genus status various previous numerous famous
previous analysis basis axis thesis emphasis synthesis hypothesis diagnosis consensus
nucleus radius surplus bonus corpus focus campus census virus apparatus stimulus terminus
taxa data area idea fauna faunas flora strata criteria media formula formulae lamina laminae
extra via era sera agenda quota alpha beta gamma delta sigma drama plasma magma schema
stigma trauma lava tundra camera dilemma opera umbrella larva larvae vertebra nebula
antenna antennae villa saliva arena tibia retina
maximum minimum medium spectrum stratum datum album forum vacuum museum premium sum
optimum quantum momentum curriculum symposium podium equilibrium petroleum aluminium
sodium calcium
index complex appendix matrix apex cortex vertex box six mix fix fax wax tax relax
alumni stimuli nuclei radii fungi foci termini
lobes tubes types lines times sites zones genes ones bones scales shapes species
specimens series
also from into onto unto upon about among along against ideas areas eras
multi semi anti mini
ichnofauna biota
""".split())

# Lower-cased abbreviations (without their stop) of unit words, and what they stand for: the
# knowledge graph writes names out in full, and the entity patterns add the full form of the
# rank words in `ABBREVIATED_HEADS` (`Marjum Fm` also as `Marjum Formation`).
UNIT_ABBREVIATIONS: dict[str, str] = {
    "fm": "Formation", "fms": "Formations", "mbr": "Member", "mb": "Member",
    "gp": "Group", "grp": "Group", "sgp": "Supergroup", "ls": "Limestone",
    "lst": "Limestone", "sh": "Shale", "ss": "Sandstone", "sst": "Sandstone",
    "dol": "Dolomite", "qtz": "Quartzite", "cgte": "Conglomerate", "mt": "Mount",
    "mts": "Mountains",
}
ABBREVIATED_HEADS = {abbr.capitalize(): UNIT_ABBREVIATIONS[abbr]
                     for abbr in ("fm", "sh", "lst", "dol", "cgte", "gp", "mbr", "sst")}
