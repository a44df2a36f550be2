//! What kind of answer a question asks for, when its form says so, and
//! whether a passage could hold one: "How much is the tuition?" needs a
//! price, "What year did he start?" a year, "How many people …?" a number.
//!
//! Read by rule from the question's first words, so only forms that leave no
//! doubt count: "how much does marketing matter" asks for no number, and
//! "when does sales take over" for no date. A passage holds the kind when it
//! has what such answers are written with (digits, number words, a currency,
//! a decade). Asked of their own articles, 8 of SQuAD's 5,397 development
//! questions were judged lacking, 4 of them wrongly ("How many biomolecules
//! contain no oxygen?", "Only a few"; QUALITY.md, session 11).

use serde::Serialize;

/// A kind of answer a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// "What year …", "When was … founded": a year, decade, century or date.
    Year,
    /// "How long …": a length of time.
    Duration,
    /// "How many …", "What percentage …": a number.
    Count,
    /// "How much does … cost / earn": an amount of money.
    Money,
    /// "Which company …", "Name a firm …": a name (a company, a language, a
    /// city), written with a capital.
    Name,
}

impl Expected {
    /// The kind in words, for `/why`: "the question asks for {a year}".
    pub fn describe(self) -> &'static str {
        match self {
            Expected::Year => "a year or a date",
            Expected::Duration => "a length of time",
            Expected::Count => "a number",
            Expected::Money => "an amount of money",
            Expected::Name => "a name",
        }
    }

    /// The kind without its article: "the text gives no {year or date}".
    pub fn noun(self) -> &'static str {
        let described = self.describe();
        described
            .strip_prefix("an ")
            .or_else(|| described.strip_prefix("a "))
            .unwrap_or(described)
    }
}

/// Words a reader puts before the question proper ("and how many …").
const LEADING: &[&str] = &[
    "and", "so", "ok", "okay", "but", "then", "well", "hey", "also", "hi", "hello",
];

/// Past events whose "when" asks for a date ("When was it founded?"). Not
/// "start": "when did he start?" is answered by "more than 28 years" too.
const DATED: &[&str] = &[
    "founded",
    "introduced",
    "born",
    "invented",
    "established",
    "created",
    "built",
    "published",
    "released",
    "died",
    "discovered",
    "first",
    "launch",
    "launched",
    "open",
    "opened",
];

/// With "how much", words that make it a question of money.
const MONEY_ASKED: &[&str] = &[
    "cost", "costs", "costing", "pay", "pays", "paid", "earn", "earns", "earned", "charge",
    "charges", "charged", "price", "priced", "tuition", "fee", "fees", "salary", "salaries",
    "spend", "spends", "spent", "worth", "money", "dollar", "dollars", "budget", "revenue",
    "profit", "raise", "raised",
];

/// What a "which …" or "name a …" question asks the name of.
const NAMED: &[&str] = &[
    "company",
    "companies",
    "firm",
    "firms",
    "brand",
    "brands",
    "corporation",
    "corporations",
    "organisation",
    "organisations",
    "organization",
    "organizations",
    "agency",
    "agencies",
    "consultancy",
    "consultancies",
    "vendor",
    "vendors",
    "language",
    "languages",
    "software",
    "platform",
    "platforms",
    "app",
    "apps",
    "website",
    "websites",
    "book",
    "books",
    "university",
    "universities",
    "school",
    "schools",
    "city",
    "cities",
    "country",
    "countries",
    "crm",
    "crms",
];

/// Words that make "how much does … cost" a comparison, which words answer.
const COMPARING: &[&str] = &[
    "compared", "compare", "than", "vs", "versus", "relative", "cheaper", "costlier",
];

/// Number words (not "one", which is as often a pronoun: "one-to-one").
const NUMBERS: &[&str] = &[
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "billions",
    "trillion",
    "trillions",
    "dozen",
    "dozens",
    "single",
    "once",
    "twice",
    "thrice",
    "both",
    "half",
    "couple",
    "pair",
    "several",
    "none",
    "zero",
];

/// Words a length of time is given in, besides numbers.
const TIMES: &[&str] = &[
    "second",
    "seconds",
    "minute",
    "minutes",
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "decade",
    "decades",
    "century",
    "centuries",
    "semester",
    "semesters",
    "lifetime",
    "long",
    "longer",
    "short",
    "shorter",
    "brief",
    "briefly",
    "quick",
    "quickly",
    "forever",
];

