//! The command line as clap parses it; the subcommands' files beside it do the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{DEFAULT_TOP, Paths};

const EXAMPLES: &str = "\
Examples:
  passagebot ask \"How is sales different from marketing?\"
  passagebot ask --json --top 5 \"Is marketing data-driven?\"
  printf 'Who should negotiate?\\nWhat is big data?\\n' | passagebot ask --json
  passagebot chat
  passagebot --corpus ~/handouts --index ~/.cache/handouts-index index
  TELOXIDE_TOKEN=123:abc passagebot bot
  passagebot report --html report.html";

/// Ask a document questions: the most relevant passages, quoted verbatim.
#[derive(Debug, Parser)]
#[command(name = "passagebot", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Folder of documents (.md, .txt) to answer from.
    #[arg(
        long,
        global = true,
        env = "PASSAGEBOT_CORPUS",
        default_value = "corpus",
        value_name = "DIR"
    )]
    pub corpus: PathBuf,
    /// Folder where the search index is kept (built on first use).
    #[arg(
        long,
        global = true,
        env = "PASSAGEBOT_INDEX",
        default_value = "index",
        value_name = "DIR"
    )]
    pub index: PathBuf,
    /// Folder for the bot's database (tickets, question log, feedback).
    #[arg(
        long,
        global = true,
        env = "PASSAGEBOT_DATA",
        default_value = "data",
        value_name = "DIR"
    )]
    pub data: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn paths(&self) -> Paths {
        Paths {
            corpus: self.corpus.clone(),
            index: self.index.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Update the index from the corpus folder (only what changed), with progress and a summary.
    #[command(
        after_help = "Examples:\n  passagebot index\n  passagebot index --check\n  passagebot --corpus handouts index --full"
    )]
    Index(IndexArgs),
    /// Answer a question (or each line of standard input) with the best passages.
    #[command(
        after_help = "Examples:\n  passagebot ask \"Is marketing data-driven?\"\n  passagebot ask --json < questions.txt"
    )]
    Ask(AskArgs),
    /// An interactive session for demos: ask, then :more, :why, :quit.
    #[command(
        after_help = "Example:\n  passagebot chat\n  > How is sales different from marketing?\n  > :why"
    )]
    Chat(ChatArgs),
    /// Score answers on a question file: hit@1, hit@3, MRR, abstention, misses.
    #[command(
        after_help = "The file has one JSON object per line:\n  {\"q\": \"Is marketing data-driven?\", \"gold\": [\"data-driven\"], \"kind\": \"direct\"}\n  {\"q\": \"What is the capital of France?\", \"expect\": \"none\"}\n\nExample:\n  passagebot eval my-questions.jsonl"
    )]
    Eval(EvalArgs),
    /// Run the Telegram bot (token in TELOXIDE_TOKEN).
    Bot(crate::bot::BotArgs),
    /// For the classroom: what was asked, answered, handed over, and how people rated it.
    #[command(
        after_help = "Examples:\n  passagebot report\n  passagebot report --since 2025-03-01 --html report.html"
    )]
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Only questions asked on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", value_parser = crate::report::parse_date)]
    pub since: Option<i64>,
    /// Also write the report as a web page with charts (one self-contained file).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// How many of the most frequent questions to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Rebuild everything from scratch instead of only what changed.
    #[arg(long, conflicts_with = "check")]
    pub full: bool,
    /// Only say which documents would be added, changed and removed; write nothing.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct AskArgs {
    /// The question; without it, one question per line is read from standard input.
    #[arg(value_name = "QUESTION")]
    pub question: Vec<String>,
    /// How many passages to show.
    #[arg(long, default_value_t = DEFAULT_TOP, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100))]
    pub top: usize,
    /// One JSON object per question, one per line (the contract in DESIGN.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Question file (JSON Lines, as in shared/eval/seed-public.jsonl).
    #[arg(value_name = "FILE.jsonl")]
    pub file: PathBuf,
    /// How many passages count for hit@k and MRR.
    #[arg(long, default_value_t = DEFAULT_TOP, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100))]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// How many passages each answer (and each :more) shows.
    #[arg(long, default_value_t = 2, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=20))]
    pub top: usize,
}
