//! What a holder may append to a token, checked on the block's bytes before any Datalog runs.
//!
//! A holder can append any Biscuit block offline, so every appended block is attacker input.
//! Datalog evaluation is only bounded between iterations: a single rule that joins a predicate
//! with itself a few times can keep a thread busy for minutes. So Charter reads each appended
//! block's protobuf and refuses it, as `token_invalid`, unless it holds **only checks over the
//! facts Charter supplies** (`time`, `account`, `operation`, `resource`, `amount`), within the
//! limits below:
//!
//! | limit | value |
//! | --- | --- |
//! | a token | [`MAX_TOKEN_BYTES`] |
//! | appended blocks | [`MAX_APPENDED_BLOCKS`] |
//! | one appended block, serialized | [`MAX_BLOCK_BYTES`] |
//! | checks in a block | [`MAX_CHECKS_PER_BLOCK`] |
//! | queries (`or` branches) in a check | [`MAX_QUERIES_PER_CHECK`] |
//! | predicates in a query's body | [`MAX_PREDICATES_PER_QUERY`] |
//! | expression operations in a query | [`MAX_OPS_PER_QUERY`] |
//!
//! Refused outright: facts, rules, scopes (`trusting …`), third-party blocks, `.any` and `.all`
//! (closures with parameters), regular expressions (`.matches`), foreign functions and
//! `try_or`; the lazy right side of `&&` and `||` counts toward the operations limit. Each supplied fact has exactly one value, so the checks that remain cost time
//! linear in the block's size.

use crate::error::TokenError;
use biscuit_auth::Biscuit;
use biscuit_auth::datalog::SymbolTable;
use biscuit_auth::format::schema;
use prost::Message;

/// The longest token accepted, base64 included.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// How many blocks a holder may append.
pub const MAX_APPENDED_BLOCKS: usize = 8;
/// The largest appended block, as serialized in the token.
pub const MAX_BLOCK_BYTES: usize = 1024;
/// Checks in one appended block.
pub const MAX_CHECKS_PER_BLOCK: usize = 16;
/// Queries (the `or` branches) in one check.
pub const MAX_QUERIES_PER_CHECK: usize = 4;
/// Predicates in one query's body.
pub const MAX_PREDICATES_PER_QUERY: usize = 5;
/// Expression operations in one query.
pub const MAX_OPS_PER_QUERY: usize = 64;
/// The facts Charter supplies when it verifies a token: the only predicates a check may read.
pub const SUPPLIED_FACTS: [&str; 5] = ["time", "account", "operation", "resource", "amount"];

/// Why a block is refused. The message names no text of the block (it is attacker input).
fn refused(block: usize, why: &str) -> TokenError {
    TokenError::BlockRefused(format!("block {block} {why}"))
}

/// Checks every appended block of `biscuit`, read from `bytes` (the token as received, whose
/// signatures have already been checked), against the rules of this module.
pub fn appended_blocks(bytes: &[u8], biscuit: &Biscuit) -> Result<(), TokenError> {
    let token = schema::Biscuit::decode(bytes)
        .map_err(|_| TokenError::Malformed("the token does not decode".into()))?;
    if token.blocks.len() > MAX_APPENDED_BLOCKS {
        return Err(TokenError::BlockRefused(format!(
            "blocks number {}; at most {MAX_APPENDED_BLOCKS} are accepted",
            token.blocks.len()
        )));
    }
    // Symbols ≥ 1024 index the token's own table: the authority's symbols, then each block's.
    let mut symbols = biscuit
        .block_symbols(0)
        .map_err(|e| TokenError::Malformed(e.to_string()))?;
    for (i, signed) in token.blocks.iter().enumerate() {
        let index = i + 1;
        if signed.external_signature.is_some() {
            return Err(TokenError::ThirdPartyBlock);
        }
        if signed.block.len() > MAX_BLOCK_BYTES {
            return Err(refused(
                index,
                &format!("is larger than {MAX_BLOCK_BYTES} bytes"),
            ));
        }
        let block = schema::Block::decode(signed.block.as_slice())
            .map_err(|_| refused(index, "does not decode"))?;
        symbols.extend(block.symbols.iter().cloned());
        let table = SymbolTable::from(symbols.clone())
            .map_err(|_| refused(index, "has an invalid symbol table"))?;
        block_shape(index, &block, &table)?;
    }
    Ok(())
}

