//! Python's functions as values: what `def` and `lambda` make.
//!
//! `num` knows no trees, so a function's body is opaque here: the engine keeps the parsed
//! body behind [`Function::code`] and reads it back by downcasting. What `num` needs of a
//! function is its name (for `repr` and messages), its parameters (for the arity check) and
//! its identity: two functions are equal only when they are the same object, as in Python.

use std::any::Any;
use std::sync::Arc;

/// A user function. Each evaluation of a `lambda` or a `def` makes a new one.
pub struct Function {
    /// The name Python gives it: the `def`'s name, or `<lambda>`.
    pub name: Arc<str>,
    /// The parameters' names, in order.
    pub params: Arc<[Box<str>]>,
    /// The definition as written (`def f(x): return x * x`, `lambda x: x * x`), for `:vars`.
    pub source: Arc<str>,
    /// The body's expression as written (`x * x`).
    pub body_text: Arc<str>,
    /// The body, as the engine parsed it.
    pub code: Arc<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<function {}>", self.name)
    }
}

impl Function {
    /// The statement that binds this function to `name`: its `def` as written when it is
    /// `name`'s own, else `name = lambda …`.
    pub fn definition_as(&self, name: &str) -> String {
        if self.source.starts_with("def") && &*self.name == name {
            self.source.to_string()
        } else {
            format!("{name} = {}", self.lambda_source())
        }
    }

    /// The function as a `lambda` expression: `lambda x, y: x * y`.
    pub fn lambda_source(&self) -> String {
        if self.params.is_empty() {
            format!("lambda: {}", self.body_text)
        } else {
            format!("lambda {}: {}", self.params.join(", "), self.body_text)
        }
    }

    /// The error of a call with `given` arguments, Python's message, or `None` when the count
    /// is right.
    pub fn arity_error(&self, given: usize) -> Option<String> {
        let wanted = self.params.len();
        let name = &self.name;
        if given > wanted {
            let s = if wanted == 1 { "" } else { "s" };
            let was = if given == 1 { "was" } else { "were" };
            return Some(format!(
                "{name}() takes {wanted} positional argument{s} but {given} {was} given"
            ));
        }
        let missing: Vec<String> = self.params[given..]
            .iter()
            .map(|param| format!("'{param}'"))
            .collect();
        let list = match missing.as_slice() {
            [] => return None,
            [only] => only.clone(),
            [first, second] => format!("{first} and {second}"),
            [init @ .., last] => format!("{}, and {last}", init.join(", ")),
        };
        let s = if missing.len() == 1 { "" } else { "s" };
        Some(format!(
            "{name}() missing {} required positional argument{s}: {list}",
            missing.len()
        ))
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn function(params: &[&str]) -> Function {
        Function {
            name: "f".into(),
            params: params.iter().map(|&param| param.into()).collect(),
            source: "".into(),
            body_text: "".into(),
            code: Arc::new(()),
        }
    }

    #[test]
    fn arity_messages_are_pythons() {
        let one = function(&["x"]);
        assert_eq!(one.arity_error(1), None);
        assert_eq!(
            one.arity_error(2).as_deref(),
            Some("f() takes 1 positional argument but 2 were given")
        );
        assert_eq!(
            function(&[]).arity_error(1).as_deref(),
            Some("f() takes 0 positional arguments but 1 was given")
        );
        assert_eq!(
            one.arity_error(0).as_deref(),
            Some("f() missing 1 required positional argument: 'x'")
        );
        assert_eq!(
            function(&["x", "y"]).arity_error(0).as_deref(),
            Some("f() missing 2 required positional arguments: 'x' and 'y'")
        );
        assert_eq!(
            function(&["x", "y", "z"]).arity_error(0).as_deref(),
            Some("f() missing 3 required positional arguments: 'x', 'y', and 'z'")
        );
    }
}
