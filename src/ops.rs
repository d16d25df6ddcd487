//! The operators, built-in functions and constants of the language, as names both the tree and
//! the arithmetic use: [`BinaryOp`], [`UnaryOp`], [`Builtin`], and the one table of functions
//! ([`FUNCTIONS`]) and constants ([`CONSTANTS`]).
//!
//! The tree (`ast`) stores operators and functions in its nodes and `num` implements them; this
//! module only says what they are, how they are written, how many arguments a function takes
//! and, in one line, what it does. Everything that lists the language reads the two tables:
//! the parser (names and arities), Tab completion, highlighting and the preview in the REPL,
//! `:help functions`, and the README's language reference (a test keeps it in step). It
//! depends on nothing else in the crate, so neither of its users depends on the other through
//! it.

/// Binary operators, in Python's meaning. `^` and `**` are the same operator, [`BinaryOp::Pow`]:
/// there is no exclusive or.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    /// `&`, on integers as on two's complement bit strings.
    BitAnd,
    /// `|`.
    BitOr,
    /// `<<`.
    Shl,
    /// `>>`, rounding towards negative infinity.
    Shr,
    /// `<`, and the other comparisons below: a `bool`, comparing ints and floats by their
    /// exact values. Two or more in a row are one chain (`Node::Chain`), as in Python.
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::FloorDiv => "//",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
        }
    }

    /// Is it one of the six comparisons?
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne
        )
    }

    /// The operator written `symbol` (`^` or `**` for the power).
    pub fn from_symbol(symbol: &str) -> Option<BinaryOp> {
        Some(match symbol {
            "+" => BinaryOp::Add,
            "-" => BinaryOp::Sub,
            "*" => BinaryOp::Mul,
            "/" => BinaryOp::Div,
            "//" => BinaryOp::FloorDiv,
            "%" => BinaryOp::Mod,
            "^" | "**" => BinaryOp::Pow,
            "&" => BinaryOp::BitAnd,
            "|" => BinaryOp::BitOr,
            "<<" => BinaryOp::Shl,
            ">>" => BinaryOp::Shr,
            "<" => BinaryOp::Lt,
            "<=" => BinaryOp::Le,
            ">" => BinaryOp::Gt,
            ">=" => BinaryOp::Ge,
            "==" => BinaryOp::Eq,
            "!=" => BinaryOp::Ne,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Plus,
    /// `~x`, which is `-x - 1` on integers.
    Invert,
    /// `not x`: a `bool`, the opposite of `x`'s truth.
    Not,
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Plus => "+",
            UnaryOp::Invert => "~",
            UnaryOp::Not => "not",
        }
    }

    /// The prefix operator written `symbol`.
    pub fn from_symbol(symbol: &str) -> Option<UnaryOp> {
        Some(match symbol {
            "-" => UnaryOp::Neg,
            "+" => UnaryOp::Plus,
            "~" => UnaryOp::Invert,
            "not" => UnaryOp::Not,
            _ => return None,
        })
    }
}

/// The built-in functions, in the order of [`FUNCTIONS`]. Every argument is an independent
/// subtree. `sum`, `prod`, `min` and `max` also reduce a generator or a `range` (a reduction
/// node, not a call); `range` exists only there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Builtin {
    Abs,
    Min,
    Max,
    Round,
    Pow,
    Int,
    Float,
    Sum,
    Prod,
    Sqrt,
    Isqrt,
    Cbrt,
    Exp,
    Exp2,
    Expm1,
    Log,
    Log2,
    Log10,
    Log1p,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Hypot,
    Degrees,
    Radians,
    Floor,
    Ceil,
    Trunc,
    Fabs,
    Copysign,
    Fmod,
    Erf,
    Erfc,
    Gamma,
    Lgamma,
    Factorial,
    Gcd,
    Lcm,
    Comb,
    Perm,
    Hex,
    Oct,
    Bin,
    Range,
}

/// Where a function belongs, for `:help functions` and the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    Numbers,
    Reductions,
    PowersAndLogarithms,
    Trigonometry,
    Hyperbolic,
    Rounding,
    Special,
    Integers,
}

