//! `--format html`: one self-contained page for people who would rather look: the summary, the
//! incidents, each upload with failures drawn as a swimlane (`svg.rs`), the other failures, the
//! incomplete uploads with their cost and the rule that will remove them, and the notes.
//!
//! The page reaches nothing: inline CSS and SVG, no fonts, images or scripts, and a
//! `Content-Security-Policy` that forbids them anyway. Every string from a log goes through
//! [`super::escape::html`] whether it lands in text or in an attribute.

mod svg;

use std::io::{self, Write};

use super::escape::html as h;
use super::timeline::{TimelineOut, TimelineReport};
use super::{FailureOut, Report};
use crate::attribute::Cause;
use crate::model::short_display;
use crate::words;

/// At most this many uploads are drawn; the rest are listed.
pub const DRAWN: usize = 200;

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1.5em;color:#1d1f23;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:1px solid #d8dce2;padding-bottom:.2em}
h3{font-size:1.02em;margin:1.2em 0 .2em;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.4em 0}th,td{text-align:left;vertical-align:top;padding:.25em .5em;border-bottom:1px solid #eceef1}
th{background:#f5f6f8;font-weight:600}td{overflow-wrap:anywhere}td.w{overflow-wrap:normal}.n{text-align:right;font-variant-numeric:tabular-nums}
table.narrow{width:auto;min-width:16em}.t{white-space:nowrap}th.object{width:22%}th.why{width:45%}
code,.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;word-break:break-all}
.lead{color:#4a5160}.small{font-size:.9em;color:#4a5160}
.cause{display:inline-block;padding:0 .45em;border-radius:.6em;color:#fff;font-size:.9em;white-space:nowrap}
.aborted{background:#c62828}.completed{background:#00838f}.lifecycle{background:#b26a00}.superseded{background:#8e24aa}
.wrong_key{background:#1565c0}.unknown_upload{background:#616161}.unexplained{background:#37474f}
.upload{border:1px solid #e1e4e8;border-radius:6px;padding:.2em .9em .6em;margin:1em 0;break-inside:avoid}
svg{display:block;width:100%;height:auto;margin:.4em 0}svg text{font:11px system-ui,sans-serif;fill:#333}
@media print{body{max-width:none;padding:0}.upload{border-color:#999}a{color:inherit;text-decoration:none}}
";

/// Writes the page for `report`, with the stories of the uploads that had failures.
pub fn write(
    report: &Report,
    timelines: Option<&TimelineReport>,
    out: &mut dyn Write,
) -> io::Result<()> {
    head("uploadtrail report", out)?;
    summary(report, out)?;
    incidents(report, out)?;
    if let Some(t) = timelines {
        uploads(report, &t.timelines, out)?;
    }
    other_failures(report, out)?;
    orphans(report, out)?;
    notes(report, out)?;
    writeln!(out, "</body>\n</html>")
}

/// Writes the page of `uploadtrail timeline --format html`.
pub fn write_timelines(t: &TimelineReport, out: &mut dyn Write) -> io::Result<()> {
    head("uploadtrail timelines", out)?;
    writeln!(out, "<h1>Upload timelines</h1>")?;
    writeln!(
        out,
        "<p class=\"lead\">{}.</p>",
        words::count(t.timelines.len() as u64, "upload", "uploads")
    )?;
    for (n, tl) in t.timelines.iter().enumerate().take(DRAWN) {
        upload(n, tl, Under::Steps, out)?;
    }
    not_drawn(&t.timelines, out)?;
    writeln!(out, "</body>\n</html>")
}

/// The uploads past the first [`DRAWN`], listed by name.
fn not_drawn(timelines: &[TimelineOut], out: &mut dyn Write) -> io::Result<()> {
    let Some(rest) = timelines.get(DRAWN..).filter(|rest| !rest.is_empty()) else {
        return Ok(());
    };
    writeln!(
        out,
        "<p>{} more uploads, not drawn:</p><ul class=\"not-drawn\">",
        rest.len()
    )?;
    for tl in rest {
        writeln!(
            out,
            "<li><code>{}://{}/{}</code> <span class=\"id\">{}</span></li>",
            tl.provider.scheme(),
            h(&tl.bucket),
            h(tl.key.as_deref().unwrap_or("")),
            h(&tl.upload_id)
        )?;
    }
    writeln!(out, "</ul>")
}

fn head(title: &str, out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    )
}

fn cause_badge(cause: Cause) -> String {
    format!("<span class=\"cause {0}\">{0}</span>", cause.name())
}

fn summary(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &r.summary;
    writeln!(out, "<h1>uploadtrail</h1>")?;
    writeln!(
        out,
        "<p class=\"lead\" id=\"headline\">{}.</p>",
        h(&r.headline())
    )?;
    writeln!(out, "<p class=\"small\">{}</p>", h(&r.what_was_read()))?;
    writeln!(
        out,
        "<section id=\"causes\"><h2>Causes</h2><table class=\"narrow\"><tr><th>cause</th><th>failures</th></tr>"
    )?;
    for cause in Cause::ALL {
        writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            cause_badge(cause),
            s.by_cause.get(cause)
        )?;
    }
    writeln!(out, "</table></section>")
}

fn incidents(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.incidents.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<section id=\"incidents\"><h2>Incidents</h2><table>\n<tr><th>incident</th><th>cause</th><th>failures</th><th>uploads</th><th>first failure (UTC)</th><th>what happened</th></tr>"
    )?;
    for i in &r.incidents {
        let kind = i
            .abort_kind
            .map(|k| format!(" ({})", k.name()))
            .unwrap_or_default();
        writeln!(
            out,
            "<tr class=\"incident\" id=\"incident-{id}\" data-incident=\"{id}\"><td class=\"id\">{id}</td><td>{}{kind}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"t\">{}</td><td>{}</td></tr>",
            cause_badge(i.cause),
            i.failures,
            i.uploads,
            i.first_failure.format("%Y-%m-%d %H:%M:%S"),
            h(&i.summary),
            id = h(&i.id),
        )?;
    }
    writeln!(out, "</table></section>")
}

/// The uploads with failures: a swimlane and the failures of each, the first [`DRAWN`] drawn.
fn uploads(r: &Report, timelines: &[TimelineOut], out: &mut dyn Write) -> io::Result<()> {
    if r.failures.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<section id=\"uploads\"><h2>Uploads with failures</h2>\n<p class=\"small\">Time runs left to right; one lane per identity. ● creation, ▪ part, ◆ completion, ✕ abort, ▲ failed request (coloured by cause), dashed line: lifecycle eligibility.</p>"
    )?;
    for (n, tl) in timelines.iter().enumerate().take(DRAWN) {
        let failures: Vec<&FailureOut> = r
            .failures
            .iter()
            .filter(|f| {
                f.upload_id.as_deref() == Some(tl.upload_id.as_str()) && f.bucket == tl.bucket
            })
            .collect();
        upload(n, tl, Under::Failures(&failures), out)?;
    }
    not_drawn(timelines, out)?;
    // Failures whose upload has no timeline (no upload ID): listed, so every failure is shown.
    let orphaned: Vec<&FailureOut> = r
        .failures
        .iter()
        .filter(|f| {
            !timelines.iter().any(|tl| {
                f.upload_id.as_deref() == Some(tl.upload_id.as_str()) && f.bucket == tl.bucket
            })
        })
        .collect();
    if !orphaned.is_empty() {
        writeln!(out, "<h3>Failures without a drawn upload</h3>")?;
        failure_table(&orphaned, out)?;
    }
    writeln!(out, "</section>")
}

/// What an upload's swimlane has under it: the failures the report explains (`analyze`), or
/// every request (`timeline`).
enum Under<'a> {
    Failures(&'a [&'a FailureOut]),
    Steps,
}

fn upload(n: usize, tl: &TimelineOut, under: Under<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<article class=\"upload\" id=\"upload-{n}\"><h3>{}://{}/{}</h3><p class=\"small\">upload <span class=\"id\">{}</span>, {}</p>",
        tl.provider.scheme(),
        h(&tl.bucket),
        h(tl.key.as_deref().unwrap_or("(key unknown)")),
        h(&tl.upload_id),
        words::count(tl.events.len() as u64, "request", "requests")
    )?;
    match under {
        Under::Failures(failures) => {
            svg::swimlane(tl, failures, out)?;
            if !failures.is_empty() {
                failure_table(failures, out)?;
            }
        }
        Under::Steps => {
            svg::swimlane(tl, &[], out)?;
            steps(tl, out)?;
        }
    }
    writeln!(out, "</article>")
}

/// Every request of one upload in time order, as `timeline` prints it: who sent it, what came
/// back, which logs showed it, and under a failed request its verdict.
fn steps(tl: &TimelineOut, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<table><tr><th>time (UTC)</th><th>request</th><th class=\"n\">bytes</th><th>result</th><th>logs</th><th>who</th></tr>"
    )?;
    for e in &tl.events {
        let bytes = e.part_bytes().map_or_else(String::new, words::thousands);
        writeln!(
            out,
            "<tr class=\"step\" data-event-id=\"{}\"><td class=\"t\">{}</td><td class=\"w\">{}</td><td class=\"n\">{bytes}</td><td class=\"w\">{}</td><td class=\"w\">{}</td><td title=\"{}\">{}</td></tr>",
            h(e.event_id
                .as_deref()
                .or(e.request_id.as_deref())
                .unwrap_or("")),
            e.time.format("%Y-%m-%d %H:%M:%S"),
            e.request(),
            h(&e.result),
            e.logs.join(" + "),
            h(&e.identity),
            h(&short_display(&e.identity, true)),
        )?;
        if let Some(v) = tl.verdict_of(e) {
            let incident = v
                .incident
                .as_deref()
                .map(|i| format!(", {}", h(i)))
                .unwrap_or_default();
            writeln!(
                out,
                "<tr class=\"verdict\"><td></td><td colspan=\"5\">⇒ <strong>{}</strong> <span class=\"small\">{}{incident}</span>: {}</td></tr>",
                h(&v.verdict),
                h(&v.confidence),
                h(&v.explanation)
            )?;
        }
    }
    writeln!(out, "</table>")
}

fn failure_table(failures: &[&FailureOut], out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<table><tr><th>time (UTC)</th><th>request</th><th>cause</th><th>incident</th><th class=\"why\">why</th></tr>"
    )?;
    for f in failures {
        let id = f
            .event_id
            .as_deref()
            .or(f.request_id.as_deref())
            .unwrap_or("");
        let part = f.part_number.map(|p| format!(" #{p}")).unwrap_or_default();
        writeln!(
            out,
            "<tr class=\"failure\" data-event-id=\"{}\" data-incident=\"{}\"><td class=\"t\">{}</td><td class=\"w\">{}{part}<br><span class=\"id small\">{}</span></td><td class=\"w\">{} <span class=\"small\">{}</span></td><td class=\"id\"><a href=\"#incident-{}\">{}</a></td><td>{}<br><span class=\"small\">{}</span></td></tr>",
            h(id),
            h(&f.incident),
            f.event_time.format("%Y-%m-%d %H:%M:%S"),
            f.event_name,
            h(id),
            cause_badge(f.cause),
            f.confidence.name(),
            h(&f.incident),
            h(&f.incident),
            h(&f.explanation),
            h(&f.advice),
        )?;
    }
    writeln!(out, "</table>")
}

