//! What a GraphQL document may ask for, checked on the parsed document
//! before async-graphql validates or runs it, in time linear in its text:
//!
//! - its size once fragments are expanded, each fragment measured once
//!   (a chain of fragments that each spread the previous one twice is
//!   refused in microseconds, before any rule walks it exponentially);
//! - its depth: at most `MAX_DEPTH` fields nested, except below `__schema`
//!   and `__type`, where the standard introspection query nests deeper
//!   (through `ofType`) and is held instead to `MAX_INTROSPECTION_DEPTH`
//!   fields and at most `MAX_INTROSPECTION_LISTS` lists (`types`, `fields`,
//!   …) on any path, so that introspection cannot multiply into millions of
//!   objects;
//! - at most one sign-in, registration, refresh or offline upload per
//!   document, however aliased (each is expensive, or a guess);
//! - no directive twice on one selection, and few in all;
//! - no NUL character in any string, literal or variable.
//!
//! The schema's complexity limit then applies as before.

use std::collections::HashMap;

use async_graphql::Variables;
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value};
use async_graphql_value::Value as Literal;

use crate::error::ApiError;
use crate::schema::{MAX_DEPTH, MAX_INTROSPECTION_DEPTH};

/// Fields a document may expand to, fragments spread in place.
pub const MAX_EXPANDED_FIELDS: u64 = 5_000;
/// Directives a document may carry in all.
const MAX_DIRECTIVES: usize = 100;
/// Lists of the introspection schema that may nest on one path below
/// `__schema` or `__type`: the standard query nests three (`types`,
/// `fields`, `args`).
const MAX_INTROSPECTION_LISTS: usize = 3;
/// The introspection schema's fields that return lists.
const INTROSPECTION_LISTS: &[&str] = &[
    "types",
    "fields",
    "args",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
    "directives",
];
/// Root fields that may appear once per document at most.
const ONCE_PER_DOCUMENT: &[&str] = &["login", "register", "refresh", "syncOfflineScans"];

/// Refuses a document that would cost too much to validate or run, or
/// that carries what no honest client sends.
pub fn check(document: &ExecutableDocument, variables: &Variables) -> Result<(), ApiError> {
    let mut sizes = FragmentSizes {
        fragments: &document.fragments,
        measured: HashMap::new(),
        directives: 0,
    };
    let mut expanded: u64 = 0;
    let mut directives = 0;
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        let measure = sizes.of(&operation.selection_set.node)?;
        if measure.depth > MAX_DEPTH {
            return Err(ApiError::bad_input(
                "query",
                format!("nests fields more than {MAX_DEPTH} deep"),
            ));
        }
        expanded = expanded.saturating_add(measure.size);
        directives += operation.directives.len();
        if operation.ty == OperationType::Mutation {
            once_per_document(&sizes, &operation.selection_set.node)?;
        }
        for variable in &operation.variable_definitions {
            if let Some(default) = &variable.node.default_value {
                refuse_nul(&default.node)?;
            }
        }
    }
    for fragment in document.fragments.values() {
        directives += fragment.node.directives.len();
    }
    if expanded > MAX_EXPANDED_FIELDS {
        return Err(ApiError::bad_input(
            "query",
            format!(
                "expands to more than {MAX_EXPANDED_FIELDS} fields once its fragments are spread"
            ),
        ));
    }
    directives += sizes.directives;
    if directives > MAX_DIRECTIVES {
        return Err(ApiError::bad_input(
            "query",
            format!("carries more than {MAX_DIRECTIVES} directives"),
        ));
    }
    for (_, value) in variables.iter() {
        refuse_nul(value)?;
    }
    Ok(())
}

/// What a selection expands to, fragments spread in place.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    /// Fields in all.
    size: u64,
    /// The most fields on one path, counting `__schema` and `__type` as one
    /// field each and not what they hold.
    depth: usize,
    /// The most fields on one path, everything counted.
    full_depth: usize,
    /// The most introspection lists on one path.
    lists: usize,
}

impl Measure {
    /// The measure of a selection set holding both.
    fn beside(self, other: Self) -> Self {
        Self {
            size: self.size.saturating_add(other.size),
            depth: self.depth.max(other.depth),
            full_depth: self.full_depth.max(other.full_depth),
            lists: self.lists.max(other.lists),
        }
    }
}

/// Expanded measures of fragments, each computed once.
struct FragmentSizes<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// Measures known; `None` while a fragment is being measured (a cycle).
    measured: HashMap<&'a str, Option<Measure>>,
    directives: usize,
}

