// GraphiQL over this server's own endpoints: queries and mutations by
// POST /graphql, subscriptions over /graphql/ws (graphql-transport-ws). The
// headers written in GraphiQL's Headers tab go with every request, and in
// the WebSocket's connection_init payload.
const endpoint = new URL("/graphql", window.location.href);
const socket = new URL("/graphql/ws", window.location.href);
socket.protocol = socket.protocol === "https:" ? "wss:" : "ws:";

const defaultQuery = `# Usher's GraphQL API. Anyone may read
# the programme:
{
  festivals {
    name
    programme(first: 5) {
      edges { node { title startsAt ticketsLeft } }
    }
  }
}

# To act as someone, sign in:
#   mutation {
#     login(input: { email: "…", password: "…" }) {
#       accessToken
#     }
#   }
# then write in the Headers tab below:
#   { "Authorization": "Bearer <accessToken>" }
`;

const container = document.getElementById("graphiql");
ReactDOM.createRoot(container).render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({
      url: endpoint.toString(),
      subscriptionUrl: socket.toString(),
    }),
    defaultQuery,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  }),
);
container.dataset.state = "ready";
