//! Tokens to a tree: a Pratt parser. Binding powers, loosest first:
//!
//! | level | operators | associativity |
//! |---|---|---|
//! | 1 | `or` | left |
//! | 2 | `and` | left |
//! | 3 | `not` (prefix) | — |
//! | 4 | `= != < <= > >=` (`==` is `=`) | none: `a < b < c` is an error |
//! | 5 | `+ -` | left |
//! | 6 | `* /` | left |
//! | 7 | `-` (prefix) | — |
//! | 8 | `^` | right: `2 ^ 3 ^ 2` is `2 ^ (3 ^ 2)`, `-2 ^ 2` is `-(2 ^ 2)` |
//!
//! A prefix operator may open any operand (`2 ^ -1`, `a and not b`).

use crate::ast::{Aggregate, Arity, BinaryOp, Expr, ExprKind, Filter, Func, Literal, PeriodPoint, RegistryQuery, Span};
use crate::error::{ParseError, ParseErrorKind as K};
use crate::lexer::{tokenize, Tok, Token};

/// Binding power of the operand of prefix `not`: it takes a whole comparison.
const NOT_OPERAND: u8 = 7;
/// Binding power of the operand of prefix `-`: tighter than `*`, looser than `^`.
const NEG_OPERAND: u8 = 13;

/// The operator a token stands for, with its left binding power.
fn infix(tok: &Tok) -> Option<(BinaryOp, u8)> {
    Some(match tok {
        Tok::Or => (BinaryOp::Or, 1),
        Tok::And => (BinaryOp::And, 3),
        Tok::Eq => (BinaryOp::Eq, 7),
        Tok::Ne => (BinaryOp::Ne, 7),
        Tok::Lt => (BinaryOp::Lt, 7),
        Tok::Le => (BinaryOp::Le, 7),
        Tok::Gt => (BinaryOp::Gt, 7),
        Tok::Ge => (BinaryOp::Ge, 7),
        Tok::Plus => (BinaryOp::Add, 9),
        Tok::Minus => (BinaryOp::Sub, 9),
        Tok::Star => (BinaryOp::Mul, 11),
        Tok::Slash => (BinaryOp::Div, 11),
        Tok::Caret => (BinaryOp::Pow, 15),
        _ => return None,
    })
}

fn comparison(tok: &Tok) -> Option<BinaryOp> {
    infix(tok).map(|(op, _)| op).filter(|op| op.is_comparison())
}

fn can_start(tok: &Tok) -> bool {
    matches!(tok, Tok::Number(_) | Tok::Str(_) | Tok::Ident(_) | Tok::Minus | Tok::Not | Tok::LParen)
}

