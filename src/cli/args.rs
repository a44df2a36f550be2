//! The command line as clap parses it; the subcommands' files beside it do the work.

use std::net::SocketAddr;
use std::path::PathBuf;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};

use crate::config::{DEFAULT_TOP, Paths};
use crate::engine::tuning::Tuning;

const EXAMPLES: &str = "\
Examples:
  passagebot ask \"How is sales different from marketing?\"
  passagebot ask --json --top 5 \"Is marketing data-driven?\"
  printf 'Who should negotiate?\\nWhat is big data?\\n' | passagebot ask --json
  passagebot chat
  passagebot chat --wall --log
  passagebot --corpus ~/handouts --index ~/.cache/handouts-index index
  TELOXIDE_TOKEN=123456789:your-token-from-BotFather-goes-here passagebot bot
  TELOXIDE_TOKEN=123456789:your-token-from-BotFather-goes-here passagebot bot --wall 8088
  passagebot report --html report.html";

/// Ask a document questions: the most relevant passages, quoted verbatim.
#[derive(Debug, Parser)]
#[command(name = "passagebot", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Folder of documents to answer from (.md/.markdown, .txt/.text, .html/.htm, .pdf).
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
    /// Ranking knobs for experiments, as key=value pairs (e.g. proximity=0.5,context=0.3);
    /// the knobs and their measured defaults are in src/engine/tuning.rs and QUALITY.md.
    #[arg(
        long,
        global = true,
        env = "PASSAGEBOT_TUNING",
        value_name = "KNOBS",
        default_value = "",
        hide_default_value = true
    )]
    pub tuning: Tuning,
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

/// What a command-line parse failure prints, and the exit code: help and
/// the version as clap writes them (to stdout, code 0); an error on stderr
/// as `passagebot: …` like every other error of the program, code 2.
pub fn parse_failure(err: &clap::Error) -> (String, ExitCode) {
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => (
            err.render().to_string(),
            ExitCode::from(err.exit_code() as u8),
        ),
        _ => {
            let text = err.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            (format!("passagebot: {text}"), ExitCode::from(2))
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
    /// A conversation for demos: questions, follow-ups ("and marketing?", "why?"), small talk; :more, :why, :quit.
    #[command(
        after_help = "Examples:\n  passagebot chat\n  > How is sales different from marketing?\n  > and marketing?\n  > :why\n  printf 'hi\\nWhat is the article about?\\n' | passagebot chat --json\n  passagebot chat --wall --log     (a demo without Telegram: open http://127.0.0.1:8088/ on the projector; `passagebot report` afterwards)\n  passagebot chat --wall 0.0.0.0:8088 --wall-token \"$(openssl rand -hex 12)\""
    )]
    Chat(ChatArgs),
    /// Score answers on a question file: hit@1, hit@k (k = --top), MRR, abstention, misses.
    #[command(
        after_help = "The file has one JSON object per line:\n  {\"q\": \"Is marketing data-driven?\", \"gold\": [\"data-driven\"], \"kind\": \"direct\"}\n  {\"q\": \"What is the capital of France?\", \"expect\": \"none\"}\n\nExample:\n  passagebot eval my-questions.jsonl"
    )]
    Eval(EvalArgs),
    /// Run the Telegram bot (token in TELOXIDE_TOKEN).
    #[command(
        after_help = "Examples (the token is the one @BotFather gives you, digits:letters):\n  TELOXIDE_TOKEN=123456789:your-token-from-BotFather-goes-here passagebot bot\n  TELOXIDE_TOKEN=123456789:your-token-from-BotFather-goes-here passagebot bot --wall 8088"
    )]
    Bot(BotArgs),
    /// For the classroom: what was asked, answered, handed over, and how people rated it.
    #[command(
        after_help = "Examples:\n  passagebot report\n  passagebot report --since 2025-03-01 --html report.html"
    )]
    Report(ReportArgs),
    /// Suggested phrasings from the bot's use: list them, accept (into the corpus) or reject.
    #[command(
        after_help = "Suggestions come from the bot: an operator's \"This answered it\" under a ticket, a reader's pick after \"Did you mean …?\", a 👍 on an unsure answer, a question rephrased until it was answered. Accepting one appends {\"q\": …, \"answer\": …} to learned.questions.jsonl in the corpus folder.\n\nExamples:\n  passagebot learn list\n  passagebot learn accept 3 5\n  passagebot --corpus handouts --data /var/lib/passagebot learn reject 4"
    )]
    Learn(LearnArgs),
}

#[derive(Debug, Args)]
pub struct LearnArgs {
    #[command(subcommand)]
    pub command: LearnCommand,
}