fn other_failures(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.other_failures.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<section id=\"other-failures\"><h2>Other failed requests</h2><table>\n<tr><th>time (UTC)</th><th>request and object</th><th>error</th><th>diagnosis</th><th class=\"why\">why</th></tr>"
    )?;
    for f in &r.other_failures {
        let id = f
            .event_id
            .as_deref()
            .or(f.request_id.as_deref())
            .unwrap_or("");
        writeln!(
            out,
            "<tr class=\"other-failure\" data-event-id=\"{}\"><td class=\"t\">{}</td><td class=\"w\">{}<br><code class=\"small\">{}://{}/{}</code></td><td class=\"w\">{}</td><td class=\"w\">{} <span class=\"small\">{}</span></td><td>{}<br><span class=\"small\">{}</span></td></tr>",
            h(id),
            f.event_time.format("%Y-%m-%d %H:%M:%S"),
            f.event_name,
            f.provider.scheme(),
            h(&f.bucket),
            h(f.key.as_deref().unwrap_or("")),
            h(&f.error_code),
            f.diagnosis.name(),
            f.confidence.name(),
            h(&f.explanation),
            h(&f.advice),
        )?;
    }
    writeln!(out, "</table></section>")
}

fn orphans(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.orphans.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<section id=\"orphans\"><h2>Incomplete uploads</h2><p class=\"small\">{}, {} bytes in all: billed until completed, aborted or removed by a lifecycle rule.</p><table>\n<tr><th class=\"object\">object</th><th>upload</th><th>initiated (UTC)</th><th>parts</th><th>bytes</th><th>removed by</th></tr>",
        words::count(r.summary.orphan_parts, "part", "parts"),
        words::thousands(r.summary.orphan_bytes)
    )?;
    for o in &r.orphans {
        let rule = match &o.lifecycle_rule {
            Some(rule) => format!(
                "rule {} at {}",
                h(rule.rule_id.as_deref().unwrap_or("(unnamed)")),
                rule.eligible_at.format("%Y-%m-%d %H:%M")
            ),
            None => "no known rule: kept (and billed) until someone aborts it".to_owned(),
        };
        writeln!(
            out,
            "<tr class=\"orphan\"><td><code>{}://{}/{}</code></td><td class=\"id\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{rule}</td></tr>",
            o.provider.scheme(),
            h(&o.bucket),
            h(o.key.as_deref().unwrap_or("")),
            h(&o.upload_id),
            o.initiated.format("%Y-%m-%d %H:%M:%S"),
            words::thousands(o.parts),
            words::thousands(o.bytes),
        )?;
    }
    writeln!(out, "</table></section>")
}

