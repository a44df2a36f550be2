//! `passagebot index`: rebuild, with a progress bar on a terminal and a summary.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::Paths;
use crate::index::{BuildEvent, build};

pub fn run(paths: &Paths) -> anyhow::Result<()> {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
    }
    bar.set_message("reading the corpus");
    bar.enable_steady_tick(Duration::from_millis(100));
    let on_event = |event: BuildEvent| match event {
        BuildEvent::Chunked {
            documents,
            passages,
        } => {
            bar.set_length(passages as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} indexing {pos}/{len} passages {bar:30} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(format!("from {documents} document(s)"));
        }
        BuildEvent::Indexed(n) => bar.set_position(n as u64),
        BuildEvent::Committing => bar.set_message("writing"),
    };
    let report = build(&paths.corpus, &paths.index, &on_event);
    bar.finish_and_clear();
    let report = report?;
    let m = &report.manifest;
    println!(
        "Indexed {} document{} into {} passage{} in {:.2} s ({} on disk, {}).",
        m.documents.len(),
        if m.documents.len() == 1 { "" } else { "s" },
        m.passages,
        if m.passages == 1 { "" } else { "s" },
        report.elapsed.as_secs_f64(),
        human_bytes(report.size_bytes),
        paths.index.display(),
    );
    for d in &m.documents {
        println!("  {}  “{}”, {} passages", d.source, d.title, d.passages);
    }
    if m.skipped.is_empty() {
        println!("Skipped no files.");
    } else {
        println!("Skipped {} file(s):", m.skipped.len());
        for s in &m.skipped {
            println!("  {}: {}", s.source, s.reason);
        }
    }
    Ok(())
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} bytes"),
    }
}
