//! `passagebot report`: the classroom report from the bot's data folder.

use std::path::Path;

use anyhow::Context as _;

use super::args::ReportArgs;
use crate::report::{self, Report};
use crate::store::{self, Store};

pub fn run(data: &Path, args: &ReportArgs) -> anyhow::Result<()> {
    let file = data.join(store::FILE_NAME);
    if !file.exists() {
        anyhow::bail!(
            "no data yet: {} does not exist; run `passagebot bot`, or `passagebot chat --log`, with the same --data folder to collect questions first",
            file.display()
        );
    }
    let store = Store::open(data, &store::Options::default())?;
    let report = Report::build(&store, args.since, args.top)?;
    print!("{}", report::text(&report));
    if let Some(path) = &args.html {
        std::fs::write(path, report::html(&report))
            .with_context(|| format!("cannot write the HTML report to {}", path.display()))?;
        eprintln!("passagebot: wrote {}", path.display());
    }
    Ok(())
}
