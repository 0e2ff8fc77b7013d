// Web chat: sends questions (and attached pictures) without reloading, streams the answer
// (server-sent events), Stop, votes, corrections after a 👎.
// Without JavaScript the same forms post and the page refreshes until the answer is there.
(() => {
  'use strict';
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  const form = document.getElementById('ask-form');
  const turns = document.getElementById('turns');
  const stopButton = document.getElementById('stop');
  const sendButton = document.getElementById('send');
  const textarea = document.getElementById('question');
  const fileInput = document.getElementById('images');
  const attachments = document.getElementById('attachments');
  let current = null; // { job, source }

  const post = (url, body) => fetch(url, {
    method: 'POST', credentials: 'same-origin',
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': csrf },
    body: new URLSearchParams(body),
  });
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const scrollDown = () => { turns.scrollTop = turns.scrollHeight; };
  const sizeOf = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);
  const attachmentList = (names) => {
    const ul = el('ul', 'attachments');
    ul.setAttribute('aria-label', 'Attached images');
    for (const n of names) ul.append(el('li', 'chip', n));
    return ul;
  };

  // Attached pictures: the file input, or pasted / dropped into the form. The server judges them
  // (size, type from the bytes) and says why one is left out; here they are only listed.
  function showAttachments() {
    const files = [...(fileInput?.files ?? [])];
    attachments.replaceChildren(...files.map((f) => el('li', 'chip', `${f.name} · ${sizeOf(f.size)}`)));
    if (files.length) {
      const clear = el('button', 'link-button small', files.length > 1 ? 'Remove them' : 'Remove it');
      clear.type = 'button';
      clear.addEventListener('click', () => {
        fileInput.value = '';
        showAttachments();
        textarea.focus();
      });
      const li = el('li');
      li.append(clear);
      attachments.append(li);
    }
    attachments.hidden = files.length === 0;
    // A picture alone is a question.
    textarea.required = files.length === 0;
  }
  function addFiles(list) {
    const images = [...list].filter((f) => f.type.startsWith('image/'));
    if (!images.length || !fileInput) return false;
    const dt = new DataTransfer();
    for (const f of [...fileInput.files, ...images]) dt.items.add(f);
    fileInput.files = dt.files;
    showAttachments();
    return true;
  }
  fileInput?.addEventListener('change', showAttachments);
  textarea?.addEventListener('paste', (ev) => {
    if (ev.clipboardData?.files.length && addFiles(ev.clipboardData.files)) ev.preventDefault();
  });
  form?.addEventListener('dragover', (ev) => {
    if (ev.dataTransfer?.types.includes('Files')) ev.preventDefault();
  });
  form?.addEventListener('drop', (ev) => {
    if (ev.dataTransfer?.files.length && addFiles(ev.dataTransfer.files)) ev.preventDefault();
  });
  const setBusy = (busy, stoppable = true) => {
    stopButton.hidden = !busy || !stoppable;
    sendButton.disabled = busy;
  };

  function showError(text, cls = 'error') {
    form.querySelector('p.error, p.info')?.remove();
    const p = el('p', cls);
    p.setAttribute('role', cls === 'error' ? 'alert' : 'status');
    form.prepend(p);
    p.textContent = text;
  }

  /** Follows one answer: queue position, thinking, the answer as it comes, then the rendered end. */
  function follow(job, bot, stoppable = true) {
    const answer = bot.querySelector('.answer');
    let status = answer.querySelector('.status');
    let text = null;
    let thought = null;
    let words = 0;
    const setStatus = (s) => {
      if (!status) return;
      status.textContent = s;
    };
    bot.classList.add('busy');
    const source = new EventSource(`/chat/events/${encodeURIComponent(job)}`);
    current = { job, source };
    setBusy(true, stoppable);
    source.onmessage = (m) => {
      const e = JSON.parse(m.data);
      if (e.type === 'queued') setStatus(e.position === 1 ? 'Next in the queue…' : `In the queue: position ${e.position}…`);
      else if (e.type === 'started') setStatus('Thinking…');
      else if (e.type === 'images') {
        // What was read from the pictures (server-rendered, escaped), known before the answer starts.
        bot.querySelector('.live-images')?.remove();
        const box = el('div', 'live-images');
        box.innerHTML = e.html;
        answer.after(box);
      }
      else if (e.type === 'sources') {
        bot.querySelector('.live-sources')?.remove();
        const box = el('div', 'live-sources');
        box.innerHTML = e.html; // server-rendered, escaped
        answer.after(box);
      }
      else if (e.type === 'thought') {
        if (!thought) {
          const d = el('details', 'reasoning');
          d.append(el('summary', '', 'Reasoning'));
          thought = el('div', 'thought');
          d.append(thought);
          bot.prepend(d);
        }
        thought.textContent += e.text;
        words = thought.textContent.split(/\s+/).filter(Boolean).length;
        setStatus(`Thinking… (${words} words)`);
      } else if (e.type === 'answer') {
        if (!text) {
          answer.replaceChildren();
          status = null;
          answer.classList.add('streaming');
          text = document.createTextNode('');
          answer.append(text);
        }
        text.data += e.text;
        scrollDown();
      } else if (e.type === 'notice') showError(e.text);
      else if (e.type === 'end') {
        source.close();
        current = null;
        setBusy(false);
        answer.classList.remove('streaming');
        bot.removeAttribute('data-job-id');
        bot.querySelector('.live-sources')?.remove();
        bot.querySelector('.live-images')?.remove();
        if (e.html !== undefined) {
          // Server-rendered from the stored answer: escaped markdown, sources, notes.
          answer.innerHTML = e.html;
          const meta = el('footer', 'meta');
          meta.append(el('span', 'muted small', ''));
          meta.insertAdjacentHTML('beforeend', e.vote);
          bot.append(meta);
        } else {
          answer.replaceChildren(el('p', 'error', 'This answer failed. Please ask again.'));
        }
        scrollDown();
      }
    };
    source.onerror = () => {
      // EventSource reconnects by itself; a closed stream after the end is normal.
      if (source.readyState === EventSource.CLOSED && current?.source === source) {
        current = null;
        setBusy(false);
      }
    };
  }

  form?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const question = String(data.get('text') ?? '').trim();
    const files = [...(fileInput?.files ?? [])];
    if ((!question && !files.length) || current) return;
    form.querySelector('p.error, p.info')?.remove();
    sendButton.disabled = true;
    let res;
    try {
      if (files.length) {
        // Multipart, with the token in a header (checked before any file is read).
        res = await fetch('/chat/ask', { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json', 'x-csrf-token': csrf }, body: data });
      } else {
        data.delete('images');
        res = await post('/chat/ask', data);
      }
    } catch {
      sendButton.disabled = false;
      showError('The server is not reachable. Check your connection and try again.');
      return;
    }
    const body = await res.json().catch(() => ({}));
    if (res.ok && body.info !== undefined) {
      // `/diagnose history <asset>`: answered at once, nothing queued.
      sendButton.disabled = false;
      showError(body.info, 'info');
      return;
    }
    if (!res.ok) {
      sendButton.disabled = false;
      showError(body.error ?? `The question was not accepted (${res.status}).`);
      return;
    }
    turns.querySelector('.empty')?.remove();
    textarea.value = '';
    if (fileInput) fileInput.value = '';
    showAttachments();
    if (!form.querySelector('input[name="chat"]')) {
      const hidden = el('input');
      hidden.type = 'hidden';
      hidden.name = 'chat';
      hidden.value = body.chat;
      form.append(hidden);
      form.querySelector('select[name="group"]')?.closest('label')?.remove();
      history.replaceState(null, '', body.url);
      const list = document.querySelector('.chat-list ul') ?? (() => {
        const ul = el('ul');
        document.querySelector('.chat-list p')?.remove();
        document.querySelector('.chat-list').append(ul);
        return ul;
      })();
      const li = el('li');
      const a = el('a');
      a.href = body.url;
      a.setAttribute('aria-current', 'page');
      a.append(el('span', 'title', question.slice(0, 80)));
      li.append(a);
      list.prepend(li);
    }
    const turn = el('article', 'turn');
    const user = el('div', 'msg user-msg');
    user.append(el('p', '', question));
    if (files.length) user.append(attachmentList(files.map((f) => f.name)));
    // Pictures left out (too big, not an image): said at once; the text is answered anyway.
    const refused = body.refused ?? [];
    const bot = el('div', 'msg bot-msg');
    const answer = el('div', 'answer');
    const status = el('p', 'status', 'Sending…');
    status.setAttribute('role', 'status');
    answer.append(status);
    bot.append(answer);
    turn.append(user);
    for (const r of refused) {
      const p = el('p', 'note warn', r);
      p.setAttribute('role', 'alert');
      turn.append(p);
    }
    turn.append(bot);
    turns.append(turn);
    scrollDown();
    follow(body.job, bot, body.stoppable !== false);
  });

  textarea?.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });

  stopButton?.addEventListener('click', async () => {
    if (!current) return;
    stopButton.disabled = true;
    await post(`/chat/stop/${encodeURIComponent(current.job)}`, {}).catch(() => undefined);
    stopButton.disabled = false;
  });

  // Votes without leaving the page.
  document.addEventListener('submit', async (ev) => {
    const f = ev.target;
    if (!(f instanceof HTMLFormElement) || !f.classList.contains('vote')) return;
    ev.preventDefault();
    const value = ev.submitter?.value;
    const res = await post('/chat/feedback', { message: f.dataset.messageId, value }).catch(() => null);
    if (!res?.ok) return;
    for (const b of f.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.value === value));
    const body = await res.json().catch(() => ({}));
    const bot = f.closest('.bot-msg');
    const open = bot?.querySelector('form.correction');
    if (value === 'up') open?.remove();
    else if (body.correction && bot && !open) {
      // 👎: ask what would have been right, under the answer.
      bot.insertAdjacentHTML('beforeend', body.correction); // server-rendered, escaped
      bot.querySelector('form.correction textarea')?.focus();
    }
  });

  // A correction, saved with the answer (a later one replaces it).
  document.addEventListener('submit', async (ev) => {
    const f = ev.target;
    if (!(f instanceof HTMLFormElement) || !f.classList.contains('correction')) return;
    ev.preventDefault();
    const status = f.querySelector('[role="status"]');
    const button = f.querySelector('button[type="submit"]');
    button.disabled = true;
    const res = await post('/chat/correction', { message: f.dataset.messageId, text: f.querySelector('textarea').value }).catch(() => null);
    button.disabled = false;
    const body = res ? await res.json().catch(() => ({})) : {};
    status.className = res?.ok ? 'small ok' : 'small error';
    status.textContent = res?.ok ? body.message : body.error ?? 'The server is not reachable. Check your connection and try again.';
  });

  // An answer still being generated when the page was (re)loaded: follow it.
  for (const bot of document.querySelectorAll('.bot-msg[data-job-id]')) follow(bot.dataset.jobId, bot, bot.dataset.stoppable !== 'false');
  scrollDown();
})();