impl Group {
    /// Every group, in the order listings show them.
    pub const ALL: [Group; 8] = [
        Group::Numbers,
        Group::Reductions,
        Group::PowersAndLogarithms,
        Group::Trigonometry,
        Group::Hyperbolic,
        Group::Rounding,
        Group::Special,
        Group::Integers,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Group::Numbers => "numbers",
            Group::Reductions => "reductions (map-reduce)",
            Group::PowersAndLogarithms => "powers and logarithms",
            Group::Trigonometry => "trigonometry (radians)",
            Group::Hyperbolic => "hyperbolic functions",
            Group::Rounding => "rounding and signs",
            Group::Special => "special functions",
            Group::Integers => "integers",
        }
    }
}

/// One built-in function: what the parser, the REPL and the documentation know of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Function {
    pub func: Builtin,
    pub name: &'static str,
    /// The arguments, as `:help` writes them: `x[, base]`.
    pub params: &'static str,
    pub arity: Arity,
    pub group: Group,
    /// What it does, in a few words.
    pub summary: &'static str,
}

/// How many arguments a function takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arity {
    pub min: usize,
    /// `None`: any number from `min` on.
    pub max: Option<usize>,
}

impl Arity {
    pub fn contains(self, n_args: usize) -> bool {
        n_args >= self.min && self.max.is_none_or(|max| n_args <= max)
    }
}

const fn function(
    func: Builtin,
    name: &'static str,
    params: &'static str,
    (min, max): (usize, Option<usize>),
    group: Group,
    summary: &'static str,
) -> Function {
    Function {
        func,
        name,
        params,
        arity: Arity { min, max },
        group,
        summary,
    }
}

const ONE: (usize, Option<usize>) = (1, Some(1));
const TWO: (usize, Option<usize>) = (2, Some(2));

