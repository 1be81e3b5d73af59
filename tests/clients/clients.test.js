// Usher as real JavaScript clients see it: graphql-js reads the schema by
// introspection, graphql-ws follows a reservation and a check-in live,
// jose verifies a ticket code against the published keys, and csv-parse
// reads the attendance report strictly.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { after, before, test } from "node:test";

import { parse } from "csv-parse/sync";
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
} from "graphql";
import { createClient } from "graphql-ws";
import { createRemoteJWKSet, jwtVerify } from "jose";
import WebSocket from "ws";

import { graphql, signIn, startUsher } from "./server.js";

let usher;
let organizer;
let door;
let attendee;
let festival;
let opening;

before(async () => {
  usher = await startUsher();
  [organizer, door, attendee] = await Promise.all(
    ["organizer", "door", "attendee"].map((who) =>
      signIn(usher.origin, `${who}@usher.example`),
    ),
  );
  const data = await graphql(
    usher.origin,
    `{ festivals { id slug programme(first: 1) { edges { node { id venue { id } } } } } }`,
  );
  festival = data.festivals[0];
  opening = festival.programme.edges[0].node;
});

after(() => usher?.stop());

test("graphql-js: the standard introspection query gives schema.graphql", async () => {
  const introspection = await graphql(
    usher.origin,
    getIntrospectionQuery({
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      inputValueDeprecation: true,
    }),
  );
  const served = lexicographicSortSchema(buildClientSchema(introspection));
  const file = lexicographicSortSchema(
    buildSchema(readFileSync(resolve(import.meta.dirname, "../../schema.graphql"), "utf8")),
  );
  assert.equal(printSchema(served), printSchema(file));
});

test("graphql-ws: a subscription sees a reservation and a check-in", async () => {
  const client = createClient({
    url: `${usher.origin.replace("http", "ws")}/graphql/ws`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${organizer}` },
    retryAttempts: 0,
  });
  const updates = client.iterate({
    query: `subscription($id: ID!) { attendanceChanged(itemId: $id) { issued checkedIn } }`,
    variables: { id: opening.id },
  });
  try {
    const next = async () => {
      const { value, done } = await updates.next();
      assert.equal(done, false);
      assert.equal(value.errors, undefined, JSON.stringify(value.errors));
      return value.data.attendanceChanged;
    };
    const start = await next();

    const reserved = await graphql(
      usher.origin,
      `mutation($input: ReserveTicketsInput!) { reserveTickets(input: $input) { tickets { code } } }`,
      { input: { itemId: opening.id, quantity: 1 } },
      attendee,
    );
    assert.equal((await next()).issued, start.issued + 1);

    const scan = await graphql(
      usher.origin,
      `mutation($input: CheckInInput!) { checkIn(input: $input) { outcome message } }`,
      {
        input: {
          code: reserved.reserveTickets.tickets[0].code,
          venueId: opening.venue.id,
        },
      },
      door,
    );
    assert.equal(scan.checkIn.outcome, "ADMITTED", scan.checkIn.message);
    assert.equal((await next()).checkedIn, start.checkedIn + 1);
  } finally {
    await updates.return();
    await client.dispose();
  }
});

test("jose: a ticket code verifies against /.well-known/jwks.json, and a forged one does not", async () => {
  const registered = await graphql(
    usher.origin,
    `mutation($input: RegisterInput!) { register(input: $input) { accessToken } }`,
    {
      input: {
        email: "jose@example.org",
        password: "a long enough password",
        displayName: "Jose Rizal",
      },
    },
  );
  const reserved = await graphql(
    usher.origin,
    `mutation($input: ReserveTicketsInput!) { reserveTickets(input: $input) { tickets { code } } }`,
    { input: { itemId: opening.id, quantity: 1 } },
    registered.register.accessToken,
  );
  const { code } = reserved.reserveTickets.tickets[0];
  const keys = createRemoteJWKSet(new URL("/.well-known/jwks.json", usher.origin));

  const { protectedHeader } = await jwtVerify(code, keys);
  assert.equal(protectedHeader.alg, "EdDSA");
  assert.ok(protectedHeader.kid);

  const [header, payload, signature] = code.split(".");
  const forged = `${header}.${payload}.${signature.slice(0, -4)}AAAA`;
  await assert.rejects(jwtVerify(forged, keys));
});

test("csv-parse: the attendance report parses strictly, by id and by slug", async () => {
  for (const key of [festival.id, festival.slug]) {
    const response = await fetch(`${usher.origin}/festivals/${key}/attendance.csv`, {
      headers: { authorization: `Bearer ${organizer}` },
    });
    assert.equal(response.status, 200, key);
    assert.match(response.headers.get("content-type"), /^text\/csv/);
    const text = await response.text();
    assert.ok(text.endsWith("\r\n"), "RFC 4180: every line ends with CRLF");
    assert.equal(text.split("\r\n").some((line) => line.includes("\n")), false);
    const rows = parse(text, {
      columns: true,
      record_delimiter: "\r\n",
      relax_column_count: false,
      relax_quotes: false,
      skip_empty_lines: false,
      cast: false,
    });
    assert.ok(rows.length > 10, `${rows.length} rows`);
    for (const row of rows) {
      assert.equal(Object.keys(row).length, Object.keys(rows[0]).length);
    }
  }
});
