//! Engine benchmarks (filled in with the parallel engine).

fn main() {}
