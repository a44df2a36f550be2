//! The `passagebot` binary: parse, dispatch, print errors once.

use std::process::ExitCode;

use clap::Parser as _;
use passagebot::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let (text, code) = cli::parse_failure(&err);
            if code == ExitCode::SUCCESS {
                print!("{text}");
            } else {
                eprint!("{text}");
            }
            return code;
        }
    };
    init_logging(matches!(cli.command, Command::Bot(_)));
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("passagebot: {err:#}");
            if err.downcast_ref::<cli::ask::UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let paths = cli.paths();
    match cli.command {
        Command::Index(args) => cli::index::run(&paths, cli.tuning, &args),
        Command::Ask(args) => cli::ask::run(&paths, cli.tuning, &cli.data, &args),
        Command::Chat(args) => cli::chat::run(&paths, cli.tuning, &cli.data, &args),
        Command::Eval(args) => cli::eval::run(&paths, cli.tuning, &args),
        Command::Bot(args) => cli::bot::run(&paths, cli.tuning, &cli.data, args),
        Command::Report(args) => cli::report::run(&cli.data, &args),
    }
}

/// Logs go to stderr, filtered by `RUST_LOG`. The terminal commands show
/// warnings only (skipped files), tersely; the bot logs at info with times.
fn init_logging(service: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if service { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if service {
        builder.init();
    } else {
        builder.without_time().with_target(false).init();
    }
}