fn block_shape(index: usize, block: &schema::Block, table: &SymbolTable) -> Result<(), TokenError> {
    if !block.facts.is_empty() {
        return Err(refused(index, "holds facts; only checks are accepted"));
    }
    if !block.rules.is_empty() {
        return Err(refused(index, "holds rules; only checks are accepted"));
    }
    if !block.scope.is_empty() || !block.public_keys.is_empty() {
        return Err(refused(
            index,
            "holds a scope (`trusting …`), which is not accepted",
        ));
    }
    if block.checks.is_empty() {
        return Err(refused(index, "holds no check"));
    }
    if block.checks.len() > MAX_CHECKS_PER_BLOCK {
        return Err(refused(
            index,
            &format!("has more than {MAX_CHECKS_PER_BLOCK} checks"),
        ));
    }
    for check in &block.checks {
        if check.queries.is_empty() || check.queries.len() > MAX_QUERIES_PER_CHECK {
            return Err(refused(
                index,
                &format!("has a check without 1 to {MAX_QUERIES_PER_CHECK} queries"),
            ));
        }
        for query in &check.queries {
            query_shape(index, query, table)?;
        }
    }
    Ok(())
}

fn query_shape(index: usize, query: &schema::Rule, table: &SymbolTable) -> Result<(), TokenError> {
    if !query.scope.is_empty() {
        return Err(refused(
            index,
            "holds a scope (`trusting …`), which is not accepted",
        ));
    }
    if query.body.is_empty() || query.body.len() > MAX_PREDICATES_PER_QUERY {
        return Err(refused(
            index,
            &format!("has a check that does not read 1 to {MAX_PREDICATES_PER_QUERY} facts"),
        ));
    }
    for p in &query.body {
        let name = table.get_symbol(p.name).unwrap_or_default();
        if !SUPPLIED_FACTS.contains(&name) {
            return Err(refused(
                index,
                &format!(
                    "has a check that reads a fact Charter does not supply (only {} are)",
                    SUPPLIED_FACTS.join(", ")
                ),
            ));
        }
    }
    let mut budget = MAX_OPS_PER_QUERY;
    for e in &query.expressions {
        ops_shape(&e.ops, &mut budget).map_err(|why| refused(index, why))?;
    }
    Ok(())
}

/// Checks a list of operations (and the bodies of the closures among them), counting each
/// against `budget`.
fn ops_shape(ops: &[schema::Op], budget: &mut usize) -> Result<(), &'static str> {
    use schema::op::Content;
    use schema::op_binary::Kind as B;
    use schema::op_unary::Kind as U;
    for op in ops {
        *budget = budget
            .checked_sub(1)
            .ok_or("has a check with too many operations")?;
        match &op.content {
            None => return Err("has an empty operation"),
            Some(Content::Value(_)) => {}
            // `&&` and `||` evaluate their right side lazily, as a closure without parameters;
            // a closure with parameters is the body of `.any`/`.all`, refused below.
            Some(Content::Closure(c)) if c.params.is_empty() => ops_shape(&c.ops, budget)?,
            Some(Content::Closure(_)) => {
                return Err("uses `.any` or `.all`, which are not accepted");
            }
            Some(Content::Unary(u)) => match U::from_i32(u.kind) {
                Some(U::Negate | U::Parens | U::Length | U::TypeOf) => {}
                _ => return Err("uses a unary operation that is not accepted"),
            },
            Some(Content::Binary(b)) => match B::from_i32(b.kind) {
                Some(B::Regex) => return Err("uses a regular expression, which is not accepted"),
                Some(B::All | B::Any) => {
                    return Err("uses `.any` or `.all`, which are not accepted");
                }
                Some(B::Ffi | B::TryOr) | None => {
                    return Err("uses a binary operation that is not accepted");
                }
                Some(_) => {}
            },
        }
    }
    Ok(())
}
