//! What a client is told when the body of `POST /graphql` is not a GraphQL
//! request: a sentence with BAD_USER_INPUT on `body`, as a GraphQL
//! response, where async-graphql's own rejection answers with the error's
//! Debug text (`InvalidRequest(Error("expected ident", line: 1, …))`).

use async_graphql::{ParseRequestError, ServerError};
use async_graphql_axum::GraphQLResponse;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The rejection of a body that is not a GraphQL request.
pub(crate) struct BadRequestBody(ParseRequestError);

impl From<ParseRequestError> for BadRequestBody {
    fn from(error: ParseRequestError) -> Self {
        Self(error)
    }
}

impl IntoResponse for BadRequestBody {
    fn into_response(self) -> Response {
        let status = match self.0 {
            ParseRequestError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        let error = ApiError::bad_input("body", what_is_wrong(&self.0));
        let response = async_graphql::Response::from_errors(vec![ServerError::from(error)]);
        (status, GraphQLResponse::from(response)).into_response()
    }
}

/// What is wrong with the body, to follow the word "body".
fn what_is_wrong(error: &ParseRequestError) -> String {
    match error {
        ParseRequestError::InvalidRequest(cause) => {
            match cause.downcast_ref::<serde_json::Error>() {
                // Well-formed JSON of another shape: serde's words for it
                // ("data did not match any variant of untagged enum
                // BatchRequest") would not help.
                Some(json) if json.is_data() => "is not a GraphQL request: send a JSON object \
                     with a `query` string, and `variables` and `operationName` if needed"
                    .to_owned(),
                Some(json) => format!("is not valid JSON: {json}"),
                None => format!("is not a GraphQL request: {cause}"),
            }
        }
        ParseRequestError::UnsupportedBatch => {
            "holds a batch of requests: send one request at a time".to_owned()
        }
        ParseRequestError::Io(cause) => format!("could not be read: {cause}"),
        other => format!("is not a GraphQL request: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::ParseRequestError;

    use super::what_is_wrong;

    fn parsing(body: &str) -> ParseRequestError {
        let error = serde_json::from_str::<async_graphql::BatchRequest>(body).unwrap_err();
        ParseRequestError::InvalidRequest(Box::new(error))
    }

    #[test]
    fn broken_json_is_named_with_where_it_broke() {
        assert_eq!(
            what_is_wrong(&parsing("{query: 1}")),
            "is not valid JSON: key must be a string at line 1 column 2"
        );
        assert_eq!(
            what_is_wrong(&parsing(r#"{"query": "{ festivals { id } }""#)),
            "is not valid JSON: EOF while parsing an object at line 1 column 32"
        );
    }

    #[test]
    fn json_of_another_shape_says_what_a_request_is() {
        let message = what_is_wrong(&parsing(r#"{"query": 1}"#));

        assert!(message.starts_with("is not a GraphQL request"), "{message}");
        assert!(message.contains("`query`"), "{message}");
    }
}