/// Every built-in function, indexed by [`Builtin`] (a test checks the order): Python 3.11's
/// builtins and `math` functions of the same names.
#[rustfmt::skip]
pub const FUNCTIONS: &[Function] = {
    use Builtin as B;
    use Group as G;
    &[
        function(B::Abs, "abs", "x", ONE, G::Numbers, "absolute value"),
        function(B::Min, "min", "a, b, …", (1, None), G::Numbers, "smallest argument; also of a generator or range"),
        function(B::Max, "max", "a, b, …", (1, None), G::Numbers, "largest argument; also of a generator or range"),
        function(B::Round, "round", "x[, n]", (1, Some(2)), G::Rounding, "x rounded half to even (to an int, or to n decimals)"),
        function(B::Pow, "pow", "x, y[, m]", (2, Some(3)), G::PowersAndLogarithms, "x ^ y; with m, x ^ y mod m on integers (y < 0: inverse)"),
        function(B::Int, "int", "x", (0, Some(1)), G::Numbers, "x truncated to an integer"),
        function(B::Float, "float", "x", (0, Some(1)), G::Numbers, "x as a float"),
        function(B::Sum, "sum", "EXPR for k in range(…)", (1, Some(2)), G::Reductions, "sum of a generator or of range(…), as a parallel map-reduce"),
        function(B::Prod, "prod", "EXPR for k in range(…)", ONE, G::Reductions, "product of a generator or of range(…), as a parallel map-reduce"),
        function(B::Sqrt, "sqrt", "x", ONE, G::PowersAndLogarithms, "square root"),
        function(B::Isqrt, "isqrt", "n", ONE, G::Integers, "integer square root, exact"),
        function(B::Cbrt, "cbrt", "x", ONE, G::PowersAndLogarithms, "cube root"),
        function(B::Exp, "exp", "x", ONE, G::PowersAndLogarithms, "e ^ x"),
        function(B::Exp2, "exp2", "x", ONE, G::PowersAndLogarithms, "2 ^ x"),
        function(B::Expm1, "expm1", "x", ONE, G::PowersAndLogarithms, "e ^ x - 1, accurate near 0"),
        function(B::Log, "log", "x[, base]", (1, Some(2)), G::PowersAndLogarithms, "natural logarithm, or to the given base (any size of int)"),
        function(B::Log2, "log2", "x", ONE, G::PowersAndLogarithms, "logarithm to base 2"),
        function(B::Log10, "log10", "x", ONE, G::PowersAndLogarithms, "logarithm to base 10"),
        function(B::Log1p, "log1p", "x", ONE, G::PowersAndLogarithms, "log(1 + x), accurate near 0"),
        function(B::Sin, "sin", "x", ONE, G::Trigonometry, "sine"),
        function(B::Cos, "cos", "x", ONE, G::Trigonometry, "cosine"),
        function(B::Tan, "tan", "x", ONE, G::Trigonometry, "tangent"),
        function(B::Asin, "asin", "x", ONE, G::Trigonometry, "arc sine"),
        function(B::Acos, "acos", "x", ONE, G::Trigonometry, "arc cosine"),
        function(B::Atan, "atan", "x", ONE, G::Trigonometry, "arc tangent"),
        function(B::Atan2, "atan2", "y, x", TWO, G::Trigonometry, "angle of the point (x, y)"),
        function(B::Sinh, "sinh", "x", ONE, G::Hyperbolic, "hyperbolic sine"),
        function(B::Cosh, "cosh", "x", ONE, G::Hyperbolic, "hyperbolic cosine"),
        function(B::Tanh, "tanh", "x", ONE, G::Hyperbolic, "hyperbolic tangent"),
        function(B::Asinh, "asinh", "x", ONE, G::Hyperbolic, "inverse hyperbolic sine"),
        function(B::Acosh, "acosh", "x", ONE, G::Hyperbolic, "inverse hyperbolic cosine"),
        function(B::Atanh, "atanh", "x", ONE, G::Hyperbolic, "inverse hyperbolic tangent"),
        function(B::Hypot, "hypot", "x, y, …", (0, None), G::Trigonometry, "Euclidean norm sqrt(x² + y² + …)"),
        function(B::Degrees, "degrees", "x", ONE, G::Trigonometry, "radians to degrees"),
        function(B::Radians, "radians", "x", ONE, G::Trigonometry, "degrees to radians"),
        function(B::Floor, "floor", "x", ONE, G::Rounding, "largest integer <= x"),
        function(B::Ceil, "ceil", "x", ONE, G::Rounding, "smallest integer >= x"),
        function(B::Trunc, "trunc", "x", ONE, G::Rounding, "x truncated towards 0, an integer"),
        function(B::Fabs, "fabs", "x", ONE, G::Rounding, "absolute value as a float"),
        function(B::Copysign, "copysign", "x, y", TWO, G::Rounding, "|x| with the sign of y"),
        function(B::Fmod, "fmod", "x, y", TWO, G::Rounding, "C's remainder of x / y (sign of x)"),
        function(B::Erf, "erf", "x", ONE, G::Special, "error function"),
        function(B::Erfc, "erfc", "x", ONE, G::Special, "complementary error function 1 - erf(x)"),
        function(B::Gamma, "gamma", "x", ONE, G::Special, "gamma function"),
        function(B::Lgamma, "lgamma", "x", ONE, G::Special, "natural logarithm of |gamma(x)|"),
        function(B::Factorial, "factorial", "n", ONE, G::Integers, "n!"),
        function(B::Gcd, "gcd", "a, b, …", (0, None), G::Integers, "greatest common divisor"),
        function(B::Lcm, "lcm", "a, b, …", (0, None), G::Integers, "least common multiple"),
        function(B::Comb, "comb", "n, k", TWO, G::Integers, "ways to choose k of n items, unordered"),
        function(B::Perm, "perm", "n[, k]", (1, Some(2)), G::Integers, "ways to choose k of n items, ordered"),
        function(B::Hex, "hex", "n", ONE, G::Integers, "n in hexadecimal, as Python's string '0xff'"),
        function(B::Oct, "oct", "n", ONE, G::Integers, "n in octal, as Python's string '0o17'"),
        function(B::Bin, "bin", "n", ONE, G::Integers, "n in binary, as Python's string '0b101'"),
        function(B::Range, "range", "[start, ]stop[, step]", (1, Some(3)), G::Reductions, "the integers sum, prod, min and max run over"),
    ]
};

impl Builtin {
    /// The function's entry in [`FUNCTIONS`].
    pub fn info(self) -> &'static Function {
        &FUNCTIONS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn from_name(name: &str) -> Option<Builtin> {
        FUNCTIONS
            .iter()
            .find(|function| function.name == name)
            .map(|function| function.func)
    }

