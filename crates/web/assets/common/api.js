// Usher's GraphQL API, as any other client uses it: POST /graphql for
// queries and mutations, graphql-ws at /graphql/ws for subscriptions.
import '/vendor/graphql-ws.min.js';

/// The server could not be reached, or did not answer in time.
export class NetworkError extends Error {}

/// The server answered with an error: `code` is its `extensions.code`,
/// `extensions` all of them (e.g. `until` for NO_SHOW_BLOCKED).
export class ApiError extends Error {
  constructor(message, code, extensions = {}) {
    super(message);
    this.code = code;
    this.extensions = extensions;
  }
}

/// Who the page speaks as, kept on the device: a scanner device's token
/// (`{ scanner: 'usc_…' }`) or a person's session
/// (`{ accessToken, refreshToken }`).
export class Credentials {
  constructor(key) {
    this.key = key;
    this.value = JSON.parse(localStorage.getItem(key) ?? 'null');
  }

  get present() {
    return this.value !== null;
  }

  get bearer() {
    return this.value?.scanner ?? this.value?.accessToken ?? null;
  }

  save(value) {
    this.value = value;
    localStorage.setItem(this.key, JSON.stringify(value));
  }

  clear() {
    this.value = null;
    localStorage.removeItem(this.key);
  }
}

const REFRESH = `mutation Refresh($refreshToken: String!) {
  refresh(refreshToken: $refreshToken) { accessToken refreshToken }
}`;

/// Whether an access token (a JWT) expires within the next half minute.
function expiresSoon(accessToken) {
  try {
    const claims = JSON.parse(atob(accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return claims.exp * 1000 < Date.now() + 30000;
  } catch {
    return false;
  }
}

export class Api {
  /// `language()` gives the tag the server's sentences should be in.
  constructor(credentials, language) {
    this.credentials = credentials;
    this.language = language;
    this.refreshing = null;
  }

  /// The data of `query`; an `ApiError` for the API's refusals, a
  /// `NetworkError` when there is no answer within `timeout` ms.
  async request(query, variables = {}, { timeout = 10000 } = {}) {
    const answer = await this.post(query, variables, timeout);
    const refused = answer.errors?.[0];
    if (refused?.extensions?.code === 'UNAUTHENTICATED' && this.credentials.value?.refreshToken) {
      await this.refresh(timeout);
      return this.request(query, variables, { timeout });
    }
    if (refused) throw new ApiError(refused.message, refused.extensions?.code, refused.extensions ?? {});
    return answer.data;
  }

  async post(query, variables, timeout) {
    const headers = {
      'Content-Type': 'application/json',
      'Accept-Language': this.language(),
    };
    const bearer = this.credentials.bearer;
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    let response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      throw new NetworkError(error.message);
    }
    if (response.status >= 500) throw new NetworkError(`HTTP ${response.status}`);
    try {
      return await response.json();
    } catch (error) {
      throw new NetworkError(error.message);
    }
  }

  /// A new access token from the refresh token, once at a time; the
  /// session ends when the refresh token is refused.
  refresh(timeout) {
    this.refreshing ??= (async () => {
      try {
        const answer = await this.post(
          REFRESH,
          { refreshToken: this.credentials.value.refreshToken },
          timeout,
        );
        if (answer.errors?.length) {
          this.credentials.clear();
          throw new ApiError(answer.errors[0].message, answer.errors[0].extensions?.code);
        }
        this.credentials.save(answer.data.refresh);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /// Calls `next(data)` for every event of `query`, over one WebSocket that
  /// reconnects by itself; returns a function that stops it.
  subscribe(query, variables, next) {
    this.socket ??= globalThis.graphqlWs.createClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql/ws`,
      // A socket that (re)connects after the access token expired would be
      // refused again and again: refresh first.
      connectionParams: async () => {
        if (this.credentials.value?.refreshToken && expiresSoon(this.credentials.value.accessToken)) {
          await this.refresh(10000).catch(() => {});
        }
        const bearer = this.credentials.bearer;
        return bearer ? { Authorization: `Bearer ${bearer}` } : {};
      },
      retryAttempts: Infinity,
      shouldRetry: () => true,
      lazy: true,
    });
    return this.socket.subscribe(
      { query, variables },
      {
        next: (event) => event.data && next(event.data),
        error: () => {},
        complete: () => {},
      },
    );
  }
}
