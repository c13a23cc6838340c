//! `gaodi assign solve` on tiny instances written in the benchmark format, checked against a
//! brute-force optimum: the output format, the constraints and the objective.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Tiny {
    p: usize,
    r: usize,
    k: usize,
    l: usize,
    values: Vec<u16>,
    conflicts: BTreeSet<(usize, usize)>,
}

fn tiny(seed: u64, p: usize, r: usize, k: usize, l: usize) -> Tiny {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let values = (0..p * r).map(|_| (100 + next() % 9_901) as u16).collect();
    let conflicts = (0..p).map(|_| (next() % p, next() % r)).collect();
    Tiny { p, r, k, l, values, conflicts }
}

fn write_instance(dir: &Path, t: &Tiny, shuffled: bool) {
    std::fs::create_dir_all(dir).unwrap();
    let header = format!(
        "{{\"proposals\": {}, \"reviewers\": {}, \"reviews_per_proposal\": {}, \"max_load_per_reviewer\": {}}}\n",
        t.p, t.r, t.k, t.l
    );
    std::fs::write(dir.join("header.json"), header).unwrap();
    let mut lines: Vec<String> = (0..t.p * t.r)
        .map(|n| {
            let v = t.values[n];
            format!("P{:06},R{:05},{}.{:04}\n", n / t.r, n % t.r, v / 10_000, v % 10_000)
        })
        .collect();
    if shuffled {
        // Any order and free-form numbers go through the line-by-line parser.
        lines.reverse();
        lines = lines.into_iter().map(|l| l.replace(",0.", ", 0.")).collect();
    }
    std::fs::write(dir.join("affinity.csv"), lines.concat()).unwrap();
    let conflicts: String = t.conflicts.iter().map(|(i, j)| format!("P{i:06},R{j:05},-1\n")).collect();
    std::fs::write(dir.join("conflicts.csv"), conflicts).unwrap();
}

/// Best total over every assignment (proposal by proposal, every k-subset of reviewers).
fn brute_force(t: &Tiny) -> Option<i64> {
    fn go(t: &Tiny, i: usize, load: &mut Vec<usize>) -> Option<i64> {
        if i == t.p {
            return Some(0);
        }
        let mut best = None;
        for mask in 0u32..1 << t.r {
            if mask.count_ones() as usize != t.k {
                continue;
            }
            let chosen: Vec<usize> = (0..t.r).filter(|j| mask & (1 << j) != 0).collect();
            if chosen.iter().any(|&j| load[j] >= t.l || t.conflicts.contains(&(i, j))) {
                continue;
            }
            let sum: i64 = chosen.iter().map(|&j| i64::from(t.values[i * t.r + j])).sum();
            chosen.iter().for_each(|&j| load[j] += 1);
            if let Some(rest) = go(t, i + 1, load) {
                best = best.max(Some(sum + rest));
            }
            chosen.iter().for_each(|&j| load[j] -= 1);
        }
        best
    }
    go(t, 0, &mut vec![0; t.r])
}

fn solve(dir: &Path) -> (Output, PathBuf) {
    let out = dir.join("assignment.csv");
    let output = Command::new(env!("CARGO_BIN_EXE_gaodi"))
        .args(["assign", "solve", "--instance", dir.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .env("GAODI_LOG", "warn")
        .output()
        .expect("run gaodi");
    (output, out)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gaodi-assign-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Reads the assignment, checks the format and constraints, returns the objective.
fn check(t: &Tiny, path: &Path) -> i64 {
    let text = std::fs::read_to_string(path).unwrap();
    let mut per_proposal = vec![BTreeSet::new(); t.p];
    let mut load = vec![0; t.r];
    let mut total = 0i64;
    for line in text.lines() {
        let bytes = line.as_bytes();
        assert_eq!(bytes.len(), 14, "line {line:?}");
        assert!(bytes[0] == b'P' && bytes[7] == b',' && bytes[8] == b'R', "line {line:?}");
        let i: usize = line[1..7].parse().unwrap();
        let j: usize = line[9..14].parse().unwrap();
        assert!(per_proposal[i].insert(j), "duplicate pair {line}");
        assert!(!t.conflicts.contains(&(i, j)), "conflict {line}");
        load[j] += 1;
        total += i64::from(t.values[i * t.r + j]);
    }
    assert!(per_proposal.iter().all(|s| s.len() == t.k), "k reviewers each");
    assert!(load.iter().all(|&n| n <= t.l), "at most L each");
    total
}

#[test]
fn solves_tiny_instances_to_the_brute_force_optimum() {
    for (seed, (p, r, k, l)) in [(1u64, (5, 4, 2, 3)), (2, (6, 5, 2, 3)), (3, (4, 6, 3, 2)), (4, (7, 4, 1, 2))] {
        let t = tiny(seed, p, r, k, l);
        let expected = brute_force(&t).expect("feasible tiny instance");
        for shuffled in [false, true] {
            let dir = temp_dir(&format!("{seed}-{shuffled}"));
            write_instance(&dir, &t, shuffled);
            let (output, out) = solve(&dir);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{stderr}");
            assert_eq!(check(&t, &out), expected, "seed {seed}");
            let decimal = format!("{}.{:04}", expected / 10_000, expected % 10_000);
            assert!(stderr.contains(&format!("objective_e4 {expected}  objective {decimal}")), "{stderr}");
            let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            assert_eq!(summary["objective_e4"], expected);
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}

#[test]
fn infeasible_instance_names_the_proposal() {
    let mut t = tiny(9, 3, 3, 2, 2);
    t.conflicts = [(1, 0), (1, 2)].into_iter().collect();
    let dir = temp_dir("infeasible");
    write_instance(&dir, &t, false);
    let (output, _) = solve(&dir);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("P000001 has only 1 non-conflicted reviewers with capacity; it needs 2"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_lines_are_named() {
    let t = tiny(5, 2, 2, 1, 1);
    let dir = temp_dir("bad");
    write_instance(&dir, &t, false);
    std::fs::write(dir.join("affinity.csv"), "P000000,R00000,0.5\nP000000,R00009,0.5\n").unwrap();
    let (output, _) = solve(&dir);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 2: reviewer id \"R00009\" is out of range"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