impl<'a> FragmentSizes<'a> {
    /// What `set` expands to, fragments spread in place; checks the
    /// directives and literals of everything it measures, and what
    /// `__schema` and `__type` hold.
    fn of(&mut self, set: &'a SelectionSet) -> Result<Measure, ApiError> {
        let mut measure = Measure::default();
        for selection in &set.items {
            let directives = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    for (_, argument) in &field.arguments {
                        refuse_nul_literal(&argument.node)?;
                    }
                    let inner = self.of(&field.selection_set.node)?;
                    measure = measure.beside(field_measure(field.name.node.as_str(), inner)?);
                    &field.directives
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    measure = measure.beside(self.fragment(name)?);
                    &spread.node.directives
                }
                Selection::InlineFragment(inline) => {
                    measure = measure.beside(self.of(&inline.node.selection_set.node)?);
                    &inline.node.directives
                }
            };
            self.directives += directives.len();
            for (index, directive) in directives.iter().enumerate() {
                let name = &directive.node.name.node;
                if directives[..index]
                    .iter()
                    .any(|earlier| &earlier.node.name.node == name)
                {
                    return Err(ApiError::bad_input(
                        "query",
                        format!("repeats the directive @{name} on one selection"),
                    ));
                }
                for (_, argument) in &directive.node.arguments {
                    refuse_nul_literal(&argument.node)?;
                }
            }
        }
        Ok(measure)
    }

    /// The expanded measure of a named fragment, measured once.
    fn fragment(&mut self, name: &'a str) -> Result<Measure, ApiError> {
        match self.measured.get(name) {
            Some(Some(measure)) => return Ok(*measure),
            Some(None) => {
                return Err(ApiError::bad_input(
                    "query",
                    format!("the fragment {name} spreads itself"),
                ));
            }
            None => {}
        }
        let Some(fragment) = self.fragments.get(name) else {
            // Unknown fragments are left to validation, which names them.
            return Ok(Measure::default());
        };
        self.measured.insert(name, None);
        let measure = self.of(&fragment.node.selection_set.node)?;
        self.measured.insert(name, Some(measure));
        Ok(measure)
    }

    /// How many of the once-per-document fields `set` selects at its root,
    /// through fragments; fragments were measured already, so they hold no
    /// cycle.
    fn once_per_document_fields(
        &self,
        set: &'a SelectionSet,
        counted: &mut HashMap<&'a str, u64>,
    ) -> u64 {
        let mut count: u64 = 0;
        for selection in &set.items {
            let found = match &selection.node {
                Selection::Field(field) => {
                    u64::from(ONCE_PER_DOCUMENT.contains(&field.node.name.node.as_str()))
                }
                Selection::InlineFragment(inline) => {
                    self.once_per_document_fields(&inline.node.selection_set.node, counted)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match (counted.get(name), self.fragments.get(name)) {
                        (Some(found), _) => *found,
                        (None, Some(fragment)) => {
                            let found = self.once_per_document_fields(
                                &fragment.node.selection_set.node,
                                counted,
                            );
                            counted.insert(name, found);
                            found
                        }
                        (None, None) => 0,
                    }
                }
            };
            count = count.saturating_add(found);
        }
        count
    }
}

/// The measure of field `name` holding `inner`; refuses an introspection
/// field that holds too much.
fn field_measure(name: &str, inner: Measure) -> Result<Measure, ApiError> {
    let full_depth = inner.full_depth.saturating_add(1);
    if matches!(name, "__schema" | "__type") {
        if full_depth > MAX_INTROSPECTION_DEPTH || inner.lists > MAX_INTROSPECTION_LISTS {
            return Err(ApiError::bad_input(
                "query",
                format!(
                    "asks {name} for more than {MAX_INTROSPECTION_DEPTH} fields nested or \
                     {MAX_INTROSPECTION_LISTS} lists within one another (the standard \
                     introspection query asks for less)"
                ),
            ));
        }
        return Ok(Measure {
            size: inner.size.saturating_add(1),
            depth: 1,
            full_depth,
            lists: 0,
        });
    }
    Ok(Measure {
        size: inner.size.saturating_add(1),
        depth: inner.depth.saturating_add(1),
        full_depth,
        lists: inner.lists + usize::from(INTROSPECTION_LISTS.contains(&name)),
    })
}

/// Refuses a mutation with more than one sign-in, registration, refresh or
/// offline upload.
fn once_per_document(sizes: &FragmentSizes<'_>, set: &SelectionSet) -> Result<(), ApiError> {
    if sizes.once_per_document_fields(set, &mut HashMap::new()) > 1 {
        return Err(ApiError::bad_input(
            "query",
            format!(
                "may hold at most one of {} (send one request each)",
                ONCE_PER_DOCUMENT.join(", ")
            ),
        ));
    }
    Ok(())
}

fn nul() -> Result<(), ApiError> {
    Err(ApiError::bad_input(
        "query",
        "holds a NUL character (U+0000), which no field accepts",
    ))
}

/// Refuses a literal of the document holding a NUL character anywhere.
fn refuse_nul_literal(value: &Literal) -> Result<(), ApiError> {
    match value {
        Literal::String(text) if text.contains('\0') => nul(),
        Literal::Enum(name) if name.contains('\0') => nul(),
        Literal::List(values) => values.iter().try_for_each(refuse_nul_literal),
        Literal::Object(fields) => fields.iter().try_for_each(|(name, value)| {
            if name.contains('\0') {
                nul()
            } else {
                refuse_nul_literal(value)
            }
        }),
        _ => Ok(()),
    }
}

/// Refuses a value holding a NUL character anywhere.
fn refuse_nul(value: &Value) -> Result<(), ApiError> {
    match value {
        Value::String(text) if text.contains('\0') => nul(),
        Value::Enum(name) if name.contains('\0') => nul(),
        Value::List(values) => values.iter().try_for_each(refuse_nul),
        Value::Object(fields) => fields.iter().try_for_each(|(name, value)| {
            if name.contains('\0') {
                nul()
            } else {
                refuse_nul(value)
            }
        }),
        _ => Ok(()),
    }
}
