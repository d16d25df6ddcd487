//! The operators and built-in functions of the language, as names both the tree and the
//! arithmetic use: [`BinaryOp`], [`UnaryOp`], [`Builtin`].
//!
//! The tree (`ast`) stores them in its nodes and `num` implements them; this module only says
//! what they are, how they are written and how many arguments a function takes. It depends on
//! nothing else in the crate, so neither of its users depends on the other through it.

/// Binary operators, in Python's meaning. `^` and `**` are the same operator, [`BinaryOp::Pow`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
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
        }
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
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Plus,
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Plus => "+",
        }
    }
}

/// The built-in functions. Every argument is an independent subtree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    Abs,
    Min,
    Max,
    Sqrt,
    Gcd,
    Lcm,
    Factorial,
}

impl Builtin {
    pub const ALL: [Builtin; 7] = [
        Builtin::Abs,
        Builtin::Min,
        Builtin::Max,
        Builtin::Sqrt,
        Builtin::Gcd,
        Builtin::Lcm,
        Builtin::Factorial,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Builtin::Abs => "abs",
            Builtin::Min => "min",
            Builtin::Max => "max",
            Builtin::Sqrt => "sqrt",
            Builtin::Gcd => "gcd",
            Builtin::Lcm => "lcm",
            Builtin::Factorial => "factorial",
        }
    }

    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }

    /// Accepted argument counts, as Python's `math` module and builtins accept them.
    pub fn arity(self) -> Arity {
        let (min, max) = match self {
            Builtin::Abs | Builtin::Sqrt | Builtin::Factorial => (1, Some(1)),
            Builtin::Min | Builtin::Max => (1, None),
            Builtin::Gcd | Builtin::Lcm => (0, None),
        };
        Arity { min, max }
    }
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
