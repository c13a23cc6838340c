//! `gaodi assign solve`: the reviewer-assignment solver on an instance folder of the benchmark
//! format (`/work/shared/bench/assign/gen_instance.py`): `header.json` (P, R, k, L),
//! `affinity.csv` (`P000017,R00042,0.4312`), `conflicts.csv` (`P000017,R00042,-1`). Writes one
//! `proposal_id,reviewer_id` line per assigned pair (no header), prints the objective and the
//! phase timings on stderr and a JSON summary on stdout.
//!
//! `affinity.csv` is read in two halves by two threads, each with its own file handle and an
//! 8 MiB buffer, parsed as fixed-width 22-byte lines straight into the `u16` matrix; any file
//! that is not the dense sorted fixed-width layout is parsed line by line instead (any order,
//! missing pairs allowed), with errors naming the line.
//!
//! Wired in `main.rs` as `assign solve` (an `Assign` subcommand holding [`AssignCommand`]).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context};
use gaodi_domain::assign::{solve, Affinities, Instance, SolveOptions, NO_PAIR};

/// `gaodi assign …`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum AssignCommand {
    /// Solve an instance folder (header.json, affinity.csv, conflicts.csv) exactly; write the
    /// assignment as proposal_id,reviewer_id lines.
    Solve(AssignSolveArgs),
}

/// Arguments of `gaodi assign solve`.
#[derive(clap::Args, Debug, Clone)]
pub struct AssignSolveArgs {
    /// Instance folder.
    #[arg(long)]
    pub instance: PathBuf,
    /// Output CSV (proposal_id,reviewer_id, no header).
    #[arg(long)]
    pub out: PathBuf,
    /// Best reviewers per proposal in the first candidate set (default 8k).
    #[arg(long)]
    pub candidates_per_proposal: Option<usize>,
    /// Best proposals per reviewer in the first candidate set (default 2L).
    #[arg(long)]
    pub candidates_per_reviewer: Option<usize>,
}

const LINE: usize = 22;
const CHUNK_LINES: usize = (8 << 20) / LINE;

struct Header {
    proposals: usize,
    reviewers: usize,
    k: u32,
    capacity: u32,
}

fn read_header(dir: &Path) -> anyhow::Result<Header> {
    let path = dir.join("header.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let field = |name: &str| {
        json.get(name)
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| anyhow!("{}: field \"{name}\" missing or not a non-negative integer", path.display()))
    };
    let header = Header {
        proposals: usize::try_from(field("proposals")?)?,
        reviewers: usize::try_from(field("reviewers")?)?,
        k: u32::try_from(field("reviews_per_proposal")?)?,
        capacity: u32::try_from(field("max_load_per_reviewer")?)?,
    };
    if header.proposals > 1_000_000 || header.reviewers > 100_000 {
        bail!("{}: ids allow at most 1,000,000 proposals and 100,000 reviewers", path.display());
    }
    Ok(header)
}

/// Runs the command.
pub fn run(command: &AssignCommand) -> anyhow::Result<()> {
    let AssignCommand::Solve(args) = command;
    let started = Instant::now();
    let header = read_header(&args.instance)?;
    let (p, r) = (header.proposals, header.reviewers);
    let affinity_path = args.instance.join("affinity.csv");
    let values = read_affinities(&affinity_path, p, r)?;
    let read_affinity_s = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let conflicts_path = args.instance.join("conflicts.csv");
    let conflicts = read_conflicts(&conflicts_path, p, r)?;
    let read_conflicts_s = t.elapsed().as_secs_f64();

    let instance = Instance {
        proposal_ids: (0..p).map(|i| format!("P{i:06}")).collect(),
        reviewer_ids: (0..r).map(|j| format!("R{j:05}")).collect(),
        per_proposal: header.k,
        capacity: vec![header.capacity; r],
        affinities: Affinities::Dense(values),
        conflicts,
        coverage: Vec::new(),
    };
    let mut options = SolveOptions::for_instance(&instance);
    if let Some(m) = args.candidates_per_proposal {
        options.candidates_per_proposal = m;
    }
    if let Some(m) = args.candidates_per_reviewer {
        options.candidates_per_reviewer = m;
    }
    let t = Instant::now();
    let assignment = solve(&instance, options).map_err(|error| anyhow!("{error}"))?;
    let solve_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut out = Vec::with_capacity(assignment.pairs.len() * 15);
    for &(i, j) in &assignment.pairs {
        writeln!(out, "P{i:06},R{j:05}")?;
    }
    std::fs::write(&args.out, &out).with_context(|| format!("writing {}", args.out.display()))?;
    let write_s = t.elapsed().as_secs_f64();
    let total_s = started.elapsed().as_secs_f64();

    let objective = assignment.objective;
    let stats = assignment.stats;
    eprintln!(
        "objective_e4 {objective}  objective {}.{:04}  pairs {}",
        objective / 10_000,
        objective % 10_000,
        assignment.pairs.len()
    );
    eprintln!(
        "read affinity {read_affinity_s:.3} s, conflicts {read_conflicts_s:.3} s, solve {solve_s:.3} s \
         ({} rounds, {} candidate pairs, {} added), write {write_s:.3} s, total {total_s:.3} s",
        stats.rounds, stats.candidate_arcs, stats.added_pairs
    );
    let summary = serde_json::json!({
        "objective_e4": objective,
        "pairs": assignment.pairs.len(),
        "rounds": stats.rounds,
        "candidate_pairs": stats.candidate_arcs,
        "added_pairs": stats.added_pairs,
        "read_affinity_s": read_affinity_s,
        "read_conflicts_s": read_conflicts_s,
        "solve_s": solve_s,
        "write_s": write_s,
        "total_s": total_s,
    });
    println!("{summary}");
    Ok(())
}

