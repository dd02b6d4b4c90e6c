// The connections section's script (api/console/connections.tsx).
// - Live parts: every element with `data-live` and an id is refreshed from the same page, fetched again every
//   few seconds, so that an import's status and progress move without a reload.
// - The 「アカウントを追加」 wizard: one form whose Steps 1–3 are shown one at a time; Step 3's 次へ fetches
//   the preview into the Step 4 dialog, whose 連携開始 sends the form. The client ID stays in its field: the
//   server never renders it back.
(function () {
  'use strict';
  var POLL_MS = 3000;

  function refreshLiveParts() {
    if (document.hidden) return;
    fetch(window.location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, 'text/html');
        document.querySelectorAll('[data-live][id]').forEach(function (part) {
          var next = fresh.getElementById(part.id);
          if (next && next.innerHTML !== part.innerHTML) part.innerHTML = next.innerHTML;
        });
      })
      .catch(function () { /* the next poll tries again */ });
  }
  if (document.querySelector('[data-live][id]')) window.setInterval(refreshLiveParts, POLL_MS);

  var wizard = document.getElementById('wizard');
  if (!wizard) return;
  var steps = Array.prototype.slice.call(wizard.querySelectorAll('[data-step]'));
  var dialog = document.getElementById('preview-dialog');
  var previewBody = dialog.querySelector('[data-preview-body]');
  var csrf = wizard.getAttribute('data-csrf');
  var current = 1;
  document.querySelectorAll('[data-no-script]').forEach(function (note) { note.hidden = true; });

  function stepElement(n) { return steps[n - 1]; }

  function show(n, focus) {
    current = n;
    steps.forEach(function (step, i) { step.hidden = i + 1 !== n; });
    if (focus) stepElement(n).querySelector('h2').focus();
  }

  function showError(n, error) {
    var region = stepElement(n).querySelector('[data-error]');
    region.textContent = '';
    [error.message, error.fix].forEach(function (line) {
      if (!line) return;
      var p = document.createElement('p');
      p.textContent = line;
      region.appendChild(p);
    });
  }

  function clearErrors() {
    steps.forEach(function (step) { step.querySelector('[data-error]').textContent = ''; });
  }

  function field(name) { return wizard.elements.namedItem(name); }

  function post(url, body, accept) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': csrf, accept: accept },
      body: body,
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    });
  }

  function refused(json) {
    var error = (json && json.error) || { step: current, message: wizard.getAttribute('data-failed') || 'Error' };
    if (dialog.open) dialog.close();
    show(error.step || current, true);
    showError(error.step || current, error);
  }

  function openPreview(button) {
    button.disabled = true;
    post(wizard.getAttribute('data-preview'), new URLSearchParams({ clientId: field('clientId').value }), 'application/json')
      .then(function (result) {
        if (!result.ok) return refused(result.json);
        previewBody.innerHTML = result.json.html;
        dialog.showModal();
      })
      .catch(function () { refused(null); })
      .finally(function () { button.disabled = false; });
  }

  wizard.addEventListener('click', function (event) {
    var button = event.target.closest('button');
    if (!button) return;
    if (button.hasAttribute('data-back')) {
      clearErrors();
      show(current - 1, true);
    } else if (button.hasAttribute('data-next')) {
      clearErrors();
      if (current === 1) {
        var missing = ['clientId'].filter(function (name) { return !field(name).value.trim(); });
        if (missing.length) {
          showError(1, { message: wizard.getAttribute(missing[0] === 'name' ? 'data-need-name' : 'data-need-client-id') });
          field(missing[0]).focus();
          return;
        }
      }
      if (current < steps.length) show(current + 1, true);
      else openPreview(button);
    } else if (button.hasAttribute('data-close')) {
      dialog.close();
      stepElement(current).querySelector('[data-next]').focus();
    }
  });

  wizard.addEventListener('submit', function (event) {
    event.preventDefault();
    // Enter in a field of Steps 1–3 means 次へ; only the dialog's 連携開始 connects.
    if (!dialog.open) {
      stepElement(current).querySelector('[data-next]').click();
      return;
    }
    var start = dialog.querySelector('[data-start]');
    start.disabled = true;
    post(wizard.action, new URLSearchParams(new FormData(wizard)), 'application/json')
      .then(function (result) {
        if (result.ok && result.json.location) window.location.assign(result.json.location);
        else refused(result.json);
      })
      .catch(function () { refused(null); })
      .finally(function () { start.disabled = false; });
  });

  show(1, false);
})();
