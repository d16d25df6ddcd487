//! The C library's mathematical functions, which `CPython`'s `math` module calls: declared here
//! once, so that parcalc calls the very same functions and its floats are bit for bit Python's
//! on the same platform.
//!
//! Rust's own `f64` methods call these same functions for most of them, but not all:
//! `f64::asinh`, `acosh` and `atanh` are computed in Rust (and round differently), and
//! `erf`, `erfc` and the gamma functions are not in stable Rust. So every call goes through
//! this table, whatever Rust offers. This is the crate's only `unsafe` code: an `extern` block
//! cannot be written without the keyword. Each function takes and returns plain `f64`s, is
//! defined for every input (nan and the infinities included) and touches no memory but its
//! own, which is why each is declared `safe` and called without `unsafe`. `errno`, which the C
//! functions may set, is not read: as `CPython`'s wrappers do, callers classify the result
//! instead (a nan from a number is a domain error, an infinity from a finite number a range
//! error). The C library is linked by Rust's standard library on every supported platform.
//! `sqrt`, `fmod`, `floor` and `round` may resolve to Rust's runtime's copies, which are exact
//! operations and so give the same results.

#![allow(unsafe_code)]

unsafe extern "C" {
    pub(super) safe fn sin(x: f64) -> f64;
    pub(super) safe fn cos(x: f64) -> f64;
    pub(super) safe fn tan(x: f64) -> f64;
    pub(super) safe fn asin(x: f64) -> f64;
    pub(super) safe fn acos(x: f64) -> f64;
    pub(super) safe fn atan(x: f64) -> f64;
    pub(super) safe fn atan2(y: f64, x: f64) -> f64;
    pub(super) safe fn sinh(x: f64) -> f64;
    pub(super) safe fn cosh(x: f64) -> f64;
    pub(super) safe fn tanh(x: f64) -> f64;
    pub(super) safe fn asinh(x: f64) -> f64;
    pub(super) safe fn acosh(x: f64) -> f64;
    pub(super) safe fn atanh(x: f64) -> f64;
    pub(super) safe fn exp(x: f64) -> f64;
    pub(super) safe fn exp2(x: f64) -> f64;
    pub(super) safe fn expm1(x: f64) -> f64;
    pub(super) safe fn log(x: f64) -> f64;
    pub(super) safe fn log2(x: f64) -> f64;
    pub(super) safe fn log10(x: f64) -> f64;
    pub(super) safe fn log1p(x: f64) -> f64;
    pub(super) safe fn sqrt(x: f64) -> f64;
    // Rust's runtime brings its own `cbrt` (a port of musl's, which rounds differently), and the
    // linker takes it over the C library's: glibc's other name for its own is called instead.
    #[cfg_attr(all(target_os = "linux", target_env = "gnu"), link_name = "cbrtf64")]
    pub(super) safe fn cbrt(x: f64) -> f64;
    pub(super) safe fn pow(x: f64, y: f64) -> f64;
    pub(super) safe fn fmod(x: f64, y: f64) -> f64;
    pub(super) safe fn erf(x: f64) -> f64;
    pub(super) safe fn erfc(x: f64) -> f64;
    pub(super) safe fn floor(x: f64) -> f64;
    pub(super) safe fn round(x: f64) -> f64;
}