/// The dense `P × R` matrix; fast path for the fixed-width sorted layout, else line by line.
fn read_affinities(path: &Path, p: usize, r: usize) -> anyhow::Result<Vec<u16>> {
    let len = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    let lines = p * r;
    if len == (lines * LINE) as u64 && lines > 0 {
        let mut values = vec![0u16; lines];
        let half_rows = p / 2;
        let (first, second) = values.split_at_mut(half_rows * r);
        let ok = std::thread::scope(|scope| {
            let a = scope.spawn(|| read_fixed(path, 0, r, first));
            let b = read_fixed(path, half_rows, r, second);
            let a = a.join().map_err(|_| anyhow!("affinity reader thread failed"))?;
            anyhow::Ok(a? && b?)
        })?;
        if ok {
            return Ok(values);
        }
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    parse_affinities_by_line(&bytes, p, r).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Reads rows `first_row..` into `out` (whole rows) from the fixed-width file; false if a line
/// is not the expected `P{row},R{col},d.dddd` (the caller then parses line by line).
fn read_fixed(path: &Path, first_row: usize, r: usize, out: &mut [u16]) -> anyhow::Result<bool> {
    let mut file = File::open(path).with_context(|| format!("reading {}", path.display()))?;
    file.seek(SeekFrom::Start((first_row * r * LINE) as u64))?;
    let mut buffer = vec![0u8; CHUNK_LINES * LINE];
    let mut line_no = first_row * r;
    let mut done = 0;
    while done < out.len() {
        let n = CHUNK_LINES.min(out.len() - done);
        let chunk = &mut buffer[..n * LINE];
        file.read_exact(chunk).with_context(|| format!("reading {}", path.display()))?;
        for (line, slot) in chunk.chunks_exact(LINE).zip(&mut out[done..done + n]) {
            let (row, col) = (line_no / r, line_no % r);
            match parse_fixed_line(line, row, col) {
                Some(value) => *slot = value,
                None => return Ok(false),
            }
            line_no += 1;
        }
        done += n;
    }
    Ok(true)
}

/// `P000017,R00042,0.4312\n` with the expected ids → 4312.
#[inline]
fn parse_fixed_line(line: &[u8], row: usize, col: usize) -> Option<u16> {
    let digit = |b: u8| u32::from(b.wrapping_sub(b'0'));
    let mut bad = 0u32;
    let mut number = |range: std::ops::Range<usize>| {
        let mut n = 0u32;
        for &b in &line[range] {
            let d = digit(b);
            bad |= u32::from(d > 9);
            n = n * 10 + d;
        }
        n
    };
    let id_p = number(1..7);
    let id_r = number(9..14);
    let whole = number(15..16);
    let frac = number(17..21);
    let shape = line[0] == b'P' && line[7] == b',' && line[8] == b'R' && line[14] == b',' && line[16] == b'.';
    let value = whole * 10_000 + frac;
    (bad == 0
        && shape
        && line[21] == b'\n'
        && id_p as usize == row
        && id_r as usize == col
        && value < u32::from(NO_PAIR))
    .then_some(value as u16)
}

/// `P000017` → 17, checked against the count.
fn parse_id(field: &str, prefix: char, count: usize) -> Result<usize, String> {
    let what = if prefix == 'P' { "proposal" } else { "reviewer" };
    let index = field
        .strip_prefix(prefix)
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse::<usize>().ok())
        .ok_or_else(|| format!("\"{field}\" is not a {what} id ({prefix} followed by digits)"))?;
    if index >= count {
        return Err(format!("{what} id \"{field}\" is out of range; header.json has {count}"));
    }
    Ok(index)
}

/// `0.4312`, `1`, `0.5` → units of 1e-4; at most 4 decimals, at most 6.5534.
fn parse_affinity(field: &str) -> Result<u16, String> {
    let bad = || format!("\"{field}\" is not an affinity (a number with at most 4 decimals, 0 to 6.5534)");
    let (whole, frac) = field.split_once('.').unwrap_or((field, ""));
    if whole.is_empty() || frac.len() > 4 || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let mut value: u64 = whole.parse().map_err(|_| bad())?;
    for position in 0..4 {
        value = value * 10 + frac.as_bytes().get(position).map_or(0, |b| u64::from(b - b'0'));
    }
    u16::try_from(value).ok().filter(|&v| v != NO_PAIR).ok_or_else(bad)
}

fn split_line(line: &str, number: usize) -> Result<(&str, &str, &str), String> {
    let mut fields = line.split(',');
    match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (Some(a), Some(b), Some(c), None) => Ok((a.trim(), b.trim(), c.trim())),
        _ => Err(format!("line {number}: expected three comma-separated fields, found \"{line}\"")),
    }
}

