//! `passagebot report`: the classroom report from the bot's data folder.

use std::path::Path;

use anyhow::Context as _;

use super::args::ReportArgs;
use crate::report::{self, Report};

pub fn run(data: &Path, args: &ReportArgs) -> anyhow::Result<()> {
    let store = super::existing_store(
        data,
        "run `passagebot bot`, or `passagebot chat --log`, with the same --data folder to collect questions first",
    )?;
    let report = Report::build(&store, args.since, args.top)?;
    print!("{}", report::text(&report));
    if let Some(path) = &args.html {
        std::fs::write(path, report::html(&report))
            .with_context(|| format!("cannot write the HTML report to {}", path.display()))?;
        eprintln!("passagebot: wrote {}", path.display());
    }
    Ok(())
}