/// Words that place something in time, besides a year's digits ("May" is
/// left out: it is as often a verb).
const DATES: &[&str] = &[
    "century",
    "centuries",
    "decade",
    "decades",
    "ago",
    "era",
    "age",
    "ages",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Words an amount of money is written with, besides a currency sign.
const CURRENCIES: &[&str] = &[
    "dollar",
    "dollars",
    "euro",
    "euros",
    "pound",
    "pounds",
    "cent",
    "cents",
    "yen",
    "usd",
    "eur",
    "gbp",
    "free",
    "cheap",
    "expensive",
    "percent",
];

/// Multipliers written after a number of money ("$2 million", "5k").
const MAGNITUDES: &[&str] = &["million", "billion", "thousand", "k", "m", "bn"];

/// The lower-case words of `text` (letters and digits; "50-person" is two).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn is_number(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit())
}

/// The kind of answer `question` asks for, when its form leaves no doubt.
pub fn of_question(question: &str) -> Option<Expected> {
    let all = words(question);
    let start = all
        .iter()
        .position(|w| !LEADING.contains(&w.as_str()))
        .unwrap_or(all.len());
    let w: Vec<&str> = all[start..].iter().map(String::as_str).collect();
    // "In what year", "since which decade", "on what date".
    let asked = match w.as_slice() {
        ["in" | "on" | "since" | "until" | "by", rest @ ..] => rest,
        rest => rest,
    };
    if let ["what" | "which", "year" | "decade" | "century" | "date", ..] = asked {
        return Some(Expected::Year);
    }
    match w.as_slice() {
        ["when", "was" | "were" | "did", rest @ ..] if rest.iter().any(|x| DATED.contains(x)) => {
            Some(Expected::Year)
        }
        // A comparison ("how many more … than …", "how much does marketing
        // cost compared to sales?") is answered in words too: "much higher
        // using sales".
        ["how", "long" | "many" | "much", rest @ ..]
            if rest.iter().any(|x| COMPARING.contains(x)) =>
        {
            None
        }
        ["how", "long", ..] => Some(Expected::Duration),
        ["how", "many", ..] => Some(Expected::Count),
        [
            "what",
            "percentage" | "percent" | "proportion" | "fraction",
            ..,
        ] => Some(Expected::Count),
        ["how", "much", rest @ ..] if rest.iter().any(|x| MONEY_ASKED.contains(x)) => {
            Some(Expected::Money)
        }
        // "Which consulting firms …", "what company …", "name a company …":
        // the noun right after, or after one word that qualifies it; not "what
        // kind of companies …", which asks for a description, nor "what does
        // your company …".
        ["which" | "what", named @ ..]
        | ["name", "a" | "an" | "some" | "one" | "any", named @ ..]
            if names_asked(named) =>
        {
            Some(Expected::Name)
        }
        _ => None,
    }
}

/// Whether `passage` has what an answer of kind `expected` is written with.
pub fn holds(expected: Expected, passage: &str) -> bool {
    let w = words(passage);
    let any = |list: &[&str]| w.iter().any(|x| list.contains(&x.as_str()));
    match expected {
        Expected::Year => w.iter().any(|x| is_year(x) || is_decade(x)) || any(DATES),
        Expected::Duration => w.iter().any(|x| is_number(x)) || any(NUMBERS) || any(TIMES),
        Expected::Count => w.iter().any(|x| is_number(x)) || any(NUMBERS),
        Expected::Name => names_something(passage),
        Expected::Money => {
            passage.contains(['$', '€', '£', '¥', '%'])
                || any(CURRENCIES)
                || w.windows(2)
                    .any(|p| is_number(&p[0]) && MAGNITUDES.contains(&p[1].as_str()))
                || w.iter().any(|x| is_amount(x))
        }
    }
}

/// Whether `words` start with a kind of thing that has a name ("consulting
/// firms", "company"), not with a word that makes them a clause ("does
/// your company …").
fn names_asked(words: &[&str]) -> bool {
    match words {
        [first, ..] if NAMED.contains(first) => true,
        [first, second, ..] => NAMED.contains(second) && !NOT_QUALIFYING.contains(first),
        _ => false,
    }
}

/// Words that cannot qualify the noun after them in "which … company".
const NOT_QUALIFYING: &[&str] = &[
    "is", "are", "was", "were", "does", "do", "did", "can", "could", "should", "would", "will",
    "has", "have", "had", "about", "of", "in", "for", "the", "a", "an", "your", "my", "our", "his",
    "her", "their", "its", "this", "that", "kind", "kinds", "sort", "sorts", "type", "types",
];

