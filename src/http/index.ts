export { HttpServer } from './http-server.js';
export type { HttpServerOptions, ReadinessCheck, RawHandler } from './http-server.js';
