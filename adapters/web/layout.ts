import { html, type SafeHtml } from './html.js';
import type { WebUser } from './web-auth.js';

export type AdminSection = 'overview' | 'knowledge' | 'adapters' | 'feedback' | 'diagnoses' | 'audit';

const SECTIONS: Array<[AdminSection, string, string]> = [
  ['overview', 'Overview', '/admin'],
  ['knowledge', 'Knowledge', '/admin/knowledge'],
  ['adapters', 'Adapters', '/admin/adapters'],
  ['feedback', 'Feedback', '/admin/feedback'],
  ['diagnoses', 'Diagnoses', '/admin/diagnoses'],
  ['audit', 'Audit', '/admin/audit'],
];

export interface PageOptions {
  title: string;
  user?: WebUser;
  /** Which top-level surface is shown (highlights it in the header). */
  surface?: 'admin' | 'chat';
  /** Admin pages: the section in the side navigation. */
  section?: AdminSection;
  /** Extra scripts (served from /web/assets). */
  scripts?: string[];
  body: SafeHtml;
}

function signOut(user: WebUser): SafeHtml {
  if (user.local) return html`<span class="badge" title="WEB_LOCAL: no sign-in, 127.0.0.1 only">local operator</span>`;
  return html`<form method="post" action="/auth/logout" class="inline">
      <input type="hidden" name="_csrf" value="${user.csrfToken}">
      <button class="link-button" type="submit">Sign out</button>
    </form>`;
}

/** The page shell: header with the surfaces and the user, side navigation on admin pages. */
export function page(o: PageOptions): SafeHtml {
  const u = o.user;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
${u ? html`<meta name="csrf-token" content="${u.csrfToken}">` : ''}
<title>${o.title} · R1</title>
<link rel="stylesheet" href="/web/assets/app.css">
<link rel="icon" href="/web/assets/icon.svg" type="image/svg+xml">
</head>
<body class="${o.surface ?? ''}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="${u?.isAdmin ? '/admin' : '/chat'}"><img src="/web/assets/icon.svg" alt="" width="24" height="24"> R1 <span>assistant</span></a>
  ${u ? html`<nav class="surfaces" aria-label="Surfaces">
    <a href="/chat" ${o.surface === 'chat' ? html`aria-current="page"` : ''}>Chat</a>
    ${u.isAdmin ? html`<a href="/admin" ${o.surface === 'admin' ? html`aria-current="page"` : ''}>Admin</a>` : ''}
  </nav>
  <div class="who"><span class="user" title="${u.userId}">${u.userName ?? u.userId}</span>${signOut(u)}</div>` : ''}
</header>
${o.section ? html`<div class="admin-shell">
  <nav class="side" aria-label="Admin sections">
    ${SECTIONS.map(([id, label, href]) => html`<a href="${href}" ${o.section === id ? html`aria-current="page"` : ''}>${label}</a>`)}
  </nav>
  <main id="main" tabindex="-1">${o.body}</main>
</div>` : html`<main id="main" tabindex="-1">${o.body}</main>`}
${(o.scripts ?? []).map((s) => html`<script src="/web/assets/${s}" defer></script>`)}
</body>
</html>`;
}

/** A small full page with a heading and a message (errors, 403, signed out). */
export function messagePage(title: string, message: string | SafeHtml, user?: WebUser, action?: SafeHtml): SafeHtml {
  return page({ title, user, body: html`<section class="card narrow message"><h1>${title}</h1><p>${message}</p>${action ?? ''}</section>` });
}
