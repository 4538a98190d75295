//! `timeline --format table`: each upload's story as text. A header names the object and the
//! upload; the requests follow in time order, grouped under whoever sent them (the identity is
//! written whole once, where the sender changes, so the lines stay short); the verdict of each
//! failed request is wrapped under it.

use std::io::{self, Write};

use super::{Page, terminal, write_wrapped};
use crate::report::timeline::{StepOut, TimelineOut, TimelineReport};
use crate::words::thousands;

/// Writes every timeline, wrapped to `width` columns.
pub fn write(report: &TimelineReport, width: usize, out: &mut dyn Write) -> io::Result<()> {
    let out = &mut Page { out, width };
    if report.timelines.is_empty() {
        writeln!(out, "No upload matches.")?;
    }
    for (n, tl) in report.timelines.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        upload(tl, out)?;
    }
    Ok(())
}

/// The columns of one upload's requests, as wide as their widest cell.
struct Columns {
    request: usize,
    bytes: usize,
    result: usize,
}

fn upload(tl: &TimelineOut, out: &mut Page<'_>) -> io::Result<()> {
    let key = tl.key.as_deref().unwrap_or("(key unknown)");
    let object = format!("{}://{}/{key}", tl.provider.scheme(), tl.bucket);
    write_wrapped(&object, "", "  ", out)?;
    writeln!(out, "  upload {}", terminal(&tl.upload_id))?;
    let cells: Vec<[String; 3]> = tl.events.iter().map(cells).collect();
    let widest = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let columns = Columns {
        request: widest(0),
        bytes: widest(1),
        result: widest(2),
    };
    let mut sender = None;
    for (step, cells) in tl.events.iter().zip(&cells) {
        if sender != Some(&step.identity) {
            write_wrapped(&step.identity, "  ", "    ", out)?;
            sender = Some(&step.identity);
        }
        request(step, cells, &columns, out)?;
        if let Some(v) = tl.verdict_of(step) {
            let incident = v
                .incident
                .as_deref()
                .map(|i| format!(", {i}"))
                .unwrap_or_default();
            let text = format!(
                "{} ({}{incident}): {}",
                v.verdict, v.confidence, v.explanation
            );
            write_wrapped(&text, "      => ", "         ", out)?;
        }
    }
    Ok(())
}

/// The request (with its part), the bytes of a part, and what came back, escaped.
fn cells(step: &StepOut) -> [String; 3] {
    let bytes = step
        .part_bytes()
        .map_or_else(String::new, |b| format!("{} B", thousands(b)));
    [step.request(), bytes, terminal(&step.result).into_owned()]
}

fn request(
    step: &StepOut,
    [request, bytes, result]: &[String; 3],
    c: &Columns,
    out: &mut Page<'_>,
) -> io::Result<()> {
    let line = format!(
        "    {}  {request:<rw$}  {bytes:>bw$}  {result:<sw$}  {}",
        step.time.format("%Y-%m-%d %H:%M:%S"),
        step.logs.join(" + "),
        rw = c.request,
        bw = c.bytes,
        sw = c.result,
    );
    writeln!(out, "{}", line.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Format;
    use crate::ingest::InputSummary;
    use crate::model::Provider;
    use crate::report::timeline::VerdictOut;

    fn step(second: u32, operation: &'static str, who: &str, result: &str) -> StepOut {
        StepOut {
            time: chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 3, 9, 0, second)
                .unwrap(),
            operation,
            part_number: (operation == "UploadPart").then_some(4),
            bytes: (operation == "UploadPart").then_some(8 << 20),
            identity: who.to_owned(),
            result: result.to_owned(),
            logs: vec!["cloudtrail"],
            event_id: Some(format!("e{second}")),
            request_id: None,
        }
    }

    /// One upload: two requests of its owner, an abort by a cleanup job whose session name
    /// carries a terminal escape, and a part that then fails.
    fn report() -> TimelineReport {
        let owner = "arn:aws:sts::111122223333:assumed-role/media-uploader/i-0a1b2c3d4e5f60718";
        let cleanup = "arn:aws:sts::111122223333:assumed-role/nightly-cleanup/cleanup\u{1b}[2J";
        TimelineReport {
            schema_version: 1,
            inputs: InputSummary::default(),
            timelines: vec![TimelineOut {
                bucket: "media".to_owned(),
                key: Some("videos/keynote.mp4\u{202e}".to_owned()),
                upload_id: "VXBsb2Fk".to_owned(),
                provider: Provider::Aws,
                events: vec![
                    step(1, "CreateMultipartUpload", owner, "ok"),
                    step(2, "UploadPart", owner, "ok"),
                    step(3, "AbortMultipartUpload", cleanup, "ok"),
                    step(4, "UploadPart", owner, "NoSuchUpload"),
                ],
                verdicts: vec![VerdictOut {
                    event_id: Some("e4".to_owned()),
                    request_id: None,
                    time: step(4, "UploadPart", owner, "").time,
                    error_code: "NoSuchUpload".to_owned(),
                    verdict: "aborted".to_owned(),
                    confidence: "certain".to_owned(),
                    incident: Some("I3".to_owned()),
                    explanation: format!(
                        "The upload was aborted by {cleanup} at 2026-11-03 09:00:03 UTC, so this \
                         UploadPart (part 4) found no upload to work on."
                    ),
                }],
            }],
        }
    }

    fn text(width: usize) -> String {
        let mut out = Vec::new();
        write(&report(), width, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn groups_requests_under_their_sender_and_wraps_the_verdict() {
        let text = text(80);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "s3://media/videos/keynote.mp4\\u{202e}");
        assert_eq!(lines[1], "  upload VXBsb2Fk");
        // The sender is written once for the two requests it sent in a row, and again when it
        // sends after someone else.
        let owner = "  arn:aws:sts::111122223333:assumed-role/media-uploader/i-0a1b2c3d4e5f60718";
        assert_eq!(lines.iter().filter(|l| **l == owner).count(), 2);
        assert_eq!(
            lines[3],
            "    2026-11-03 09:00:01  CreateMultipartUpload               ok            cloudtrail"
        );
        assert_eq!(
            lines[4],
            "    2026-11-03 09:00:02  UploadPart #4          8,388,608 B  ok            cloudtrail"
        );
        assert!(lines[5].ends_with("nightly-cleanup/cleanup\\u{1b}[2J"));
        // The verdict is wrapped under its request, and no escape from a log reaches the
        // terminal.
        let verdict = lines
            .iter()
            .position(|l| l.starts_with("      => "))
            .unwrap();
        assert!(lines[verdict - 1].contains("UploadPart #4"));
        assert!(lines[verdict].starts_with("      => aborted (certain, I3): The upload was"));
        assert!(lines[verdict + 1].starts_with("         "));
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
    }

    #[test]
    fn wraps_to_the_width_all_but_the_columns_of_requests() {
        for width in [60, 80, 100] {
            let text = text(width);
            // A request's columns do not break, nor does a single word longer than a line.
            for line in text.lines().filter(|l| !l.starts_with("    2026")) {
                let unbreakable = !line.trim().contains(' ');
                assert!(
                    line.chars().count() <= width || unbreakable,
                    "{width}: {line}"
                );
            }
        }
    }

    #[test]
    fn json_on_a_terminal_is_escaped_as_the_analysis_is() {
        let json = |terminal| {
            let mut out = Vec::new();
            report().write(Format::Json, terminal, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert!(json(false).contains("keynote.mp4\u{202e}\""));
        assert!(json(true).contains("keynote.mp4\\u202e\""));
        assert!(!json(true).contains('\u{202e}'));
    }
}
