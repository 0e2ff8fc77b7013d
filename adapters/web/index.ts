// The web console (`/admin`) and web chat (`/chat`). Pages, routes and the auth guard are internals.
export { registerWebRoutes } from './register-web-routes.js';
export type { WebOptions, WebAccess } from './register-web-routes.js';
export { createWebPlatform } from './chat/web-platform.js';
export type { WebPlatform } from './chat/web-platform.js';