/// Whether `passage` has a word written with a capital that does not start a
/// sentence ("at the University of Vermont"), or one in capitals ("UVM").
fn names_something(passage: &str) -> bool {
    let mut sentence_start = true;
    for word in passage.split_whitespace() {
        let letters = word.trim_matches(|c: char| !c.is_alphanumeric());
        let capital = letters.chars().next().is_some_and(char::is_uppercase);
        let acronym = letters.chars().filter(|c| c.is_uppercase()).count() >= 2;
        if acronym || (capital && !sentence_start && letters != "I") {
            return true;
        }
        if !letters.is_empty() || word.ends_with(['.', '!', '?']) {
            sentence_start = word.ends_with(['.', '!', '?', ':']);
        }
    }
    false
}

/// "1987", "2024": a four-digit year from 1000 to 2099.
fn is_year(word: &str) -> bool {
    word.len() == 4
        && word.chars().all(|c| c.is_ascii_digit())
        && (word.starts_with('1') || word.starts_with("20"))
}

/// "1960s", "90s".
fn is_decade(word: &str) -> bool {
    word.strip_suffix('s')
        .is_some_and(|d| (2..=4).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

/// "5k", "2m", "3bn": a number with its multiplier attached.
fn is_amount(word: &str) -> bool {
    ["k", "m", "bn"].iter().any(|m| {
        word.strip_suffix(m)
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_forms_that_leave_no_doubt_ask_for_a_kind() {
        for (q, kind) in [
            (
                "What year did Joe Candido start his career?",
                Some(Expected::Year),
            ),
            ("In which decade was it written?", Some(Expected::Year)),
            (
                "When were toll-free 800 numbers first introduced?",
                Some(Expected::Year),
            ),
            (
                "and how long has he been doing this",
                Some(Expected::Duration),
            ),
            (
                "How many salespeople does Amazon employ?",
                Some(Expected::Count),
            ),
            ("What percentage of deals close?", Some(Expected::Count)),
            (
                "How much is tuition for the certificate?",
                Some(Expected::Money),
            ),
            ("How much does a sales rep earn?", Some(Expected::Money)),
            ("how much does marketing cost compared to sales?", None),
            (
                "How many more people does marketing reach than sales?",
                None,
            ),
            // Degree, not amount; time, not date; a number inside a yes/no question.
            (
                "how much person to person contact is there in marketing",
                None,
            ),
            ("When does sales take over from marketing?", None),
            ("does marketing track how much of the market we own", None),
            ("What is the difference between sales and marketing?", None),
            (
                "Which consulting firms specialize in sales training?",
                Some(Expected::Name),
            ),
            (
                "Name a company famous for sales and marketing alignment.",
                Some(Expected::Name),
            ),
            ("Which programming language is best?", Some(Expected::Name)),
            ("What kind of companies need marketing?", None),
            ("Which team looks at market share?", None),
            ("What does your company's future depend on?", None),
            ("What is the company's future?", None),
            ("what company does he run", Some(Expected::Name)),
            ("", None),
        ] {
            assert_eq!(of_question(q), kind, "{q}");
        }
    }

    #[test]
    fn a_passage_holds_a_kind_when_it_has_what_such_answers_are_written_with() {
        let bio = "Joe Candido has more than 28 years of experience in sales and marketing.";
        assert!(holds(Expected::Count, bio));
        assert!(holds(Expected::Duration, bio));
        assert!(!holds(Expected::Year, bio));
        assert!(!holds(Expected::Money, bio));
        let style = "On the other hand, sales is usually one-to-one or one to a very few.";
        assert!(!holds(Expected::Count, style));
        assert!(holds(Expected::Year, "It was founded in 1987."));
        assert!(holds(Expected::Year, "Built in the 1960s."));
        assert!(holds(Expected::Year, "It opened in March."));
        assert!(!holds(Expected::Year, "Sales may follow."));
        assert!(holds(Expected::Money, "The course costs $1,200."));
        assert!(holds(Expected::Money, "Revenue grew by 2 million."));
        assert!(holds(Expected::Money, "a 5k budget"));
        assert!(holds(Expected::Count, "There are two kinds."));
        assert!(holds(
            Expected::Name,
            "He teaches at the University of Vermont."
        ));
        assert!(holds(Expected::Name, "Ask the UVM office."));
        assert!(!holds(
            Expected::Name,
            "Sales and marketing are complementary. Both matter."
        ));
        assert!(!holds(Expected::Name, "I think so."));
    }
}