/// Parses source text into an untyped tree (no type check).
pub(crate) fn parse_untyped(src: &str) -> Result<Expr, ParseError> {
    let tokens = tokenize(src)?;
    let mut p = Parser { src, tokens, pos: 0 };
    let first = p.peek().clone();
    if first.tok == Tok::End {
        return Err(ParseError::new(first.span, K::Empty));
    }
    if !can_start(&first.tok) {
        return Err(ParseError::new(first.span, K::UnexpectedStart { found: p.text(&first).to_owned() }));
    }
    let expr = p.expr(0)?;
    let next = p.peek().clone();
    if next.tok != Tok::End {
        return Err(ParseError::new(next.span, K::UnexpectedToken { found: p.text(&next).to_owned() }));
    }
    Ok(expr)
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    fn advance(&mut self) -> Token {
        let token = self.tokens[self.pos].clone();
        if token.tok != Tok::End {
            self.pos += 1;
        }
        token
    }

    fn text(&self, token: &Token) -> &str {
        crate::lexer::token_text(self.src, token)
    }

    /// An error about the current token; at the end of the input, inside parentheses, the
    /// unclosed parenthesis is what is wrong.
    fn unexpected(&self, open: usize, kind: impl FnOnce(String) -> K) -> ParseError {
        let token = self.peek();
        if token.tok == Tok::End {
            ParseError::new(Span::new(open, open + 1), K::UnclosedParen { open })
        } else {
            ParseError::new(token.span, kind(self.text(token).to_owned()))
        }
    }

    fn expr(&mut self, min_bp: u8) -> Result<Expr, ParseError> {
        let mut lhs = self.prefix()?;
        let mut after_comparison = false;
        while let Some((op, lbp)) = infix(&self.peek().tok) {
            if lbp < min_bp {
                break;
            }
            let op_token = self.advance();
            if op.is_comparison() && after_comparison {
                return Err(ParseError::new(
                    op_token.span,
                    K::ChainedComparison { op: self.text(&op_token).to_owned() },
                ));
            }
            let rbp = if op == BinaryOp::Pow { lbp } else { lbp + 1 };
            let rhs = self.operand(rbp, &op_token)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr::new(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span);
            after_comparison = op.is_comparison();
        }
        Ok(lhs)
    }

    /// An expression that must follow `after` (an operator, `(` or `,`).
    fn operand(&mut self, min_bp: u8, after: &Token) -> Result<Expr, ParseError> {
        let token = self.peek().clone();
        let after = self.text(after).to_owned();
        if token.tok == Tok::End {
            return Err(ParseError::new(token.span, K::ExpectedExpressionAtEnd { after }));
        }
        if !can_start(&token.tok) {
            return Err(ParseError::new(
                token.span,
                K::ExpectedExpression { after, found: self.text(&token).to_owned() },
            ));
        }
        self.expr(min_bp)
    }

    fn prefix(&mut self) -> Result<Expr, ParseError> {
        let token = self.advance();
        match &token.tok {
            Tok::Number(v) => Ok(Expr::new(ExprKind::Number(*v), token.span)),
            Tok::Str(_) => Err(ParseError::new(token.span, K::StringOutsideFilter)),
            Tok::Ident(name) => {
                if self.peek().tok == Tok::LParen {
                    self.call(name, token.span)
                } else if name.contains('.') {
                    Err(ParseError::new(token.span, K::DottedReference { name: name.clone() }))
                } else {
                    Ok(Expr::new(ExprKind::Ref(name.clone()), token.span))
                }
            }
            Tok::Minus | Tok::Not => {
                let (op, bp) = if token.tok == Tok::Minus {
                    (crate::ast::UnaryOp::Neg, NEG_OPERAND)
                } else {
                    (crate::ast::UnaryOp::Not, NOT_OPERAND)
                };
                let operand = self.operand(bp, &token)?;
                let span = token.span.to(operand.span);
                Ok(Expr::new(ExprKind::Unary(op, Box::new(operand)), span))
            }
            Tok::LParen => {
                let open = token.span.start;
                let mut inner = self.operand(0, &token)?;
                let close = self.close(open)?;
                inner.span = token.span.to(close);
                Ok(inner)
            }
            // `operand` and `parse_untyped` only call `prefix` on a token that can start one.
            _ => Err(ParseError::new(token.span, K::UnexpectedStart { found: self.text(&token).to_owned() })),
        }
    }

    /// Consumes the `)` closing the parenthesis opened at `open`.
    fn close(&mut self, open: usize) -> Result<Span, ParseError> {
        if self.peek().tok == Tok::RParen {
            Ok(self.advance().span)
        } else {
            Err(self.unexpected(open, |found| K::ExpectedCloseParen { open, found }))
        }
    }

    fn call(&mut self, name: &str, name_span: Span) -> Result<Expr, ParseError> {
        if name == "count" || name == "sum" {
            return self.registry(name, name_span);
        }
        let Some(func) = Func::from_name(name) else {
            return Err(ParseError::new(
                name_span,
                K::UnknownFunction { name: name.to_owned(), suggestion: suggest(name).map(str::to_owned) },
            ));
        };
        let lparen = self.advance();
        let open = lparen.span.start;
        let mut args = Vec::new();
        let end = if self.peek().tok == Tok::RParen {
            self.advance().span
        } else {
            let mut after = lparen;
            loop {
                args.push(self.operand(0, &after)?);
                match self.peek().tok {
                    Tok::Comma => after = self.advance(),
                    Tok::RParen => break self.advance().span,
                    _ => {
                        return Err(
                            self.unexpected(open, |found| K::ExpectedCommaOrParen { function: name.to_owned(), found })
                        )
                    }
                }
            }
        };
        let span = name_span.to(end);
        let function = name.to_owned();
        match func.arity() {
            Arity::Exactly(n) if args.len() != n => {
                return Err(ParseError::new(span, K::WrongArity { function, expected: n, found: args.len() }));
            }
            Arity::AtLeast(min) if args.len() < min => {
                return Err(ParseError::new(span, K::TooFewArguments { function, min, found: args.len() }));
            }
            _ => {}
        }
        if let Some((min, max)) = func.whole_number_argument() {
            let arg = &args[1];
            if !arg.whole_number().is_some_and(|n| (min..=max).contains(&n)) {
                let found = self.src[arg.span.start..arg.span.end].to_owned();
                return Err(ParseError::new(arg.span, K::ExpectedWholeNumber { function, min, max, found }));
            }
        }
        Ok(Expr::new(ExprKind::Call(func, args), span))
    }

    /// `count(entity [where f (and f)*] [valid_at point])`, `sum(entity.field …)`.
    fn registry(&mut self, name: &str, name_span: Span) -> Result<Expr, ParseError> {
        let open = self.advance().span.start;
        let function = name.to_owned();
        let entity_token = self.peek().clone();
        let dotted = match &entity_token.tok {
            Tok::Ident(path) => path.split_once('.').map(|(e, f)| (e.to_owned(), f.to_owned())),
            _ => None,
        };
        let (entity, aggregate) = match (&entity_token.tok, name, dotted) {
            (Tok::Ident(_), "sum", Some((entity, field))) => (entity, Aggregate::Sum(field)),
            (Tok::Ident(entity), "count", None) => (entity.clone(), Aggregate::Count),
            (_, "sum", _) => return Err(self.unexpected(open, |found| K::ExpectedSumField { found })),
            _ => return Err(self.unexpected(open, |found| K::ExpectedEntity { function: function.clone(), found })),
        };
        self.advance();
        let mut query = RegistryQuery { entity, aggregate, filters: Vec::new(), valid_at: None };
        loop {
            let token = self.peek().clone();
            match token.tok {
                Tok::RParen => {
                    let end = self.advance().span;
                    return Ok(Expr::new(ExprKind::Registry(query), name_span.to(end)));
                }
                Tok::Where if query.filters.is_empty() && query.valid_at.is_none() => {
                    self.advance();
                    query.filters.push(self.filter(open, &token)?);
                }
                Tok::And if !query.filters.is_empty() && query.valid_at.is_none() => {
                    self.advance();
                    query.filters.push(self.filter(open, &token)?);
                }
                Tok::ValidAt if query.valid_at.is_none() => {
                    self.advance();
                    query.valid_at = Some(match &self.peek().tok {
                        Tok::Ident(word) if word == "period_start" => PeriodPoint::PeriodStart,
                        Tok::Ident(word) if word == "period_end" => PeriodPoint::PeriodEnd,
                        _ => return Err(self.unexpected(open, |found| K::ExpectedPeriodPoint { found })),
                    });
                    self.advance();
                }
                _ => {
                    return Err(
                        self.unexpected(open, |found| K::ExpectedRegistryClause { function: function.clone(), found })
                    )
                }
            }
        }
    }

    /// `field op literal` after `where` or `and`.
    fn filter(&mut self, open: usize, after: &Token) -> Result<Filter, ParseError> {
        let after = self.text(after).to_owned();
        let Tok::Ident(field) = self.peek().tok.clone() else {
            return Err(self.unexpected(open, |found| K::ExpectedFilterField { after, found }));
        };
        self.advance();
        let Some(op) = comparison(&self.peek().tok) else {
            return Err(self.unexpected(open, |found| K::ExpectedFilterOperator { field, found }));
        };
        let op_token = self.advance();
        let op_text = self.text(&op_token).to_owned();
        let literal = match self.peek().tok.clone() {
            Tok::Str(s) => Literal::Str(s),
            Tok::Number(v) => Literal::Number(v),
            Tok::Minus if matches!(self.tokens[self.pos + 1].tok, Tok::Number(_)) => {
                self.advance();
                let Tok::Number(v) = self.peek().tok else { unreachable!("checked above") };
                Literal::Number(-v)
            }
            _ => return Err(self.unexpected(open, |found| K::ExpectedFilterValue { op: op_text, found })),
        };
        self.advance();
        Ok(Filter { field, op, literal })
    }
}

/// The known function name closest to `name`, if it is a plausible typo.
fn suggest(name: &str) -> Option<&'static str> {
    Func::ALL
        .iter()
        .map(|f| f.name())
        .chain(["count", "sum"])
        .map(|known| (edit_distance(name, known), known))
        .filter(|&(d, known)| d <= 2 && d < known.len())
        .min_by_key(|&(d, _)| d)
        .map(|(_, known)| known)
}

/// Levenshtein distance over bytes (names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}
