//! `passagebot index`: update (or rebuild, or check) the index, with a
//! progress bar on a terminal and a summary of what changed.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::args::IndexArgs;
use crate::config::Paths;
use crate::engine::index::{BuildEvent, BuildReport, Mode, update};
use crate::engine::tuning::Tuning;

pub fn run(paths: &Paths, tuning: Tuning, args: &IndexArgs) -> anyhow::Result<()> {
    let mode = match (args.full, args.check) {
        (_, true) => Mode::Check,
        (true, _) => Mode::Full,
        _ => Mode::Incremental,
    };
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
    }
    bar.set_message("reading the corpus");
    bar.enable_steady_tick(Duration::from_millis(100));
    let on_event = |event: BuildEvent| match event {
        BuildEvent::Planned { files } => {
            bar.set_length(files as u64);
            bar.set_style(
                ProgressStyle::with_template("{spinner} {pos}/{len} files {bar:30} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message("");
        }
        BuildEvent::Done(n) => bar.set_position(n as u64),
        BuildEvent::Committing => bar.set_message("writing"),
    };
    let report = update(&paths.corpus, &paths.index, &tuning, mode, &on_event);
    bar.finish_and_clear();
    print!("{}", summary(&report?, mode, paths));
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The text `passagebot index` prints.
pub fn summary(report: &BuildReport, mode: Mode, paths: &Paths) -> String {
    let c = &report.changes;
    let m = &report.manifest;
    let mut out = String::new();
    let verb = if mode == Mode::Check { "Would " } else { "" };
    if let Some(reason) = &c.full_rebuild {
        out.push_str(&format!(
            "{}ull rebuild ({reason}).\n",
            if mode == Mode::Check {
                "Would do a f"
            } else {
                "F"
            }
        ));
    }
    let added: usize = c.added.iter().map(|a| a.1).sum();
    let before: usize = c.changed.iter().map(|a| a.1).sum();
    let after: usize = c.changed.iter().map(|a| a.2).sum();
    let removed: usize = c.removed.iter().map(|a| a.1).sum();
    out.push_str(&format!(
        "{verb}{}: {} added ({}), {} changed ({} → {}), {} removed ({}), {} unchanged.\n",
        if mode == Mode::Check {
            "change"
        } else {
            "Changes"
        },
        plural(c.added.len(), "document", "documents"),
        plural(added, "passage", "passages"),
        c.changed.len(),
        before,
        plural(after, "passage", "passages"),
        c.removed.len(),
        plural(removed, "passage", "passages"),
        c.unchanged,
    ));
    for (source, n) in &c.added {
        out.push_str(&format!(
            "  + {source} ({})\n",
            plural(*n, "passage", "passages")
        ));
    }
    for (source, a, b) in &c.changed {
        out.push_str(&format!(
            "  ~ {source} ({a} → {})\n",
            plural(*b, "passage", "passages")
        ));
    }
    for (source, n) in &c.removed {
        out.push_str(&format!(
            "  - {source} ({})\n",
            plural(*n, "passage", "passages")
        ));
    }
    if c.vectors_kept > 0 {
        out.push_str(&format!(
            "  {} already indexed kept {} meaning vectors (not encoded again).\n",
            plural(c.vectors_kept, "passage", "passages"),
            if c.vectors_kept == 1 { "its" } else { "their" }
        ));
    }
    if mode == Mode::Check {
        out.push_str("Nothing was written (--check).\n");
    } else {
        out.push_str(&format!(
            "Indexed {} into {} in {:.2} s ({} on disk, {}).\n",
            plural(m.documents.len(), "document", "documents"),
            plural(m.passages, "passage", "passages"),
            report.elapsed.as_secs_f64(),
            human_bytes(report.size_bytes),
            paths.index.display(),
        ));
    }
    let p = &m.phrasings;
    if p.files > 0 && mode != Mode::Check {
        out.push_str(&format!(
            "Attached {} from {}{}.\n",
            plural(p.attached, "phrasing", "phrasings"),
            plural(p.files, "phrasing file", "phrasing files"),
            if c.phrasings_changed {
                " (changed)"
            } else {
                ""
            }
        ));
        if !p.warnings.is_empty() {
            out.push_str(&format!(
                "{} about phrasings:\n",
                plural(p.warnings.len(), "warning", "warnings")
            ));
            for w in &p.warnings {
                out.push_str(&format!("  {w}\n"));
            }
        }
    }
    if m.skipped.is_empty() {
        out.push_str("Skipped no files.\n");
    } else {
        out.push_str(&format!(
            "Skipped {}:\n",
            plural(m.skipped.len(), "file", "files")
        ));
        for s in &m.skipped {
            out.push_str(&format!("  {}: {}\n", s.source, s.reason));
        }
    }
    out
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} bytes"),
    }
}
