// Web chat: sends questions without reloading, streams the answer (server-sent events), Stop, votes.
// Without JavaScript the same forms post and the page refreshes until the answer is there.
(() => {
  'use strict';
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  const form = document.getElementById('ask-form');
  const turns = document.getElementById('turns');
  const stopButton = document.getElementById('stop');
  const sendButton = document.getElementById('send');
  const textarea = document.getElementById('question');
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
  const setBusy = (busy) => {
    stopButton.hidden = !busy;
    sendButton.disabled = busy;
  };

  function showError(text) {
    let p = form.querySelector('.error');
    if (!p) {
      p = el('p', 'error');
      p.setAttribute('role', 'alert');
      form.prepend(p);
    }
    p.textContent = text;
  }

  /** Follows one answer: queue position, thinking, the answer as it comes, then the rendered end. */
  function follow(job, bot) {
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
    setBusy(true);
    source.onmessage = (m) => {
      const e = JSON.parse(m.data);
      if (e.type === 'queued') setStatus(e.position === 1 ? 'Next in the queue…' : `In the queue: position ${e.position}…`);
      else if (e.type === 'started') setStatus('Thinking…');
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
    if (!question || current) return;
    form.querySelector('.error')?.remove();
    sendButton.disabled = true;
    let res;
    try {
      res = await post('/chat/ask', data);
    } catch {
      sendButton.disabled = false;
      showError('The server is not reachable. Check your connection and try again.');
      return;
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      sendButton.disabled = false;
      showError(body.error ?? `The question was not accepted (${res.status}).`);
      return;
    }
    turns.querySelector('.empty')?.remove();
    textarea.value = '';
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
    const bot = el('div', 'msg bot-msg');
    const answer = el('div', 'answer');
    const status = el('p', 'status', 'Sending…');
    status.setAttribute('role', 'status');
    answer.append(status);
    bot.append(answer);
    turn.append(user, bot);
    turns.append(turn);
    scrollDown();
    follow(body.job, bot);
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
    if (res?.ok) for (const b of f.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.value === value));
  });

  // An answer still being generated when the page was (re)loaded: follow it.
  for (const bot of document.querySelectorAll('.bot-msg[data-job-id]')) follow(bot.dataset.jobId, bot);
  scrollDown();
})();
