//! Field errors as the GraphQL specification handles them ("Handling Field
//! Errors"): a field whose resolver fails is `null` in the response, with
//! its error in `errors`, and a `null` in a non-null position makes its
//! parent `null` in turn, up to the nearest nullable one (or `data` itself).
//!
//! async-graphql 7.2 leaves a failed field out of its parent instead (and
//! an object whose every field failed becomes `null`), so every response is
//! completed here from the document and the schema's field types, after it
//! ran: a response without field errors costs nothing.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet, Type,
    TypeKind, TypeSystemDefinition,
};
use async_graphql::{Data, Executor, Name, PathSegment, Request, Response, ServerError, Value};
use futures::StreamExt;
use futures::stream::BoxStream;

use crate::parsed_queries::ParsedQueries;
use crate::schema::{UsherSchema, sdl};

/// The schema, run so that its responses follow the specification's
/// handling of field errors.
#[derive(Clone)]
pub struct SpecExecutor {
    schema: UsherSchema,
    parsed: Arc<ParsedQueries>,
}

impl SpecExecutor {
    /// Runs `schema`, reading documents again from `parsed` when a
    /// response has field errors to place.
    pub fn new(schema: UsherSchema, parsed: Arc<ParsedQueries>) -> Self {
        Self { schema, parsed }
    }
}

/// What is needed to place a response's field errors: the text of its
/// document and the operation run.
struct Operation {
    query: String,
    name: Option<String>,
}

impl Operation {
    fn of(request: &Request) -> Self {
        Self {
            query: request.query.clone(),
            name: request.operation_name.clone(),
        }
    }

    fn complete(&self, parsed: &ParsedQueries, response: &mut Response) {
        if response.errors.iter().all(|error| error.path.is_empty()) {
            return;
        }
        if let Some(document) = parsed.document(&self.query) {
            null_failed_fields(response, &document, self.name.as_deref());
        }
    }
}

impl Executor for SpecExecutor {
    async fn execute(&self, request: Request) -> Response {
        let operation = Operation::of(&request);
        let mut response = self.schema.execute(request).await;
        operation.complete(&self.parsed, &mut response);
        response
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let operation = Operation::of(&request);
        let parsed = self.parsed.clone();
        Executor::execute_stream(&self.schema, request, session_data)
            .map(move |mut response| {
                operation.complete(&parsed, &mut response);
                response
            })
            .boxed()
    }
}

/// Sets to `null` each field of `response` whose resolver failed, and
/// carries each `null` in a non-null position up to its nearest nullable
/// parent.
pub fn null_failed_fields(
    response: &mut Response,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) {
    let Some((root, selection)) = operation(document, operation_name) else {
        return;
    };
    let failed: Vec<&ServerError> = response
        .errors
        .iter()
        .filter(|error| !error.path.is_empty())
        .collect();
    if failed.is_empty() {
        return;
    }
    // An object whose every field failed comes back as `null`.
    if response.data == Value::Null {
        response.data = Value::Object(Default::default());
    }
    let walk = Walk {
        types: &FIELD_TYPES,
        document,
    };
    for error in failed {
        let Some(positions) = walk.positions(root, selection, &error.path) else {
            continue;
        };
        match positions.iter().rposition(|position| position.nullable) {
            Some(nullable) => set_null(
                &mut response.data,
                &error.path[..=nullable],
                &positions[nullable].sibling_keys,
            ),
            None => {
                response.data = Value::Null;
                return;
            }
        }
    }
}

/// The root type and selection of the operation a request ran.
fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(&'a str, &'a SelectionSet)> {
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        (DocumentOperations::Multiple(_), None) => return None,
    };
    let root = match operation.node.ty {
        OperationType::Query => &FIELD_TYPES.query,
        OperationType::Mutation => &FIELD_TYPES.mutation,
        OperationType::Subscription => &FIELD_TYPES.subscription,
    };
    Some((root, &operation.node.selection_set.node))
}

/// Each field's type, by type and field name, as the schema declares it.
struct FieldTypes {
    fields: HashMap<String, HashMap<String, Type>>,
    query: String,
    mutation: String,
    subscription: String,
}

/// The schema's field types, read once from its SDL.
static FIELD_TYPES: LazyLock<FieldTypes> = LazyLock::new(|| FieldTypes::of(&sdl()));

impl FieldTypes {
    fn of(sdl: &str) -> Self {
        let mut types = Self {
            fields: HashMap::new(),
            query: "Query".to_owned(),
            mutation: "Mutation".to_owned(),
            subscription: "Subscription".to_owned(),
        };
        // The SDL is the schema's own: a test holds that it parses.
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return types;
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    let name = |root: Option<async_graphql::Positioned<Name>>| {
                        root.map(|root| root.node.to_string())
                    };
                    if let Some(query) = name(schema.query) {
                        types.query = query;
                    }
                    if let Some(mutation) = name(schema.mutation) {
                        types.mutation = mutation;
                    }
                    if let Some(subscription) = name(schema.subscription) {
                        types.subscription = subscription;
                    }
                }
                TypeSystemDefinition::Type(definition) => {
                    let definition = definition.node;
                    let fields = match definition.kind {
                        TypeKind::Object(object) => object.fields,
                        TypeKind::Interface(interface) => interface.fields,
                        _ => continue,
                    };
                    types.fields.insert(
                        definition.name.node.to_string(),
                        fields
                            .into_iter()
                            .map(|field| (field.node.name.node.to_string(), field.node.ty.node))
                            .collect(),
                    );
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        types
    }

