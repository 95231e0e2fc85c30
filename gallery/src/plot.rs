//! Small inline SVG line plots (no script, no external files), for fitness and novelty curves.

use std::fmt::Write as _;

use crate::text::escape;

/// One named line of a plot.
pub struct Series<'a> {
    /// Legend label.
    pub label: &'a str,
    /// CSS class (colour comes from the stylesheet).
    pub class: &'a str,
    /// (x, y) points.
    pub points: Vec<(f64, f64)>,
}

/// A line plot as an inline `<svg>` element, or `None` when no series has a finite point.
#[must_use]
pub fn line_plot(
    title: &str,
    x_label: &str,
    series: &[Series<'_>],
    w: u32,
    h: u32,
) -> Option<String> {
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let all: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().filter(finite).copied())
        .collect();
    if all.is_empty() {
        return None;
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in &all {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        let pad = y0.abs().max(1e-3) * 0.05;
        y0 -= pad;
        y1 += pad;
    }
    let (ml, mr, mt, mb) = (48.0, 8.0, 22.0, 24.0);
    let (pw, ph) = (f64::from(w) - ml - mr, f64::from(h) - mt - mb);
    let sx = |x: f64| ml + (x - x0) / (x1 - x0) * pw;
    let sy = |y: f64| mt + (1.0 - (y - y0) / (y1 - y0)) * ph;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="plot" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(
        svg,
        r#"<rect class="frame" x="{ml}" y="{mt}" width="{pw}" height="{ph}"/>"#
    );
    for (y, anchor) in [(y1, mt + 4.0), (y0, mt + ph)] {
        let _ = write!(
            svg,
            r#"<text class="tick" x="{}" y="{anchor:.1}" text-anchor="end">{}</text>"#,
            ml - 4.0,
            escape(&format_num(y))
        );
    }
    let _ = write!(
        svg,
        r#"<text class="tick" x="{ml}" y="{by:.1}">{}</text><text class="tick" x="{:.1}" y="{by:.1}" text-anchor="end">{}</text><text class="tick" x="{:.1}" y="{by:.1}" text-anchor="middle">{}</text>"#,
        escape(&format_num(x0)),
        ml + pw,
        escape(&format_num(x1)),
        ml + pw / 2.0,
        escape(x_label),
        by = f64::from(h) - 6.0,
    );
    let mut legend_x = ml;
    for s in series {
        let pts: Vec<String> = s
            .points
            .iter()
            .filter(finite)
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let _ = write!(
            svg,
            r#"<polyline class="{c}" points="{}"/><text class="legend {c}" x="{legend_x:.1}" y="14">{}</text>"#,
            pts.join(" "),
            escape(s.label),
            c = escape(s.class),
        );
        legend_x += 10.0 + 7.0 * s.label.chars().count() as f64;
    }
    svg.push_str("</svg>");
    Some(svg)
}

fn format_num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e6 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 || v.abs() < 0.01 {
        format!("{v:.3e}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plots_escape_labels_and_skip_empty_series() {
        let s = [
            Series {
                label: "<best>",
                class: "best",
                points: vec![(0.0, 1.0), (1.0, 0.5), (2.0, f64::NAN)],
            },
            Series {
                label: "none",
                class: "mean",
                points: vec![],
            },
        ];
        let svg = line_plot("a \"title\"", "generation", &s, 300, 120).unwrap_or_default();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("&lt;best&gt;") && !svg.contains("<best>"));
        assert!(svg.contains("&quot;title&quot;"));
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(!svg.contains("NaN"));
        assert!(line_plot("t", "x", &s[1..], 300, 120).is_none());
    }

    #[test]
    fn constant_series_still_plot() {
        let s = [Series {
            label: "flat",
            class: "best",
            points: vec![(0.0, 2.0), (0.0, 2.0)],
        }];
        let svg = line_plot("t", "x", &s, 200, 100).unwrap_or_default();
        assert!(svg.contains("<polyline") && !svg.contains("NaN") && !svg.contains("inf"));
    }
}
