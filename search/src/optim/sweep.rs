//! Exhaustive sweep over Life-like rules, how the original ranked Game of Life among all 2^18.
//!
//! A rule is an 18-bit integer: bit b (0..=8) set means a dead cell with b live neighbours is
//! born, bit 9 + s means a live cell with s neighbours survives (B3/S23 = 6152, as in
//! `fixtures/asal/gol`). The sweep hands out rules in chunks of `popsize` as 1-D genomes (the rule
//! as `f32`, exact below 2^24) and keeps every result for the ranked table. The cursor is part of
//! the serialised state, so an interrupted sweep resumes at the next chunk.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Best, Optimiser, Population, check_fitness, update_best};
use crate::error::{Error, Result};

/// Number of Life-like rules.
pub const LIFE_RULES: u32 = 1 << 18;

/// A Life-like rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LifeRule(pub u32);

impl fmt::Display for LifeRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = |offset: u32| -> String {
            (0..9)
                .filter(|b| self.0 >> (offset + b) & 1 == 1)
                .map(|b| char::from(b'0' + b as u8))
                .collect()
        };
        write!(f, "B{}/S{}", digits(0), digits(9))
    }
}

impl FromStr for LifeRule {
    type Err = Error;

    /// Parses `B3/S23` (case-insensitive) or a plain integer below 2^18.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::Invalid(format!(
                "not a Life-like rule: {s:?} (expected e.g. B3/S23 or 6152)"
            ))
        };
        if let Ok(v) = s.trim().parse::<u32>() {
            return if v < LIFE_RULES {
                Ok(LifeRule(v))
            } else {
                Err(bad())
            };
        }
        let upper = s.trim().to_ascii_uppercase();
        let (b, sv) = upper.split_once('/').ok_or_else(bad)?;
        let bits = |part: &str, prefix: char, offset: u32| -> Result<u32> {
            let digits = part.strip_prefix(prefix).ok_or_else(bad)?;
            digits.chars().try_fold(0u32, |acc, c| {
                let d = c.to_digit(10).filter(|&d| d <= 8).ok_or_else(bad)?;
                Ok(acc | 1 << (offset + d))
            })
        };
        Ok(LifeRule(bits(b, 'B', 0)? | bits(sv, 'S', 9)?))
    }
}

/// Which rules to sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleSet {
    /// All 2^18 rules.
    All,
    /// Rules start..end (end exclusive).
    Range {
        /// First rule.
        start: u32,
        /// One past the last rule.
        end: u32,
    },
    /// An explicit list.
    List(Vec<u32>),
}

impl RuleSet {
    fn len(&self) -> usize {
        match self {
            RuleSet::All => LIFE_RULES as usize,
            RuleSet::Range { start, end } => end.saturating_sub(*start) as usize,
            RuleSet::List(v) => v.len(),
        }
    }

    fn get(&self, i: usize) -> u32 {
        match self {
            RuleSet::All => i as u32,
            RuleSet::Range { start, .. } => start + i as u32,
            RuleSet::List(v) => v[i],
        }
    }
}

/// Sweep state: the rule set, a cursor and every result so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    rules: RuleSet,
    chunk: usize,
    cursor: usize,
    pending: Option<Population>,
    /// (rule, fitness) for every evaluated rule, in sweep order.
    results: Vec<(u32, f32)>,
    best: Option<Best>,
    generation: u64,
}

impl Sweep {
    /// A sweep over `rules` in chunks of `chunk` rules.
    pub fn new(rules: RuleSet, chunk: usize) -> Result<Self> {
        if chunk == 0 {
            return Err(Error::Invalid("sweep: chunk (popsize) must be > 0".into()));
        }
        let out_of_range = match &rules {
            RuleSet::All => None,
            RuleSet::Range { start, end } => (start >= end || *end > LIFE_RULES).then(|| {
                format!("range {start}..{end} must be non-empty and within 0..{LIFE_RULES}")
            }),
            RuleSet::List(v) => v
                .iter()
                .find(|&&r| r >= LIFE_RULES)
                .map(|r| format!("rule {r} is not below {LIFE_RULES}")),
        };
        if let Some(msg) = out_of_range {
            return Err(Error::Invalid(format!("sweep: {msg}")));
        }
        Ok(Self {
            rules,
            chunk,
            cursor: 0,
            pending: None,
            results: Vec::new(),
            best: None,
            generation: 0,
        })
    }

    /// Rules evaluated so far and the total.
    pub fn progress(&self) -> (usize, usize) {
        (self.cursor, self.rules.len())
    }