    fn field(&self, owner: &str, name: &str) -> Option<&Type> {
        self.fields.get(owner)?.get(name)
    }
}

/// One step of an error's path: whether `null` may stand there, and the
/// response keys of the selection it is part of, in order.
struct Position<'a> {
    nullable: bool,
    sibling_keys: Vec<&'a str>,
}

/// The document and the schema, read together along an error's path.
struct Walk<'a> {
    types: &'a FieldTypes,
    document: &'a ExecutableDocument,
}

impl<'a> Walk<'a> {
    /// The position of each step of `path`, or None when the path leaves
    /// the document (an introspection field, say).
    fn positions(
        &self,
        root: &'a str,
        selection: &'a SelectionSet,
        path: &[PathSegment],
    ) -> Option<Vec<Position<'a>>> {
        let mut positions = Vec::with_capacity(path.len());
        let mut owner: &'a str = root;
        let mut selections = vec![selection];
        let mut current: Option<&'a Type> = None;
        for segment in path {
            match segment {
                PathSegment::Field(key) => {
                    let mut fields = Vec::new();
                    let mut sibling_keys = Vec::new();
                    for selection in &selections {
                        self.collect(selection, owner, key, &mut fields, &mut sibling_keys);
                    }
                    let (field_owner, first) = fields.first()?;
                    let ty = self.types.field(field_owner, first.name.node.as_str())?;
                    selections = fields
                        .iter()
                        .map(|(_, field)| &field.selection_set.node)
                        .collect();
                    positions.push(Position {
                        nullable: ty.nullable,
                        sibling_keys,
                    });
                    current = Some(ty);
                }
                PathSegment::Index(_) => {
                    let BaseType::List(item) = &current?.base else {
                        return None;
                    };
                    positions.push(Position {
                        nullable: item.nullable,
                        sibling_keys: Vec::new(),
                    });
                    current = Some(item);
                }
            }
            owner = named(current?);
        }
        Some(positions)
    }

    /// Gathers into `fields` the fields of `selection` (and of its
    /// fragments) answering to response key `key`, each with the type that
    /// declares it, and into `keys` every response key in order.
    fn collect(
        &self,
        selection: &'a SelectionSet,
        owner: &'a str,
        key: &str,
        fields: &mut Vec<(&'a str, &'a async_graphql::parser::types::Field)>,
        keys: &mut Vec<&'a str>,
    ) {
        for item in &selection.items {
            match &item.node {
                Selection::Field(field) => {
                    let response_key = field.node.response_key().node.as_str();
                    if !keys.contains(&response_key) {
                        keys.push(response_key);
                    }
                    if response_key == key {
                        fields.push((owner, &field.node));
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.collect(&fragment.node.selection_set.node, on, key, fields, keys);
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(owner, |condition| condition.node.on.node.as_str());
                    self.collect(&fragment.node.selection_set.node, on, key, fields, keys);
                }
            }
        }
    }
}

/// The named type inside a type's list and non-null wrappers.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

/// Puts `null` at `path` in `data`, unless a parent on the way is `null`
/// already. A field left out is put back where its selection placed it.
fn set_null(data: &mut Value, path: &[PathSegment], sibling_keys: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut parent = data;
    for segment in parents {
        let child = match (segment, parent) {
            (PathSegment::Field(key), Value::Object(object)) => object.get_mut(key.as_str()),
            (PathSegment::Index(index), Value::List(list)) => list.get_mut(*index),
            _ => None,
        };
        match child {
            Some(child) => parent = child,
            None => return,
        }
    }
    match (last, parent) {
        (PathSegment::Field(key), Value::Object(object)) => {
            let name = Name::new(key);
            if let Some(value) = object.get_mut(&name) {
                *value = Value::Null;
                return;
            }
            let rank = |key: &str| sibling_keys.iter().position(|sibling| *sibling == key);
            let own_rank = rank(key.as_str());
            let at = object
                .keys()
                .take_while(|sibling| rank(sibling.as_str()) < own_rank)
                .count();
            object.shift_insert(at, name, Value::Null);
        }
        (PathSegment::Index(index), Value::List(list)) => {
            if let Some(item) = list.get_mut(*index) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::FIELD_TYPES;

    #[test]
    fn the_schema_declares_its_roots_and_their_fields() {
        assert_eq!(FIELD_TYPES.query, "QueryRoot");
        let my_tickets = FIELD_TYPES.field("QueryRoot", "myTickets").unwrap();
        assert!(!my_tickets.nullable);
        assert!(
            FIELD_TYPES
                .field("ProgrammeItem", "attendance")
                .unwrap()
                .nullable
        );
    }
}