#[derive(Debug, Subcommand)]
pub enum LearnCommand {
    /// The suggestions waiting for approval, oldest first.
    List,
    /// Accept suggestions: each becomes a line of learned.questions.jsonl in the corpus folder.
    Accept {
        /// Suggestion numbers (as `learn list` shows them, with or without #).
        #[arg(value_name = "ID", required = true, value_parser = suggestion_id)]
        ids: Vec<i64>,
    },
    /// Reject suggestions: kept as rejected, so the same pair is not suggested again.
    Reject {
        /// Suggestion numbers (as `learn list` shows them, with or without #).
        #[arg(value_name = "ID", required = true, value_parser = suggestion_id)]
        ids: Vec<i64>,
    },
}

/// A suggestion number: "3" or "#3".
fn suggestion_id(s: &str) -> Result<i64, String> {
    s.trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{s:?} is not a suggestion number; `passagebot learn list` shows them (e.g. 3 or #3)"))
}

/// Flags of `passagebot bot`.
#[derive(Debug, Clone, Args)]
pub struct BotArgs {
    /// Receive updates by webhook at this public HTTPS URL instead of long polling
    #[arg(long, env = "PASSAGEBOT_WEBHOOK_URL", value_name = "URL")]
    pub webhook_url: Option<url::Url>,
    /// Address the webhook server listens on (behind your HTTPS reverse proxy)
    #[arg(
        long,
        env = "PASSAGEBOT_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8443"
    )]
    pub listen: SocketAddr,
    /// Secret Telegram must send with every webhook request (default: random per start)
    #[arg(
        long,
        env = "PASSAGEBOT_WEBHOOK_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub webhook_secret: Option<String>,
    /// Passages per answer
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=10))]
    pub passages: u8,
    /// Questions one person may ask per minute; past it they get one notice, then silence
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: u32,
    /// Telegram chat id(s) of the operators who answer handed-over questions (comma-separated)
    #[arg(
        long = "operator-chat",
        env = "PASSAGEBOT_OPERATOR_CHAT",
        value_name = "CHAT_ID",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub operator_chats: Vec<i64>,
    /// Close a conversation with a person after this long without a message (e.g. 30m, 24h)
    #[arg(
        long,
        env = "PASSAGEBOT_TICKET_TIMEOUT",
        value_name = "DURATION",
        default_value = "24h"
    )]
    pub ticket_timeout: humantime::Duration,
    /// Store people's Telegram ids as they are instead of hashed
    #[arg(long, env = "PASSAGEBOT_PLAIN_IDS")]
    pub plain_ids: bool,
    #[command(flatten)]
    pub wall: crate::wall::WallArgs,
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
    /// One JSON object per question, one per line (fields: see the README, `ask`).
    #[arg(long)]
    pub json: bool,
    /// Log each question to the data folder (--data), as the bot does, so `passagebot report` counts it.
    #[arg(long)]
    pub log: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Question file (JSON Lines, as in tests/fixtures/article-questions.jsonl).
    #[arg(value_name = "FILE.jsonl")]
    pub file: PathBuf,
    /// How many passages count for hit@k and MRR.
    #[arg(long, default_value_t = DEFAULT_TOP, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100))]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// How many passages each answer (and each :more) shows [default: 2; 3 with --json, as ask --json]
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=20))]
    pub top: Option<usize>,
    /// One JSON object per input line, the lines being one conversation: the fields of
    /// `ask --json` plus reply_kind, read_as and reply. Nothing else on stdout.
    #[arg(long)]
    pub json: bool,
    /// Log each question to the data folder (--data), as the bot does, so `passagebot report` counts it.
    #[arg(long)]
    pub log: bool,
    #[command(flatten)]
    pub wall: crate::wall::WallArgs,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::engine::corpus::formats::FORMATS;

    #[test]
    fn help_names_every_document_format() {
        let help = Cli::command().render_long_help().to_string();
        for ext in FORMATS.iter().flat_map(|f| f.extensions()) {
            assert!(help.contains(&format!(".{ext}")), "{ext} missing:\n{help}");
        }
    }

    #[test]
    fn parse_errors_start_with_the_program_name_and_help_does_not() {
        let err = Cli::try_parse_from(["passagebot", "--bogus"]).expect_err("bad flag");
        let (text, _) = parse_failure(&err);
        assert!(
            text.starts_with("passagebot: unexpected argument '--bogus'"),
            "{text}"
        );
        let err = Cli::try_parse_from(["passagebot", "--help"]).expect_err("help");
        let (text, _) = parse_failure(&err);
        assert!(text.starts_with("Ask a document questions"), "{text}");
    }

    #[test]
    fn help_points_only_inside_the_repository() {
        let mut texts = vec![Cli::command().render_long_help().to_string()];
        for sub in Cli::command().get_subcommands_mut() {
            texts.push(sub.render_long_help().to_string());
        }
        for text in texts {
            for outside in ["../", "shared/", "DESIGN.md"] {
                assert!(!text.contains(outside), "{outside} in:\n{text}");
            }
        }
    }
}
