export { createWebSession, findWebSession, deleteWebSession, pruneWebSessions } from './session-store.js';
export type { WebSession, NewWebSession } from './session-store.js';
export { createWebChat, getWebChat, listWebChats, touchWebChat, deleteWebChat } from './chat-store.js';
export type { WebChat } from './chat-store.js';
export {
  WEB_ALL_GROUP, WEB_LOCAL_TENANT, WEB_LOCAL_USER, isWebSignInConfigured, webMode, webTenant, groupsFromClaims, isWebAdmin, chatGroupFor,
} from './web-identity.js';
