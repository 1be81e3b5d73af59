// Starts the `usher` binary with the demo festival on a fresh SQLite
// database, on a free port, and stops it when the tests end.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const binary =
  process.env.USHER_BIN ??
  resolve(import.meta.dirname, "../../target/debug/usher");

function freePort() {
  return new Promise((ready, fail) => {
    const probe = createServer();
    probe.on("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ready(port));
    });
  });
}

export async function startUsher() {
  const directory = mkdtempSync(join(tmpdir(), "usher-clients-"));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      "serve",
      "--demo",
      "--bind",
      `127.0.0.1:${port}`,
      "--database-url",
      `sqlite://${join(directory, "usher.db")}?mode=rwc`,
    ],
    {
      env: { ...process.env, USHER_PASSWORD_HASH_KIB: "64" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`usher exited with ${child.exitCode}:\n${output}`);
    }
    try {
      if ((await fetch(`${origin}/readyz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`usher did not get ready in 30 s:\n${output}`);
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  return {
    origin,
    stop() {
      child.kill();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/// POSTs a GraphQL operation; throws with the errors when there are any.
export async function graphql(origin, query, variables = {}, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) {
    throw new Error(`${query}\n${JSON.stringify(body.errors)}`);
  }
  return body.data;
}

export const DEMO_PASSWORD = "usher-demo-2026";

export async function signIn(origin, email) {
  const data = await graphql(
    origin,
    "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
    { input: { email, password: DEMO_PASSWORD } },
  );
  return data.login.accessToken;
}