fn notes(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.notes.is_empty() && r.inputs.problems.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section id=\"notes\"><h2>Notes</h2><ul>")?;
    for n in &r.notes {
        writeln!(out, "<li>{}</li>", h(&n.message))?;
    }
    for p in &r.inputs.problems {
        writeln!(
            out,
            "<li><code>{}</code>: {}</li>",
            h(&p.origin),
            h(&p.error)
        )?;
    }
    writeln!(out, "</ul></section>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Provider;
    use crate::report::timeline::StepOut;

    #[test]
    fn at_most_200_uploads_are_drawn_and_the_rest_listed() {
        let at = crate::decode::parse_time("2026-11-03T09:00:00Z").expect("a time");
        let timelines = (0..DRAWN + 5)
            .map(|n| TimelineOut {
                bucket: "media".to_owned(),
                key: Some(format!("k/{n}<b>")),
                upload_id: format!("U{n}"),
                provider: Provider::Aws,
                events: vec![StepOut {
                    time: at,
                    operation: "CreateMultipartUpload",
                    part_number: None,
                    bytes: None,
                    identity: "arn:aws:iam::1:user/a".to_owned(),
                    result: "ok".to_owned(),
                    logs: vec!["cloudtrail"],
                    event_id: None,
                    request_id: None,
                }],
                verdicts: Vec::new(),
            })
            .collect();
        let report = TimelineReport {
            schema_version: 1,
            inputs: Default::default(),
            timelines,
        };
        let mut page = Vec::new();
        write_timelines(&report, &mut page).expect("written");
        let page = String::from_utf8(page).expect("UTF-8");
        assert_eq!(page.matches("<svg").count(), DRAWN);
        assert!(page.contains("5 more uploads, not drawn"));
        assert_eq!(page.matches("<li>").count(), 5);
        assert!(page.contains("k/204&lt;b&gt;") && !page.contains("<b>"));
    }
}
