//! One upload as an inline SVG swimlane: time across, one lane per identity, a mark per request
//! (creation, part, completion, abort, failure coloured by its cause) and a dashed line where a
//! lifecycle rule made the upload eligible for abort. Each mark carries a `<title>` (the browser's
//! tooltip) with the request in words.

use std::io::{self, Write};

use super::h;
use crate::attribute::Cause;
use crate::model::{Time, short_display};
use crate::report::timeline::{StepOut, TimelineOut};
use crate::report::{CulpritOut, FailureOut};

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 230.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 10.0;
const LANE: f64 = 26.0;
const BOTTOM: f64 = 26.0;
/// Lane labels (the short name of each identity) are cut to this many characters; the whole
/// name is in the tooltip.
const LABEL: usize = 34;

/// The colour of a cause, as in the page's badges.
fn colour(cause: Cause) -> &'static str {
    match cause {
        Cause::Aborted => "#c62828",
        Cause::Completed => "#00838f",
        Cause::Lifecycle => "#b26a00",
        Cause::Superseded => "#8e24aa",
        Cause::WrongKey => "#1565c0",
        Cause::UnknownUpload => "#616161",
        Cause::Unexplained => "#37474f",
    }
}

pub(super) fn swimlane(
    tl: &TimelineOut,
    failures: &[&FailureOut],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut lanes: Vec<&str> = Vec::new();
    for e in &tl.events {
        if !lanes.contains(&e.identity.as_str()) {
            lanes.push(&e.identity);
        }
    }
    let eligible: Vec<Time> = failures
        .iter()
        .filter_map(|f| match &f.culprit {
            CulpritOut::Rule { eligible_at, .. } => Some(*eligible_at),
            _ => None,
        })
        .collect();
    let times = tl
        .events
        .iter()
        .map(|e| e.time)
        .chain(eligible.iter().copied());
    let (Some(first), Some(last)) = (times.clone().min(), times.max()) else {
        return Ok(());
    };
    let span = (last - first).num_milliseconds().max(1) as f64;
    let x =
        |t: Time| LEFT + (WIDTH - LEFT - RIGHT) * ((t - first).num_milliseconds() as f64 / span);
    let y = |lane: usize| TOP + LANE * lane as f64 + LANE / 2.0;
    let height = TOP + LANE * lanes.len() as f64 + BOTTOM;
    writeln!(
        out,
        "<svg viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"requests of upload {} over time\">",
        h(&tl.upload_id)
    )?;
    for (n, name) in lanes.iter().enumerate() {
        let label = short_display(name, true);
        let short: String = if label.chars().count() > LABEL {
            let tail: String = label
                .chars()
                .rev()
                .take(LABEL - 1)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("…{tail}")
        } else {
            label
        };
        writeln!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#e3e6ea\"/><text x=\"4\" y=\"{ty}\"><title>{}</title>{}</text>",
            WIDTH - RIGHT,
            h(name),
            h(&short),
            y = y(n),
            ty = y(n) + 4.0
        )?;
    }
    for t in &eligible {
        writeln!(
            out,
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"{TOP}\" y2=\"{}\" stroke=\"{}\" stroke-dasharray=\"5 4\"><title>eligible for abort under a lifecycle rule at {}</title></line>",
            height - BOTTOM,
            colour(Cause::Lifecycle),
            t.format("%Y-%m-%d %H:%M:%S UTC"),
            x = x(*t),
        )?;
    }
    for e in &tl.events {
        let lane = lanes.iter().position(|l| *l == e.identity).unwrap_or(0);
        mark(e, x(e.time), y(lane), tl, out)?;
    }
    let axis = height - BOTTOM + 16.0;
    writeln!(
        out,
        "<text x=\"{LEFT}\" y=\"{axis}\">{}</text><text x=\"{}\" y=\"{axis}\" text-anchor=\"end\">{}</text>\n</svg>",
        first.format("%Y-%m-%d %H:%M:%S"),
        WIDTH - RIGHT,
        last.format("%Y-%m-%d %H:%M:%S UTC"),
    )
}

fn mark(e: &StepOut, x: f64, y: f64, tl: &TimelineOut, out: &mut dyn Write) -> io::Result<()> {
    let part = e
        .part_number
        .map(|p| format!(" part {p}"))
        .unwrap_or_default();
    let title = format!(
        "{} {}{part}: {} — {} [{}]",
        e.time.format("%Y-%m-%d %H:%M:%S"),
        e.operation,
        e.result,
        e.identity,
        e.logs.join(" + ")
    );
    let title = format!("<title>{}</title>", h(&title));
    if e.result != "ok" {
        // A NoSuchUpload verdict names its cause; another failure's, its diagnosis.
        let cause = tl
            .verdict_of(e)
            .and_then(|v| Cause::ALL.into_iter().find(|c| c.name() == v.verdict));
        let fill = cause.map_or("#263238", colour);
        return writeln!(
            out,
            "<path class=\"mark failed\" d=\"M{x:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} Z\" fill=\"{fill}\">{title}</path>",
            y - 7.0,
            x + 6.5,
            y + 5.0,
            x - 6.5,
            y + 5.0
        );
    }
    match e.operation {
        "CreateMultipartUpload" => writeln!(
            out,
            "<circle class=\"mark\" cx=\"{x:.1}\" cy=\"{y}\" r=\"6\" fill=\"#2e7d32\">{title}</circle>"
        ),
        "UploadPart" | "UploadPartCopy" => writeln!(
            out,
            "<rect class=\"mark\" x=\"{:.1}\" y=\"{}\" width=\"6\" height=\"10\" fill=\"#78909c\">{title}</rect>",
            x - 3.0,
            y - 5.0
        ),
        "CompleteMultipartUpload" => writeln!(
            out,
            "<path class=\"mark\" d=\"M{x:.1} {:.1} L{:.1} {y} L{x:.1} {:.1} L{:.1} {y} Z\" fill=\"#1565c0\">{title}</path>",
            y - 7.0,
            x + 7.0,
            y + 7.0,
            x - 7.0
        ),
        "AbortMultipartUpload" | "S3.DELETE.UPLOAD" => writeln!(
            out,
            "<path class=\"mark\" d=\"M{:.1} {:.1} L{:.1} {:.1} M{:.1} {:.1} L{:.1} {:.1}\" stroke=\"#c62828\" stroke-width=\"3\">{title}</path>",
            x - 6.0,
            y - 6.0,
            x + 6.0,
            y + 6.0,
            x + 6.0,
            y - 6.0,
            x - 6.0,
            y + 6.0
        ),
        _ => writeln!(
            out,
            "<circle class=\"mark\" cx=\"{x:.1}\" cy=\"{y}\" r=\"4\" fill=\"none\" stroke=\"#455a64\">{title}</circle>"
        ),
    }
}
