//! Source text to tokens. Codes are lower-case ASCII (`[a-z_][a-z0-9_]*`), dotted inside
//! registry aggregates (`contract.amount`); `==` is read as `=`.

use crate::ast::Span;
use crate::error::{ParseError, ParseErrorKind};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Number(f64),
    Str(String),
    /// An identifier, possibly dotted.
    Ident(String),
    And,
    Or,
    Not,
    Where,
    ValidAt,
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, ParseError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let tok = if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            i = number_end(bytes, i);
            let text = &src[start..i];
            // A letter glued to a number (`2x`) is a typo, not two tokens.
            if i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.') {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.') {
                    i += 1;
                }
                return Err(invalid_number(src, start, i));
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() && !text.ends_with(['e', 'E', '+', '-', '.']) => Tok::Number(v),
                _ => return Err(invalid_number(src, start, i)),
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || (bytes[i] == b'.' && bytes.get(i + 1).is_some_and(|&n| n.is_ascii_alphabetic() || n == b'_')))
            {
                i += 1;
            }
            let text = &src[start..i];
            if text.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(ParseError::new(
                    Span::new(start, i),
                    ParseErrorKind::UppercaseCode { found: text.to_owned(), suggestion: text.to_ascii_lowercase() },
                ));
            }
            match text {
                "and" => Tok::And,
                "or" => Tok::Or,
                "not" => Tok::Not,
                "where" => Tok::Where,
                "valid_at" => Tok::ValidAt,
                _ => Tok::Ident(text.to_owned()),
            }
        } else if c == b'"' {
            match src[i + 1..].find('"') {
                Some(len) => {
                    i += len + 2;
                    Tok::Str(src[start + 1..i - 1].to_owned())
                }
                None => {
                    return Err(ParseError::new(
                        Span::new(start, src.len()),
                        ParseErrorKind::UnterminatedString { start },
                    ))
                }
            }
        } else {
            let next = bytes.get(i + 1).copied();
            let (tok, len) = match (c, next) {
                (b'(', _) => (Tok::LParen, 1),
                (b')', _) => (Tok::RParen, 1),
                (b',', _) => (Tok::Comma, 1),
                (b'+', _) => (Tok::Plus, 1),
                (b'-', _) => (Tok::Minus, 1),
                (b'*', _) => (Tok::Star, 1),
                (b'/', _) => (Tok::Slash, 1),
                (b'^', _) => (Tok::Caret, 1),
                (b'=', Some(b'=')) => (Tok::Eq, 2),
                (b'=', _) => (Tok::Eq, 1),
                (b'!', Some(b'=')) => (Tok::Ne, 2),
                (b'<', Some(b'=')) => (Tok::Le, 2),
                (b'<', _) => (Tok::Lt, 1),
                (b'>', Some(b'=')) => (Tok::Ge, 2),
                (b'>', _) => (Tok::Gt, 1),
                _ => {
                    let ch = src[i..].chars().next().unwrap_or('?');
                    return Err(ParseError::new(
                        Span::new(i, i + ch.len_utf8()),
                        ParseErrorKind::UnexpectedCharacter { found: ch },
                    ));
                }
            };
            i += len;
            tok
        };
        out.push(Token { tok, span: Span::new(start, i) });
    }
    out.push(Token { tok: Tok::End, span: Span::new(src.len(), src.len()) });
    Ok(out)
}

/// The end of a number literal `digits [. digits] [e [+-] digits]` starting at `i`.
fn number_end(bytes: &[u8], mut i: usize) -> usize {
    let digits = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    i = digits(i);
    if i < bytes.len() && bytes[i] == b'.' {
        i = digits(i + 1);
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            i = digits(j);
        }
    }
    i
}

fn invalid_number(src: &str, start: usize, end: usize) -> ParseError {
    ParseError::new(Span::new(start, end), ParseErrorKind::InvalidNumber { found: src[start..end].to_owned() })
}

/// How a token is quoted in messages: its source text.
pub(crate) fn token_text<'a>(src: &'a str, token: &Token) -> &'a str {
    &src[token.span.start..token.span.end]
}