fn parse_affinities_by_line(bytes: &[u8], p: usize, r: usize) -> Result<Vec<u16>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())?;
    let mut values = vec![NO_PAIR; p * r];
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (a, b, c) = split_line(line, n + 1)?;
        let i = parse_id(a, 'P', p).map_err(|e| format!("line {}: {e}", n + 1))?;
        let j = parse_id(b, 'R', r).map_err(|e| format!("line {}: {e}", n + 1))?;
        let value = parse_affinity(c).map_err(|e| format!("line {}: {e}", n + 1))?;
        if values[i * r + j] != NO_PAIR {
            return Err(format!("line {}: the pair {a},{b} appears twice", n + 1));
        }
        values[i * r + j] = value;
    }
    Ok(values)
}

fn read_conflicts(path: &Path, p: usize, r: usize) -> anyhow::Result<Vec<(u32, u32)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    };
    let mut conflicts = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = split_line(line, n + 1).and_then(|(a, b, c)| {
            if c != "-1" {
                return Err(format!("line {}: the third field must be -1 (a conflict), found \"{c}\"", n + 1));
            }
            let i = parse_id(a, 'P', p).map_err(|e| format!("line {}: {e}", n + 1))?;
            let j = parse_id(b, 'R', r).map_err(|e| format!("line {}: {e}", n + 1))?;
            Ok((i as u32, j as u32))
        });
        conflicts.push(parsed.map_err(|e| anyhow!("{}: {e}", path.display()))?);
    }
    Ok(conflicts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_lines() {
        assert_eq!(parse_fixed_line(b"P000017,R00042,0.4312\n", 17, 42), Some(4312));
        assert_eq!(parse_fixed_line(b"P000017,R00042,1.0000\n", 17, 42), Some(10_000));
        assert_eq!(parse_fixed_line(b"P000017,R00042,0.4312\n", 17, 43), None);
        assert_eq!(parse_fixed_line(b"P000017;R00042,0.4312\n", 17, 42), None);
        assert_eq!(parse_fixed_line(b"P000017,R00042,0.43a2\n", 17, 42), None);
    }

    #[test]
    fn free_form_values() {
        assert_eq!(parse_affinity("0.4312"), Ok(4312));
        assert_eq!(parse_affinity("1"), Ok(10_000));
        assert_eq!(parse_affinity("0.5"), Ok(5000));
        assert!(parse_affinity("0.12345").is_err());
        assert!(parse_affinity("-0.1").is_err());
        assert!(parse_affinity("7").is_err());
        assert_eq!(parse_id("P000017", 'P', 18), Ok(17));
        assert!(parse_id("P000018", 'P', 18).is_err());
        assert!(parse_id("R1", 'P', 18).is_err());
    }
}
