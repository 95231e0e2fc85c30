//! The static site: re-simulate every creature, encode its clip, write `index.html`, `style.css`,
//! `app.js`, `media/` and `creatures/` into a temporary folder, then rename it into place.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use asal_search::optim::LifeRule;
use asal_search::pipeline::{PipelineSpec, init_for, is_life_like, probe_init, rollout_seed};
use asal_substrates::Gpu;
use asal_substrates::substrate::{RolloutSpec, Substrate, rollout};

use crate::clip::{Clip, GALLERY_WEBP_QUALITY, png_bytes};
use crate::error::{Error, Result};
use crate::layout::{atlas_grid, select_members};
use crate::plot::{NOVELTY_CAPTION, Series, line_plot, novelty_plot};
use crate::run::{Run, RunCreature};
use crate::text::{escape, sanitise, unique};

const STYLE: &str = include_str!("../template/style.css");
const SCRIPT: &str = include_str!("../template/app.js");

/// GIF fallbacks keep at most this many frames (every k-th frame, same duration): a full-length
/// 224² GIF would be ten times the WebP's size for the few browsers that need it.
const GIF_MAX_FRAMES: usize = 64;

/// The most thumbnails an atlas may have: snapping n points to n cells sorts n² (distance, point,
/// cell) pairs, 100 MB at this size, and a page of more thumbnails than this is no longer browsable.
pub const ATLAS_MAX_LIMIT: usize = 2048;

/// Atlas members simulated per GPU rollout call: bounds the frame and state buffers of a large
/// atlas (a 2^18-rule sweep) whatever the adapter's limits.
const ATLAS_BATCH: usize = 64;

/// Export options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Clip frame rate.
    pub fps: u32,
    /// At most this many frames per clip, evenly spaced over the creature's rollout.
    pub max_frames: u32,
    /// Clip side in pixels (default: the size the search scored, else 224).
    pub size: Option<u32>,
    /// Replace an existing output folder.
    pub force: bool,
    /// Atlas thumbnail side in pixels.
    pub thumb_size: u32,
    /// At most this many atlas thumbnails per run (a sweep shows its best members).
    pub atlas_max: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            fps: 24,
            max_frames: 256,
            size: None,
            force: false,
            thumb_size: 96,
            atlas_max: 1024,
        }
    }
}

/// What an export wrote.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Creature cards.
    pub creatures: usize,
    /// Atlases (one per illumination run or sweep with stored members).
    pub atlases: usize,
    /// Things a user should know about the export (e.g. a sweep without an atlas, and why).
    pub notes: Vec<String>,
    /// Bytes of every WebP clip.
    pub webp_bytes: u64,
    /// Bytes of every GIF fallback.
    pub gif_bytes: u64,
}

