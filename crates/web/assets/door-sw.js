// The door app's service worker: the app shell comes from the cache at
// once (so the page opens with no network once it has been opened), and is
// fetched again behind it so that the next visit gets what changed. The
// API is never cached: GraphQL goes to the network.
const CACHE = 'usher-door-v1';
const SHELL = [
  '/door',
  '/door/app.js',
  '/door/camera.js',
  '/door/decoder.js',
  '/door/door.css',
  '/door/feedback.js',
  '/door/offline.js',
  '/door/icon.svg',
  '/door/app.webmanifest',
  '/common/api.js',
  '/common/i18n.js',
  '/locales/en/door.ftl',
  '/locales/zh-CN/door.ftl',
  '/vendor/ed25519.js',
  '/vendor/fluent-bundle.js',
  '/vendor/graphql-ws.min.js',
  '/vendor/idb-keyval.js',
  '/vendor/jsQR.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin) return;
  // The pairing fragment never reaches the server; the page is one.
  const path = url.pathname === '/door/' ? '/door' : url.pathname;
  if (!SHELL.includes(path)) return;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const cached = await cache.match(path);
      const fresh = fetch(path).then((response) => {
        if (response.ok) cache.put(path, response.clone());
        return response;
      });
      if (cached) {
        event.waitUntil(fresh.catch(() => {}));
        return cached;
      }
      return fresh;
    }),
  );
});