    /// Every (rule, fitness) so far, in sweep order.
    pub fn results(&self) -> &[(u32, f32)] {
        &self.results
    }

    /// Results sorted by fitness, best (lowest) first; NaN last, ties by rule.
    pub fn ranked(&self) -> Vec<(LifeRule, f32)> {
        let mut r: Vec<(LifeRule, f32)> = self
            .results
            .iter()
            .map(|&(rule, f)| (LifeRule(rule), f))
            .collect();
        r.sort_by(|a, b| {
            super::sanitise(a.1)
                .total_cmp(&super::sanitise(b.1))
                .then(a.0.cmp(&b.0))
        });
        r
    }
}

impl Optimiser for Sweep {
    fn dim(&self) -> usize {
        1
    }

    fn popsize(&self) -> usize {
        self.chunk
    }

    /// The next chunk; empty once the sweep is finished.
    fn ask(&mut self) -> Result<Population> {
        if let Some(p) = &self.pending {
            return Ok(p.clone());
        }
        let end = (self.cursor + self.chunk).min(self.rules.len());
        let genomes: Vec<f32> = (self.cursor..end)
            .map(|i| self.rules.get(i) as f32)
            .collect();
        let n = genomes.len();
        let pop = Population::new(genomes, n, 1)?;
        self.pending = Some(pop.clone());
        Ok(pop)
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<()> {
        let pop = self.pending.as_ref().ok_or(Error::NoPendingAsk)?;
        check_fitness(fitness, pop.n)?;
        update_best(&mut self.best, pop, fitness, self.generation);
        self.results.extend(
            pop.genomes
                .iter()
                .zip(fitness)
                .map(|(&g, &f)| (g as u32, f)),
        );
        self.cursor += pop.n;
        self.pending = None;
        self.generation += 1;
        Ok(())
    }

    fn best(&self) -> Option<&Best> {
        self.best.as_ref()
    }

    fn generation(&self) -> u64 {
        self.generation
    }

    fn is_finished(&self) -> bool {
        self.cursor >= self.rules.len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn rule_names() {
        assert_eq!(LifeRule(6152).to_string(), "B3/S23");
        assert_eq!("B3/S23".parse::<LifeRule>().unwrap(), LifeRule(6152));
        assert_eq!(
            "b36/s23".parse::<LifeRule>().unwrap().to_string(),
            "B36/S23"
        );
        assert_eq!("B/S".parse::<LifeRule>().unwrap(), LifeRule(0));
        assert_eq!(
            "262143".parse::<LifeRule>().unwrap().to_string(),
            "B012345678/S012345678"
        );
        for bad in ["B9/S23", "S23", "262144", "B3S23"] {
            assert!(bad.parse::<LifeRule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn sweeps_a_range_in_chunks_and_ranks() {
        let mut s = Sweep::new(
            RuleSet::Range {
                start: 100,
                end: 110,
            },
            4,
        )
        .unwrap();
        let mut sizes = Vec::new();
        while !s.is_finished() {
            let pop = s.ask().unwrap();
            sizes.push(pop.n);
            // Fitness: distance from rule 105.
            let f: Vec<f32> = pop.genomes.iter().map(|&g| (g - 105.0).abs()).collect();
            s.tell(&f).unwrap();
        }
        assert_eq!(sizes, [4, 4, 2]);
        assert!(s.ask().unwrap().is_empty());
        let ranked = s.ranked();
        assert_eq!(ranked.len(), 10);
        assert_eq!(ranked[0], (LifeRule(105), 0.0));
        assert_eq!(ranked[1].0, LifeRule(104), "ties broken by rule");
        assert_eq!(s.best().unwrap().genome, vec![105.0]);
    }

    #[test]
    fn all_rules_and_lists() {
        let mut s = Sweep::new(RuleSet::All, 1 << 16).unwrap();
        let mut n = 0;
        let mut last = 0.0;
        while !s.is_finished() {
            let pop = s.ask().unwrap();
            n += pop.n;
            last = pop.genomes[pop.n - 1];
            s.tell(&vec![0.0; pop.n]).unwrap();
        }
        assert_eq!(n, LIFE_RULES as usize);
        assert_eq!(last, (LIFE_RULES - 1) as f32, "rules are exact in f32");
        assert!(Sweep::new(RuleSet::List(vec![6152, 1 << 18]), 2).is_err());
        assert!(Sweep::new(RuleSet::Range { start: 5, end: 5 }, 2).is_err());
    }
}
