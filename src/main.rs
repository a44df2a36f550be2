//! The `passagebot` binary: parse, dispatch, print errors once.

use std::process::ExitCode;

use clap::Parser as _;
use passagebot::cli::{self, Cli, Command};

fn main() -> ExitCode {
    quiet_candle_workers();
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
    cli::files::raise_and_log();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Each cause once, however many layers quote it.
            eprintln!("passagebot: {}", passagebot::error::chain(err.as_ref()));
            if err.downcast_ref::<cli::ask::UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// candle's worker threads spin up to 25,000 times at their barrier, waiting
/// for the encoder's next parallel operation, before they sleep; between
/// operations that is CPU taken from everything else on the machine. With
/// 2,000, an index build on two threads took 11.4 s of user CPU instead of
/// 14.6 s on a shared machine, and less wall time (BENCHMARKS.md, session 7).
/// An operator's own setting wins.
fn quiet_candle_workers() {
    const SPIN: &str = "CANDLE_BARRIER_POOL_SPIN_LIMIT";
    if std::env::var_os(SPIN).is_none() {
        // SAFETY: main's first statement, so no other thread exists yet to read
        // the environment while it changes.
        unsafe { std::env::set_var(SPIN, "2000") };
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
        Command::Learn(args) => cli::learn::run(&paths.corpus, &cli.data, &args),
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