    /// Accepted argument counts, as Python's `math` module and builtins accept them.
    pub fn arity(self) -> Arity {
        self.info().arity
    }

    /// Can the function reduce a generator or a `range`?
    pub fn reduces(self) -> bool {
        matches!(
            self,
            Builtin::Sum | Builtin::Prod | Builtin::Min | Builtin::Max
        )
    }
}

/// A predefined constant: a name bound to a float until the user binds it to something else.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constant {
    pub name: &'static str,
    pub value: f64,
    pub summary: &'static str,
}

/// Every constant, with `math`'s values.
pub const CONSTANTS: &[Constant] = &[
    Constant {
        name: "pi",
        value: std::f64::consts::PI,
        summary: "π = 3.141592653589793",
    },
    Constant {
        name: "e",
        value: std::f64::consts::E,
        summary: "Euler's number 2.718281828459045",
    },
    Constant {
        name: "tau",
        value: std::f64::consts::TAU,
        summary: "τ = 2π = 6.283185307179586",
    },
    Constant {
        name: "inf",
        value: f64::INFINITY,
        summary: "positive infinity",
    },
    Constant {
        name: "nan",
        value: f64::NAN,
        summary: "not a number",
    },
];

/// The value of the constant `name`, if it is one.
pub fn constant(name: &str) -> Option<f64> {
    CONSTANTS
        .iter()
        .find(|constant| constant.name == name)
        .map(|constant| constant.value)
}

/// Python 3.11's keywords (`keyword.kwlist`): none of them is a name.
pub const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// The keywords that have a meaning in parcalc's expressions, which Tab completes.
pub const EXPRESSION_KEYWORDS: &[&str] = &[
    "and", "def", "else", "False", "for", "if", "in", "lambda", "not", "or", "return", "True",
];

pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn the_table_is_indexed_by_builtin() {
        for (index, function) in FUNCTIONS.iter().enumerate() {
            assert_eq!(function.func as usize, index, "{}", function.name);
            assert_eq!(Builtin::from_name(function.name), Some(function.func));
        }
        assert_eq!(FUNCTIONS.len(), Builtin::Range as usize + 1);
    }

    #[test]
    fn names_are_distinct_and_not_keywords() {
        let mut names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
        names.extend(CONSTANTS.iter().map(|c| c.name));
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
        assert!(names.iter().all(|name| !is_keyword(name)));
    }

    /// The README's language reference lists every function, with its arguments and summary
    /// as in the table, and every constant.
    #[test]
    fn the_readme_lists_every_function_and_constant() {
        let readme = include_str!("../README.md");
        let reference = &readme[readme.find("## The language").unwrap_or(0)..];
        for function in FUNCTIONS {
            let row = format!(
                "`{}({})` | {} |",
                function.name,
                function.params,
                function.summary.replace('|', "\\|")
            );
            assert!(reference.contains(&row), "README.md lacks the row {row}");
        }
        for constant in CONSTANTS {
            let row = format!("| `{}` | {} |", constant.name, constant.summary);
            assert!(reference.contains(&row), "README.md lacks the row {row}");
        }
        // Every keyword of the language appears in an example (a code span) of the reference.
        let spans: Vec<&str> = reference.split('`').skip(1).step_by(2).collect();
        for keyword in EXPRESSION_KEYWORDS {
            let shown = spans.iter().any(|span| {
                span.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|word| word == *keyword)
            });
            assert!(
                shown,
                "README.md's reference shows no example of '{keyword}'"
            );
        }
    }

    #[test]
    fn symbols_round_trip() {
        use BinaryOp::*;
        for op in [
            Add, Sub, Mul, Div, FloorDiv, Mod, Pow, BitAnd, BitOr, Shl, Shr, Lt, Le, Gt, Ge, Eq, Ne,
        ] {
            assert_eq!(BinaryOp::from_symbol(op.symbol()), Some(op));
        }
        assert_eq!(BinaryOp::from_symbol("**"), Some(Pow));
        for op in [UnaryOp::Neg, UnaryOp::Plus, UnaryOp::Invert, UnaryOp::Not] {
            assert_eq!(UnaryOp::from_symbol(op.symbol()), Some(op));
        }
    }
}
