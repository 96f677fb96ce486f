//! A calculator REPL on `read_line` and `echo`: integer arithmetic with `+ - * / %` and
//! parentheses, plus `uptime` and `quit`.
//!
//! ```text
//! cargo run --release --example repl                      # type expressions; Ctrl-D or `quit` ends it
//! echo -e "1+2\n(7-3)*-5\nquit" | cargo run --example repl  # or feed it lines
//! ```
//!
//! It stops at `quit` or at the end of input (Ctrl-D on a terminal, EOF on a pipe or file).
//!
//! Waiting for a line is a registration with the reactor, not a blocked thread: a timer
//! keeps ticking meanwhile, as `uptime` shows.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ampere_reactor::{echo, read_line, Reactor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reactor = Reactor::new()?;
    let start = Instant::now();
    let ticks = Rc::new(Cell::new(0u64));
    let counter = ticks.clone();
    // Something else for the reactor to do while it waits for input.
    reactor.repeat(Duration::from_millis(100), move |_, _| counter.set(counter.get() + 1));

    reactor.block_on(async {
        echo("integer calculator: try `1 + 2 * 3`, `uptime`, `quit`\n").await?;
        // `None` is the end of input: the loop, and the program, end there.
        while let Some(line) = read_line("> ").await? {
            let reply = match line.trim() {
                "" => continue,
                "quit" | "exit" => break,
                "uptime" => format!(
                    "up {:.1} s; the 100 ms timer ticked {} times while we waited for you",
                    start.elapsed().as_secs_f64(),
                    ticks.get()
                ),
                expr => match eval(expr) {
                    Ok(value) => value.to_string(),
                    Err(e) => format!("error: {e}"),
                },
            };
            echo(format!("{reply}\n")).await?;
        }
        echo("bye\n").await
    })??;
    Ok(())
}

/// Evaluates an integer expression: `+ - * / %`, unary minus, parentheses, usual precedence.
fn eval(src: &str) -> Result<i64, String> {
    let mut parser = Parser { chars: src.chars().collect(), pos: 0 };
    let value = parser.sum()?;
    match parser.peek() {
        None => Ok(value),
        Some(c) => Err(format!("unexpected {c:?}")),
    }
}

/// A recursive-descent parser: one method per precedence level.
struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    /// The next non-blank character, not consumed.
    fn peek(&mut self) -> Option<char> {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
        self.chars.get(self.pos).copied()
    }

    /// `product (('+' | '-') product)*`
    fn sum(&mut self) -> Result<i64, String> {
        let mut value = self.product()?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.pos += 1;
            let rhs = self.product()?;
            value = if op == '+' { value.checked_add(rhs) } else { value.checked_sub(rhs) }.ok_or("overflow")?;
        }
        Ok(value)
    }

    /// `factor (('*' | '/' | '%') factor)*`
    fn product(&mut self) -> Result<i64, String> {
        let mut value = self.factor()?;
        while let Some(op @ ('*' | '/' | '%')) = self.peek() {
            self.pos += 1;
            let rhs = self.factor()?;
            value = match op {
                '*' => value.checked_mul(rhs).ok_or("overflow")?,
                _ if rhs == 0 => return Err("division by zero".into()),
                '/' => value.checked_div(rhs).ok_or("overflow")?,
                _ => value.checked_rem(rhs).ok_or("overflow")?,
            };
        }
        Ok(value)
    }

    /// `'-' factor | '(' sum ')' | digits`
    fn factor(&mut self) -> Result<i64, String> {
        match self.peek() {
            Some('-') => {
                self.pos += 1;
                self.factor()?.checked_neg().ok_or_else(|| "overflow".into())
            }
            Some('(') => {
                self.pos += 1;
                let value = self.sum()?;
                if self.peek() != Some(')') {
                    return Err("missing `)`".into());
                }
                self.pos += 1;
                Ok(value)
            }
            Some(c) if c.is_ascii_digit() => {
                let digits: String = self.chars[self.pos..].iter().take_while(|c| c.is_ascii_digit()).collect();
                self.pos += digits.len();
                digits.parse().map_err(|_| format!("{digits} is too large"))
            }
            Some(c) => Err(format!("unexpected {c:?}")),
            None => Err("unexpected end of line".into()),
        }
    }
}
