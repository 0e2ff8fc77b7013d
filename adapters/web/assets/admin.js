// Admin console: live refresh of the Overview, upload progress on the Knowledge page.
(() => {
  'use strict';
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

  // Overview: re-fetch the live panel every 3 s while the tab is visible.
  const live = document.querySelector('[data-refresh]');
  if (live) {
    const refresh = async () => {
      if (document.hidden) return;
      const res = await fetch(live.dataset.refresh, { credentials: 'same-origin' }).catch(() => null);
      if (!res?.ok) return;
      const tpl = document.createElement('template');
      tpl.innerHTML = await res.text();
      const next = tpl.content.firstElementChild;
      if (next) live.replaceChildren(...next.childNodes);
    };
    setInterval(refresh, 3000);
  }

  // Knowledge: upload with a progress bar (XMLHttpRequest reports upload progress; fetch does not).
  for (const form of document.querySelectorAll('form[data-upload]')) {
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const bar = form.querySelector('progress');
      const out = form.querySelector('[data-upload-status]');
      const xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.setRequestHeader('accept', 'application/json');
      xhr.setRequestHeader('x-csrf-token', csrf);
      bar.hidden = false;
      bar.value = 0;
      out.textContent = 'Uploading…';
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) bar.value = e.loaded / e.total;
        if (e.loaded === e.total) out.textContent = 'Ingesting (extracting text, chunking)…';
      };
      xhr.onload = () => {
        bar.value = 1;
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
        out.className = xhr.status < 300 && !(body.failed?.length) ? 'ok' : 'error';
        out.textContent = body.message ?? `Upload failed (${xhr.status}).`;
        if (xhr.status < 300) setTimeout(() => location.reload(), 900);
      };
      xhr.onerror = () => {
        out.className = 'error';
        out.textContent = 'The server is not reachable.';
      };
      xhr.send(new FormData(form));
    });
  }

  // Confirm destructive actions.
  document.addEventListener('submit', (ev) => {
    const msg = ev.target instanceof HTMLFormElement ? ev.target.dataset.confirm : undefined;
    if (msg && !confirm(msg)) ev.preventDefault();
  });
})();
