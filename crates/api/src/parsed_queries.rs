//! Parsed queries, kept: clients send the same few operations over and over
//! (a scanner sends one), and parsing is a large share of what a request
//! costs. A cached document is the one the parser returned for the same
//! text, handed to the schema with the request, so validation and limits
//! apply to it as to a fresh one. (Kept outside async-graphql: any
//! extension makes it build extra information for every field it
//! resolves.)

use std::num::NonZeroUsize;
use std::sync::{Mutex, PoisonError};

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// Distinct query texts kept.
const KEPT: NonZeroUsize = match NonZeroUsize::new(512) {
    Some(kept) => kept,
    None => NonZeroUsize::MIN,
};
/// Longer texts are parsed every time: they are rarely sent twice.
const LONGEST_KEPT: usize = 8 * 1024;

/// Parsed documents by query text, shared by every request.
pub struct ParsedQueries(Mutex<LruCache<String, ExecutableDocument>>);

impl Default for ParsedQueries {
    fn default() -> Self {
        Self(Mutex::new(LruCache::new(KEPT)))
    }
}

impl ParsedQueries {
    /// The document `query` parses to, or None when it does not parse (the
    /// schema then parses it again and says why).
    pub fn document(&self, query: &str) -> Option<ExecutableDocument> {
        let cache = || self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(document) = cache().get(query) {
            return Some(document.clone());
        }
        let document = async_graphql::parser::parse_query(query).ok()?;
        if query.len() <= LONGEST_KEPT {
            cache().put(query.to_owned(), document.clone());
        }
        Some(document)
    }
}
