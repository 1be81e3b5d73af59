//! Parsed queries, kept: clients send the same few operations over and over
//! (a scanner sends one), and parsing is a large share of what a request
//! costs. A cached document is the one the parser returned for the same
//! text, so validation and limits apply to it as to a fresh one.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerResult, Variables};
use lru::LruCache;

/// Distinct query texts kept.
const KEPT: NonZeroUsize = match NonZeroUsize::new(512) {
    Some(kept) => kept,
    None => NonZeroUsize::MIN,
};
/// Longer texts are parsed every time: they are rarely sent twice.
const LONGEST_KEPT: usize = 8 * 1024;

type Cache = Arc<Mutex<LruCache<String, ExecutableDocument>>>;

/// The extension that keeps parsed queries, shared by every request.
pub struct ParsedQueries(Cache);

impl Default for ParsedQueries {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(LruCache::new(KEPT))))
    }
}

impl ExtensionFactory for ParsedQueries {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Lookup(self.0.clone()))
    }
}

struct Lookup(Cache);

impl Lookup {
    fn cache(&self) -> std::sync::MutexGuard<'_, LruCache<String, ExecutableDocument>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Lookup {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if let Some(document) = self.cache().get(query) {
            return Ok(document.clone());
        }
        let document = next.run(ctx, query, variables).await?;
        if query.len() <= LONGEST_KEPT {
            self.cache().put(query.to_owned(), document.clone());
        }
        Ok(document)
    }
}