/// Builds the gallery of `runs` into `out`. Nothing is written to `out` unless the whole export
/// succeeds; an existing `out` is replaced only with `force`.
pub fn export(
    gpu: &Gpu,
    runs: &[PathBuf],
    out: &Path,
    opts: &Options,
    progress: &mut dyn FnMut(&str),
) -> Result<Summary> {
    if runs.is_empty() {
        return Err(Error::Invalid("give at least one run directory".into()));
    }
    if opts.fps == 0 || opts.fps > 120 {
        return Err(Error::Invalid(format!("--fps {}: valid 1..=120", opts.fps)));
    }
    if !(1..=ATLAS_MAX_LIMIT).contains(&opts.atlas_max) {
        return Err(Error::Invalid(format!(
            "--atlas-max {}: valid 1..={ATLAS_MAX_LIMIT}",
            opts.atlas_max
        )));
    }
    if opts.max_frames == 0 {
        return Err(Error::Invalid("--frames must be at least 1".into()));
    }
    if let Some(s) = opts.size
        && !(8..=1024).contains(&s)
    {
        return Err(Error::Invalid(format!("--size {s}: valid 8..=1024 px")));
    }
    if out.exists() && !opts.force {
        return Err(Error::OutputExists(out.into()));
    }
    // Load and check every run before simulating anything.
    let loaded: Vec<Run> = runs.iter().map(|r| Run::load(r)).collect::<Result<_>>()?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::Invalid(format!("{}: not a folder name", out.display())))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let built = build(gpu, &loaded, &tmp, opts, progress);
    let summary = match built {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    // Swap into place: the old gallery is moved aside first and deleted only after the rename.
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if out.exists()
        && let Err(e) = std::fs::rename(out, &old)
    {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(Error::io(out, e));
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        if old.exists() {
            let _ = std::fs::rename(&old, out);
        }
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(Error::io(out, e));
    }
    if old.exists() {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(summary)
}

/// One exported card.
struct Card {
    run: String,
    name: String,
    substrate: String,
    objective: String,
    prompts: Vec<String>,
    score: Option<f32>,
    seed: u64,
    steps: u32,
    generation: Option<u64>,
    model: Option<String>,
    webp: String,
    gif: String,
    file: String,
    size: u32,
    novelty: Option<String>,
}

struct RunSection {
    name: String,
    substrate: String,
    objective: String,
    prompts: Vec<String>,
    generations: usize,
    fitness: Option<String>,
    atlas: Option<Atlas>,
    /// Shown instead of an atlas the run should have but cannot.
    atlas_note: Option<String>,
}

/// An atlas's markup and what it shows.
struct Atlas {
    html: String,
    caption: String,
}

fn build(
    gpu: &Gpu,
    runs: &[Run],
    site: &Path,
    opts: &Options,
    progress: &mut dyn FnMut(&str),
) -> Result<Summary> {
    let mut summary = Summary::default();
    let mut run_slugs = BTreeSet::new();
    let mut cards = Vec::new();
    let mut sections = Vec::new();
    for run in runs {
        let slug = unique(sanitise(&run.name), &mut run_slugs);
        let media = site.join("media").join(&slug);
        let files = site.join("creatures").join(&slug);
        for d in [&media, &files] {
            std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
        }
        let mut names = BTreeSet::new();
        for rc in &run.creatures {
            progress(&format!("{} / {}", run.name, rc.name));
            // Named after the run's file (best-000), not the display name: stable and short.
            let file_stem = rc
                .path
                .file_stem()
                .map_or_else(|| rc.name.clone(), |s| s.to_string_lossy().into_owned());
            let stem = unique(sanitise(&file_stem), &mut names);
            let card = export_creature(gpu, run, rc, &slug, &stem, site, opts, &mut summary)?;
            cards.push(card);
        }
        let objective = run.config_str("objective.kind").unwrap_or_default();
        let fitness = line_plot(
            &format!("fitness of {} (lower is better)", run.name),
            "generation",
            &[
                Series {
                    label: "best",
                    class: "best",
                    points: run
                        .log
                        .iter()
                        .map(|g| (g.generation as f64, g.best))
                        .collect(),
                },
                Series {
                    label: "mean",
                    class: "mean",
                    points: run
                        .log
                        .iter()
                        .map(|g| (g.generation as f64, g.mean))
                        .collect(),
                },
                Series {
                    label: "best so far",
                    class: "sofar",
                    points: run
                        .log
                        .iter()
                        .map(|g| (g.generation as f64, g.best_so_far))
                        .collect(),
                },
            ],
            560,
            180,
        );
        let atlas = match &run.population {
            Some(_) => {
                progress(&format!("{} / atlas", run.name));
                let a = atlas(gpu, run, &slug, site, opts)?;
                if a.is_some() {
                    summary.atlases += 1;
                }
                a
            }
            None => None,
        };
        let atlas_note = (atlas.is_none() && run.is_sweep()).then(|| {
            if run.population.is_some() {
                "no atlas: the stored sweep members do not fit this run's substrate".to_string()
            } else {
                "no atlas: this sweep was run by an asal that did not store its members' \
                 embeddings (population.safetensors); run the search again to get one"
                    .to_string()
            }
        });
        if let Some(note) = &atlas_note {
            summary.notes.push(format!("{}: {note}", run.name));
        }
        sections.push(RunSection {
            name: run.name.clone(),
            substrate: run
                .config_str("substrate.name")
                .or_else(|| run.creatures.first().map(|c| c.creature.substrate.clone()))
                .unwrap_or_default(),
            objective,
            prompts: run.prompts(),
            generations: run.log.len(),
            fitness,
            atlas,
            atlas_note,
        });
    }
    summary.creatures = cards.len();
    write(&site.join("index.html"), page(&sections, &cards).as_bytes())?;
    write(&site.join("style.css"), STYLE.as_bytes())?;
    write(&site.join("app.js"), SCRIPT.as_bytes())?;
    Ok(summary)
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// Evenly spaced steps from 0 to `steps`, at most `max` of them.
fn clip_steps(steps: u32, max: u32) -> Vec<u32> {
    let count = (u64::from(steps) + 1).min(u64::from(max.max(1)));
    if count <= 1 {
        return vec![steps];
    }
    let mut v: Vec<u32> = (0..count)
        .map(|j| (j * u64::from(steps) / (count - 1)) as u32)
        .collect();
    v.dedup();
    v
}

/// Renders `frame_steps` of one world, in as many rollouts as the adapter's buffer limit needs
/// (each rollout restarts from the seed, so results are identical to one long rollout).
fn render(
    gpu: &Gpu,
    substrate: &dyn Substrate,
    genome: &[f32],
    seed: u64,
    steps: u32,
    frame_steps: &[u32],
    size: u32,
) -> Result<Vec<u8>, String> {
    // The search's initial-state path (seeded on the GPU, or drawn by the CPU twin where the GPU
    // draw depends on the world index), so the clip shows the world the search scored.
    let mode = probe_init(gpu, substrate).map_err(|e| e.to_string())?;
    let init = init_for(substrate, mode, genome, &[seed]).map_err(|e| e.to_string())?;
    let limit = gpu
        .limits()
        .max_storage_buffer_binding_size
        .min(gpu.limits().max_buffer_size)
        / 2;
    let per_frame = u64::from(size).pow(2) * 4;
    let fit = (limit.saturating_sub(substrate.bytes_per_world()) / per_frame).max(1) as usize;
    let mut frames = Vec::with_capacity(frame_steps.len() * per_frame as usize);
    for chunk in frame_steps.chunks(fit) {
        let last = *chunk.last().unwrap_or(&steps);
        let spec = RolloutSpec {
            steps: last,
            frame_steps: chunk.to_vec(),
            frame_size: size,
            dump_steps: Vec::new(),
        };
        let out = rollout(gpu, substrate, genome, &init, &spec, &mut |_| {})
            .map_err(|e| e.to_string())?;
        frames.extend_from_slice(&out.frames);
    }
    Ok(frames)
}

#[allow(
    clippy::too_many_arguments,
    reason = "internal helper threading export state"
)]
fn export_creature(
    gpu: &Gpu,
    run: &Run,
    rc: &RunCreature,
    slug: &str,
    stem: &str,
    site: &Path,
    opts: &Options,
    summary: &mut Summary,
) -> Result<Card> {
    let c = &rc.creature;
    let fail = |e: asal_substrates::Error| Error::file(&rc.path, e);
    let substrate = c.substrate().map_err(fail)?;
    let genome = c.genome_for(substrate.as_ref()).map_err(fail)?;
    let steps = c.steps.unwrap_or_else(|| substrate.default_steps());
    let size = opts
        .size
        .or_else(|| c.frames.as_ref().map(|f| f.size))
        .unwrap_or(224)
        .clamp(8, 1024);
    let frame_steps = clip_steps(steps, opts.max_frames);
    let frames = render(
        gpu,
        substrate.as_ref(),
        &genome,
        c.seed,
        steps,
        &frame_steps,
        size,
    )
    .map_err(|e| Error::file(&rc.path, e))?;
    let fb = (size as usize).pow(2) * 4;
    let all: Vec<&[u8]> = frames.chunks_exact(fb).collect();
    let clip = Clip {
        size,
        frames: all.clone(),
        fps: opts.fps,
    };
    // Lossy suits smooth substrates (Lenia: several times smaller); hard-edged binary worlds (Life)
    // compress far better losslessly. Both encodings are deterministic, so is the choice.
    let lossy = clip.webp_bytes(Some(GALLERY_WEBP_QUALITY))?;
    let lossless = clip.webp_bytes(None)?;
    let webp = if lossless.len() < lossy.len() {
        lossless
    } else {
        lossy
    };
    let stride = all.len().div_ceil(GIF_MAX_FRAMES).max(1);
    let gif = Clip {
        size,
        frames: all.iter().step_by(stride).copied().collect(),
        fps: (opts.fps / stride as u32).max(1),
    }
    .gif_bytes()?;
    summary.webp_bytes += webp.len() as u64;
    summary.gif_bytes += gif.len() as u64;
    let webp_rel = format!("media/{slug}/{stem}.webp");
    let gif_rel = format!("media/{slug}/{stem}.gif");
    let file_rel = format!("creatures/{slug}/{stem}.json");
    write(&site.join(&webp_rel), &webp)?;
    write(&site.join(&gif_rel), &gif)?;
    // Re-written rather than copied: a large genome's safetensors file is recreated next to it
    // under the new name, and every field (unknown ones included) is kept.
    c.write(&site.join(&file_rel)).map_err(fail)?;
    let objective = c
        .objective
        .as_ref()
        .and_then(|o| o.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .or_else(|| run.config_str("objective.kind"))
        .unwrap_or_default();
    let mut prompts: Vec<String> = c
        .objective
        .as_ref()
        .and_then(|o| o.get("prompts"))
        .and_then(|p| p.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if prompts.is_empty() {
        prompts = run.prompts();
    }
    Ok(Card {
        run: run.name.clone(),
        name: rc.name.clone(),
        substrate: substrate.name().to_owned(),
        objective,
        prompts,
        score: c.score,
        seed: c.seed,
        steps,
        generation: c.generation,
        model: c.model.clone(),
        webp: webp_rel,
        gif: gif_rel,
        file: file_rel,
        size,
        novelty: c.novelty.as_ref().and_then(|n| novelty_plot(n, 260, 96)),
    })
}

/// The atlas of a run with stored members (an illumination run's final population, or every
/// member a sweep evaluated): each shown member's last scored frame, placed by the PCA of its
/// embedding and snapped to a grid. `None` when the members do not fit the substrate.
fn atlas(gpu: &Gpu, run: &Run, slug: &str, site: &Path, opts: &Options) -> Result<Option<Atlas>> {
    let Some(pop) = &run.population else {
        return Ok(None);
    };
    let first = run.creatures.first();
    let substrate = match first {
        Some(c) => c
            .creature
            .substrate()
            .map_err(|e| Error::file(&c.path, e))?,
        None => run.substrate()?,
    };
    if pop.dim != substrate.genome().dim() || pop.is_empty() {
        tracing::warn!(
            "{}: population genomes have {} values, the substrate takes {}; no atlas",
            run.dir.display(),
            pop.dim,
            substrate.genome().dim()
        );
        return Ok(None);
    }
    let config = run.search_config();
    // The frame the embedding came from: the last of the first scored track.
    let steps = config
        .as_ref()
        .and_then(|c| {
            let spec = PipelineSpec::from_config(c);
            let last = *spec.tracks.first()?.last()?;
            spec.frame_steps.get(last).copied()
        })
        .or_else(|| first.and_then(|c| c.creature.steps))
        .or_else(|| run.config_str("rollout.steps").and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| substrate.default_steps());
    let run_seed: u64 = run
        .config_str("run.seed")
        .and_then(|s| s.parse().ok())
        .or_else(|| first.map(|c| c.creature.seed))
        .unwrap_or(0);
    let sweep = pop.generation.len() == pop.len() && pop.fitness.len() == pop.len();
    let selection = select_members(&pop.embeddings, pop.emb_dim, &pop.fitness, opts.atlas_max);
    if selection.shown.is_empty() {
        return Ok(None);
    }
    // A sweep member is shown from the initial state of its rollout 0 (the seed of the generation
    // that evaluated it); an illumination member from the run's seed.
    let seed_of = |i: usize| -> u64 {
        if sweep {
            rollout_seed(run_seed, pop.generation[i] as u64, 0)
        } else {
            run_seed
        }
    };
    // Never larger than the frames the model saw: a 64² Life sweep gets crisp 64 px thumbnails
    // (one pixel per cell) rather than blurred 96 px ones.
    let size = config
        .as_ref()
        .map_or(opts.thumb_size, |c| {
            opts.thumb_size.min(c.rollout.frame_size)
        })
        .max(8);
    let spec = RolloutSpec {
        steps,
        frame_steps: vec![steps],
        frame_size: size,
        dump_steps: Vec::new(),
    };
    let pop_file = run.dir.join("population.safetensors");
    let mode = probe_init(gpu, substrate.as_ref()).map_err(|e| Error::file(&pop_file, e))?;
    let grid = atlas_grid(&pop.embeddings, pop.emb_dim, &selection.shown);
    let dir = site.join("media").join(slug).join("atlas");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let fb = (size as usize).pow(2) * 4;
    let life = is_life_like(substrate.name());
    let mut thumbs: Vec<(usize, String)> = Vec::with_capacity(selection.shown.len());
    for (batch_no, batch) in selection.shown.chunks(ATLAS_BATCH).enumerate() {
        let genomes: Vec<f32> = batch
            .iter()
            .flat_map(|&i| pop.genomes[i * pop.dim..(i + 1) * pop.dim].iter().copied())
            .collect();
        let seeds: Vec<u64> = batch.iter().map(|&i| seed_of(i)).collect();
        let init = init_for(substrate.as_ref(), mode, &genomes, &seeds)
            .map_err(|e| Error::file(&pop_file, e))?;
        let out = rollout(gpu, substrate.as_ref(), &genomes, &init, &spec, &mut |_| {})
            .map_err(|e| Error::file(&pop_file, e))?;
        for (k, &i) in batch.iter().enumerate() {
            let rel = format!("media/{slug}/atlas/{i:06}.png");
            write(
                &site.join(&rel),
                &png_bytes(size, &out.frames[k * fb..(k + 1) * fb])?,
            )?;
            let genome = &pop.genomes[i * pop.dim..(i + 1) * pop.dim];
            let mut label = match genome.first() {
                Some(&code) if life && pop.dim == 1 && (0.0..262_144.0).contains(&code) => {
                    LifeRule(code as u32).to_string()
                }
                _ => format!("member {i}"),
            };
            if let Some(f) = pop.fitness.get(i) {
                label.push_str(&format!(" · score {f:.4}"));
            }
            let (c, r) = grid.cells[batch_no * ATLAS_BATCH + k];
            // Lazy: a large atlas loads the thumbnails as they scroll into view, not all at once.
            thumbs.push((
                r * grid.cols + c,
                format!(
                    r#"<img src="{}" alt="{l}" title="{l}" width="{size}" height="{size}" loading="lazy" decoding="async" style="grid-column: {}; grid-row: {}">"#,
                    escape(&rel),
                    c + 1,
                    r + 1,
                    l = escape(&label),
                ),
            ));
        }
    }
    thumbs.sort_by_key(|t| t.0);
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<div class="atlas" style="grid-template-columns: repeat({}, 1fr); max-width: {}px">"#,
        grid.cols,
        (grid.cols as u32 * (size + 2)).clamp(240, 1200)
    );
    for (_, img) in thumbs {
        html.push_str(&img);
    }
    html.push_str("</div>");
    let shown = selection.shown.len();
    let mut caption = if sweep {
        let evaluated = pop.len();
        if selection.left_out > 0 {
            format!("the {shown} best of the {evaluated} rules the sweep evaluated")
        } else {
            format!("the {shown} rules the sweep evaluated")
        }
    } else if selection.left_out > 0 {
        format!(
            "{shown} of the final population's {} members, evenly spaced",
            pop.len()
        )
    } else {
        format!("the final population's {shown} members")
    };
    caption.push_str(&format!(
        ", each at step {steps}, placed by the PCA of its embedding"
    ));
    if selection.unembedded > 0 {
        caption.push_str(&format!(
            "; {} pre-filtered as dead or saturated (never embedded) not shown",
            selection.unembedded
        ));
    }
    Ok(Some(Atlas { html, caption }))
}

fn options(values: &BTreeSet<&str>) -> String {
    let mut s = String::from(r#"<option value="">all</option>"#);
    for v in values {
        let _ = write!(s, r#"<option value="{0}">{0}</option>"#, escape(v));
    }
    s
}

fn page(sections: &[RunSection], cards: &[Card]) -> String {
    let substrates: BTreeSet<&str> = cards.iter().map(|c| c.substrate.as_str()).collect();
    let objectives: BTreeSet<&str> = cards
        .iter()
        .map(|c| c.objective.as_str())
        .filter(|o| !o.is_empty())
        .collect();
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ASAL gallery</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<header>
<h1>ASAL gallery</h1>
<p class="sub">{n} creature{s} from {r} run{rs}. Each clip is a fresh simulation of the creature file linked under it; replay one with <code>asal replay FILE.json</code>.</p>
<div class="controls">
<label>Sort <select id="sort"><option value="score">score (best first)</option><option value="substrate">substrate</option><option value="name">name</option></select></label>
<label>Substrate <select id="f-substrate">{subs}</select></label>
<label>Objective <select id="f-objective">{objs}</select></label>
<label>Search <input id="f-text" type="search" placeholder="name, prompt, run…"></label>
<span id="count" aria-live="polite"></span>
</div>
</header>
<main>
"#,
        n = cards.len(),
        s = if cards.len() == 1 { "" } else { "s" },
        r = sections.len(),
        rs = if sections.len() == 1 { "" } else { "s" },
        subs = options(&substrates),
        objs = options(&objectives),
    );
    // Said once, above the cards, rather than under every plot.
    if cards.iter().any(|c| c.novelty.is_some()) {
        let _ = writeln!(
            h,
            "<p class=\"meta legend-note\">Novelty plots (open-endedness creatures): {}.</p>",
            escape(NOVELTY_CAPTION)
        );
    }
    h.push_str("<section id=\"cards\" class=\"cards\">\n");
    for c in cards {
        let score = c.score.map_or(String::new(), |s| format!("{s}"));
        let text = [
            c.name.as_str(),
            c.run.as_str(),
            c.substrate.as_str(),
            c.objective.as_str(),
        ]
        .into_iter()
        .chain(c.prompts.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
        let _ = write!(
            h,
            r#"<article class="card" data-name="{name}" data-substrate="{sub}" data-objective="{obj}" data-score="{score}" data-text="{text}">
<a class="clip" href="{webp}" title="open the clip"><picture><source srcset="{webp}" type="image/webp"><img src="{gif}" alt="{name}" width="{size}" height="{size}" loading="lazy" decoding="async"></picture></a>
<div class="body">
<h3>{name}</h3>
<div class="tags"><span class="tag sub">{sub}</span>{objtag}</div>
<dl>
<dt>score</dt><dd class="score">{score_txt}</dd>
<dt>seed</dt><dd>{seed}</dd>
<dt>steps</dt><dd>{steps}</dd>
<dt>run</dt><dd>{run}</dd>
{gen}{model}</dl>
{prompts}{novelty}<div class="links"><a class="dl" href="{file}" download>creature file</a> <a href="{gif}">GIF</a></div>
</div>
</article>
"#,
            name = escape(&c.name),
            sub = escape(&c.substrate),
            obj = escape(&c.objective),
            score = escape(&score),
            text = escape(&text),
            webp = escape(&c.webp),
            gif = escape(&c.gif),
            size = c.size,
            objtag = if c.objective.is_empty() {
                String::new()
            } else {
                format!(r#"<span class="tag obj">{}</span>"#, escape(&c.objective))
            },
            score_txt = c.score.map_or("—".into(), |s| escape(&format!("{s:.4}"))),
            seed = c.seed,
            steps = c.steps,
            run = escape(&c.run),
            gen = c
                .generation
                .map_or(String::new(), |g| format!("<dt>generation</dt><dd>{g}</dd>\n")),
            model = c.model.as_ref().map_or(String::new(), |m| format!(
                "<dt>model</dt><dd>{}</dd>\n",
                escape(m)
            )),
            prompts = if c.prompts.is_empty() {
                String::new()
            } else {
                format!(
                    "<ul class=\"prompts\">{}</ul>\n",
                    c.prompts
                        .iter()
                        .map(|p| format!("<li>“{}”</li>", escape(p)))
                        .collect::<String>()
                )
            },
            novelty = c.novelty.as_ref().map_or(String::new(), |svg| format!(
                "<figure class=\"novelty\">{svg}</figure>\n"
            )),
            file = escape(&c.file),
        );
    }
    h.push_str("</section>\n");
    for s in sections {
        let _ = writeln!(
            h,
            r#"<section class="run"><h2>run <span class="runname">{}</span></h2><p class="meta">{} · {} · {} generation{}{}</p>{}{}</section>"#,
            escape(&s.name),
            escape(&s.substrate),
            escape(if s.objective.is_empty() {
                "—"
            } else {
                &s.objective
            }),
            s.generations,
            if s.generations == 1 { "" } else { "s" },
            if s.prompts.is_empty() {
                String::new()
            } else {
                format!(
                    " · {}",
                    s.prompts
                        .iter()
                        .map(|p| format!("“{}”", escape(p)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            s.fitness.clone().unwrap_or_default(),
            match (&s.atlas, &s.atlas_note) {
                (Some(a), _) => format!(
                    "<h3>atlas</h3><p class=\"meta\">{}; hover a thumbnail for its name and score</p>{}",
                    escape(&a.caption),
                    a.html
                ),
                (None, Some(note)) => format!("<p class=\"note\">{}</p>", escape(note)),
                (None, None) => String::new(),
            },
        );
    }
    h.push_str("</main>\n<footer>made with <code>asal gallery</code> · works offline, straight from the file system</footer>\n<script src=\"app.js\"></script>\n</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_steps_are_even_and_capped() {
        assert_eq!(clip_steps(8, 100), (0..=8).collect::<Vec<_>>());
        assert_eq!(clip_steps(256, 5), vec![0, 64, 128, 192, 256]);
        assert_eq!(clip_steps(10, 1), vec![10]);
        assert_eq!(clip_steps(0, 4), vec![0]);
        assert_eq!(clip_steps(1000, 256).len(), 256);
    }
}
