//! Small inline SVG line plots (no script, no external files), for fitness and novelty curves.

use std::fmt::Write as _;

use asal_substrates::creature::NoveltyCurve;

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

/// What a novelty plot shows (its title, a tooltip).
pub const NOVELTY_TITLE: &str = "novelty over the rollout: similarity of each scored frame to its \
     most similar earlier frame (lower = more novel); dashed: their mean, the open-endedness score";

/// The explanation of the novelty plots, shown once above the cards.
pub const NOVELTY_CAPTION: &str = "each scored frame's similarity to its most similar earlier \
     frame (lower = more novel); dashed: their mean, the open-endedness score";

/// A creature's novelty over its rollout: the per-frame terms of the open-endedness objective
/// (`similarity` against `steps`) and, dashed, their mean (the open-endedness score the search
/// minimised). `None` when the curve has no finite value or its lengths disagree.
#[must_use]
pub fn novelty_plot(curve: &NoveltyCurve, w: u32, h: u32) -> Option<String> {
    if curve.steps.len() != curve.similarity.len() {
        return None;
    }
    let points: Vec<(f64, f64)> = curve
        .steps
        .iter()
        .zip(&curve.similarity)
        .map(|(&s, &v)| (f64::from(s), f64::from(v)))
        .filter(|(_, v)| v.is_finite())
        .collect();
    let (first, last) = (points.first()?.0, points.last()?.0);
    let mean = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    line_plot(
        NOVELTY_TITLE,
        "step",
        &[
            Series {
                label: "similarity",
                class: "best",
                points,
            },
            Series {
                label: "mean",
                class: "mean",
                points: vec![(first, mean), (last, mean)],
            },
        ],
        w,
        h,
    )
}

fn format_num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e6 {
        format!("{v:.0}")
    } else if v.abs() >= 1e5 || v.abs() < 1e-4 {
        format!("{v:.3e}")
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() < 0.01 {
        format!("{v:.5}")
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

    fn curve(steps: Vec<u32>, similarity: Vec<f32>) -> NoveltyCurve {
        NoveltyCurve {
            steps,
            similarity,
            formula: "drop_first".into(),
            rollouts: 2,
        }
    }

    /// The polyline points of an SVG, in order.
    fn polylines(svg: &str) -> Vec<Vec<(f64, f64)>> {
        svg.split("<polyline")
            .skip(1)
            .map(|p| {
                let pts = p.split("points=\"").nth(1).unwrap_or("");
                let pts = &pts[..pts.find('"').unwrap_or(0)];
                pts.split(' ')
                    .filter_map(|xy| {
                        let (x, y) = xy.split_once(',')?;
                        Some((x.parse().ok()?, y.parse().ok()?))
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn novelty_plot_draws_each_frame_and_the_mean() {
        let c = curve(vec![32, 64, 96, 128], vec![0.9, 0.5, 0.7, 0.3]);
        let svg = novelty_plot(&c, 260, 90).unwrap_or_default();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let lines = polylines(&svg);
        assert_eq!(lines.len(), 2, "{svg}");
        // One vertex per frame, left to right by step; higher similarity is drawn higher (smaller
        // y), so the most novel frame (0.3 at step 128) is the lowest point.
        let sim = &lines[0];
        assert_eq!(sim.len(), 4);
        assert!(sim.windows(2).all(|w| w[0].0 < w[1].0));
        let ys: Vec<f64> = sim.iter().map(|p| p.1).collect();
        assert!(ys[0] < ys[2] && ys[2] < ys[1] && ys[1] < ys[3], "{ys:?}");
        // The mean (0.6) is a flat line across the same steps, between 0.5 and 0.7.
        let mean = &lines[1];
        assert_eq!(mean.len(), 2);
        assert_eq!(mean[0].1, mean[1].1);
        assert_eq!((mean[0].0, mean[1].0), (sim[0].0, sim[3].0));
        assert!(mean[0].1 > ys[2] && mean[0].1 < ys[1]);
        // Axis ticks name the step range; the title says what is plotted, escaped.
        assert!(svg.contains(">32<") && svg.contains(">128<") && svg.contains(">step<"));
        assert!(svg.contains("lower = more novel"));
        // Deterministic.
        assert_eq!(novelty_plot(&c, 260, 90).unwrap_or_default(), svg);
    }

    #[test]
    fn novelty_plot_skips_bad_curves() {
        assert!(novelty_plot(&curve(vec![], vec![]), 260, 90).is_none());
        assert!(novelty_plot(&curve(vec![1, 2], vec![0.5]), 260, 90).is_none());
        assert!(novelty_plot(&curve(vec![1, 2], vec![f32::NAN, f32::INFINITY]), 260, 90).is_none());
        // A non-finite value is left out, the rest still plots without NaN in the markup.
        let svg = novelty_plot(&curve(vec![1, 2, 3], vec![0.5, f32::NAN, 0.25]), 260, 90)
            .unwrap_or_default();
        assert_eq!(polylines(&svg)[0].len(), 2);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
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
