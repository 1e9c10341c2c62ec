/* Linewalk live page: keeps one websocket per page through htmx's ws extension (which applies the
 * server's out-of-band HTML swaps), and adds what the protocol needs on the client side:
 * the last sequence number seen (sent as ?since= on every (re)connect), posts kept until the server
 * acknowledges them and resent after a reconnect, and the controls that send messages.
 * See docs/protocol.md. */
(function () {
  'use strict';

  var root = document.getElementById('lw-socket');
  if (!root || !window.htmx) { return; }

  // Only the top-level elements of a frame are swaps; nothing nested inside them is.
  htmx.config.allowNestedOobSwaps = false;

  var code = root.dataset.inquiry;
  var role = root.dataset.role;
  var lastSeq = parseInt(document.getElementById('lw-seq').dataset.seq, 10) || 0;
  var socket = null;
  var connected = false;
  var PENDING_KEY = 'linewalk:pending:' + code;
  var OWN_KEY = 'linewalk:own:' + code;
  var HEADER = /^<div id="lw-seq"[^>]*data-seq="(\d+)"([^>]*)>/;

  // --- storage -----------------------------------------------------------------------------------
  function load(key, fallback) {
    try { return JSON.parse(window.localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }
  var pending = load(PENDING_KEY, []);
  var own = new Set(load(OWN_KEY, []));
  var ownScript = document.getElementById('own-cards');
  if (ownScript) { JSON.parse(ownScript.textContent).forEach(function (cid) { own.add(cid); }); }

  function newClientId() {
    // crypto.randomUUID needs a secure context; getRandomValues works on plain http on a LAN too.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // --- the socket ------------------------------------------------------------------------------------
  htmx.createWebSocket = function (url) {
    var u = new URL(url, window.location.href);
    u.searchParams.set('since', String(lastSeq));
    return new WebSocket(u.toString());
  };

  function send(message) {
    if (!connected || !socket) {
      status('Not connected right now: try again in a moment.', 'error');
      return false;
    }
    socket.send(JSON.stringify(message));
    return true;
  }

  function setConnection(state, text) {
    var el = document.getElementById('lw-connection');
    if (el) { el.dataset.state = state; el.textContent = text; }
    document.body.dataset.connection = state;
  }

  function status(text, kind) {
    var el = document.getElementById('lw-status');
    if (!el) { return; }
    el.innerHTML = '';
    var p = document.createElement('p');
    p.className = kind || 'info';
    p.textContent = text;
    el.appendChild(p);
  }

  root.addEventListener('htmx:wsOpen', function (e) {
    socket = e.detail.socketWrapper;
    connected = true;
    setConnection('open', 'Live');
    pending.forEach(function (item) {
      socket.send(JSON.stringify({ type: 'card', op: 'add', client_id: item.client_id, text: item.text }));
    });
  });

  root.addEventListener('htmx:wsClose', function (e) {
    connected = false;
    var code = e.detail.event && e.detail.event.code;
    if (code === 4403) {
      setConnection('closed', 'Not connected: join the inquiry again to take part.');
    } else {
      setConnection('reconnecting', 'Connection lost: reconnecting… Your posts are kept and will be sent.');
    }
  });

  root.addEventListener('htmx:wsBeforeMessage', function (e) {
    var match = HEADER.exec(e.detail.message);
    if (match && match[2].indexOf('data-snapshot') < 0 && parseInt(match[1], 10) <= lastSeq) {
      e.preventDefault(); // already applied (a replay overlapping a live event)
      return;
    }
    rememberFocus();
  });

  root.addEventListener('htmx:wsAfterMessage', function () {
    var seqEl = document.getElementById('lw-seq');
    if (seqEl) {
      var seq = parseInt(seqEl.dataset.seq, 10) || 0;
      lastSeq = seqEl.dataset.snapshot ? seq : Math.max(lastSeq, seq);
      delete seqEl.dataset.snapshot;
    }
    var ack = document.getElementById('lw-ack');
    if (ack && ack.dataset.ack) { acknowledge(ack.dataset.ack); delete ack.dataset.ack; }
    refresh();
    restoreFocus();
  });

  // --- keeping focus where the person was when a swap replaces or removes it ----------------------------
  // A swap that re-draws the focused control (its card moved, its theme renamed) would drop focus to
  // <body>; put it back on the control with the same id. If that control is gone (its card or theme was
  // deleted or merged), go to the same kind of control on a neighbouring card or theme, else to the
  // page's main input, so a keyboard or screen-reader user is never left at the top of the page.
  var focusCandidates = [];

  function focusableIn(el) {
    if (!el) { return null; }
    var control = el.querySelector('button[id]:not([disabled])');
    return control ? control.id : null;
  }

  function rememberFocus() {
    var active = document.activeElement;
    focusCandidates = [];
    if (!active || active === document.body || !active.id) { return; }
    focusCandidates.push(active.id);
    var item = root.contains(active) && active.closest('.card, .theme');
    if (!item) { return; }
    focusCandidates.push(focusableIn(item.nextElementSibling), focusableIn(item.previousElementSibling));
    if (item.classList.contains('card')) { focusCandidates.push(focusableIn(item.closest('.theme'))); }
  }

  function fallbackControl() {
    return document.getElementById('theme-add-name') || document.getElementById('compose-text') || document.getElementById('main');
  }

  function restoreFocus() {
    var candidates = focusCandidates.filter(Boolean);
    focusCandidates = [];
    if (!candidates.length || (document.activeElement && document.activeElement !== document.body)) { return; }
    for (var i = 0; i < candidates.length; i++) {
      var el = document.getElementById(candidates[i]);
      if (el) { el.focus(); }
      if (el && document.activeElement === el) { return; }
    }
    var fallback = fallbackControl();
    if (fallback && !fallback.disabled) { fallback.focus(); }
  }

  // --- posting (participants) -------------------------------------------------------------------------
  function acknowledge(cid) {
    own.add(cid);
    save(OWN_KEY, Array.from(own));
    pending = pending.filter(function (item) { return item.client_id !== cid; });
    save(PENDING_KEY, pending);
    renderPending();
  }

  function renderPending() {
    var list = document.getElementById('pending');
    if (!list) { return; }
    list.innerHTML = '';
    pending.forEach(function (item) {
      var li = document.createElement('li');
      li.textContent = 'Sending: ' + item.text;
      list.appendChild(li);
    });
  }

  function post(form) {
    var box = form.querySelector('textarea');
    var text = box.value.trim();
    if (!text) { status('Write something first.', 'error'); box.focus(); return; }
    if (text.length > 280) { status('That is ' + text.length + ' characters; the limit is 280.', 'error'); return; }
    var item = { client_id: newClientId(), text: text };
    pending.push(item);
    save(PENDING_KEY, pending);
    renderPending();
    box.value = '';
    updateCount(box);
    if (connected && socket) {
      socket.send(JSON.stringify({ type: 'card', op: 'add', client_id: item.client_id, text: item.text }));
      status('Posted.', 'info');
    } else {
      status('Not connected: your post is kept and will be sent when the connection is back.', 'info');
    }
    box.focus();
  }

  var lastAnnounced = null;
  function updateCount(box) {
    var out = document.getElementById('compose-count');
    if (!out) { return; }
    var limit = parseInt(out.dataset.limit, 10);
    var left = limit - box.value.length;
    out.textContent = left >= 0 ? left + ' characters left' : (-left) + ' characters over the limit';
    out.classList.toggle('warn', left < 20);
    // Announce only at a few thresholds, not at every key press.
    var band = left < 0 ? 'over' : left <= 20 ? '20' : left <= 50 ? '50' : 'ok';
    out.setAttribute('aria-live', band !== lastAnnounced && band !== 'ok' ? 'polite' : 'off');
    lastAnnounced = band;
  }

  // --- what the page shows -------------------------------------------------------------------------------
  function refresh() {
    var banner = document.getElementById('round-banner');
    var closed = banner ? (banner.dataset.closedRounds || '').split(' ').filter(Boolean) : [];
    document.querySelectorAll('#live .card').forEach(function (card) {
      card.classList.toggle('mine', own.has(card.dataset.cid) && closed.indexOf(card.dataset.round) < 0);
    });
    var form = document.getElementById('compose-form');
    if (form && banner) {
      var isOpen = banner.dataset.open === '1';
      form.querySelector('textarea').disabled = !isOpen;
      form.querySelector('button[type=submit]').disabled = !isOpen;
      form.classList.toggle('closed', !isOpen);
    }
  }

  function themeColumns() {
    return Array.prototype.slice.call(document.querySelectorAll('#themes > .theme'));
  }

  function themeName(section) {
    var h = section.querySelector('.theme-name');
    return h ? h.textContent.trim() : '';
  }

  function openDialog(id, opener) {
    var dialog = document.getElementById(id);
    dialog.dataset.opener = (opener && opener.id) || '';
    dialog.showModal();
    return dialog;
  }

  function closeDialog(dialog) {
    dialog.close();
    focusOpener(dialog);
  }

  function focusOpener(dialog) {
    // The opener may have been re-drawn (same id) or removed while the dialog was open.
    var opener = document.getElementById(dialog.dataset.opener || '');
    if (opener) { opener.focus(); }
    if (!opener || document.activeElement !== opener) {
      var fallback = fallbackControl();
      if (fallback) { fallback.focus(); }
    }
  }

  // Escape closes a dialog natively, returning focus to the element focused before it opened; when that
  // element has since been re-drawn or removed, focus would fall to <body>.
  document.querySelectorAll('dialog').forEach(function (dialog) {
    dialog.addEventListener('close', function () {
      if (!document.activeElement || document.activeElement === document.body) { focusOpener(dialog); }
    });
  });

  function cardOf(el) { return el.closest('.card'); }
  function themeOf(el) { return el.closest('.theme'); }
  function idOf(theme) { return theme && theme.dataset.theme ? parseInt(theme.dataset.theme, 10) : null; }

  function moveCardBy(cardEl, delta) {
    var list = cardEl.parentElement;
    var theme = idOf(themeOf(cardEl));
    if (theme === null) { status('Cards not yet in a theme keep the order they came in.', 'info'); return; }
    var index = Array.prototype.indexOf.call(list.children, cardEl) + delta;
    if (index < 0 || index >= list.children.length) { return; }
    send({ type: 'card', op: 'move', card: parseInt(cardEl.dataset.card, 10), theme: theme, position: index });
  }

  function moveThemeBy(section, delta) {
    var columns = themeColumns();
    var index = columns.indexOf(section) + delta;
    if (index < 0 || index >= columns.length) { return; }
    send({ type: 'theme', op: 'move', theme: idOf(section), position: index });
  }

  var clicks = {
    'edit-card': function (el) {
      var card = cardOf(el);
      var dialog = openDialog('edit-dialog', el);
      dialog.querySelector('[name=card]').value = card.dataset.card;
      dialog.querySelector('textarea').value = card.querySelector('.card-text').textContent;
    },
    'delete-card': function (el) {
      var card = cardOf(el);
      if (window.confirm('Delete your contribution?')) {
        send({ type: 'card', op: 'delete', card: parseInt(card.dataset.card, 10) });
      }
    },
    'move-card': function (el) {
      var card = cardOf(el);
      var current = idOf(themeOf(card));
      var dialog = openDialog('move-dialog', el);
      dialog.querySelector('[name=card]').value = card.dataset.card;
      document.getElementById('move-card-text').textContent = card.querySelector('.card-text').textContent;
      var targets = document.getElementById('move-targets');
      targets.innerHTML = '';
      var options = [{ id: '', name: 'Not yet in a theme' }].concat(themeColumns().map(function (s) {
        return { id: s.dataset.theme, name: themeName(s) };
      }));
      options.forEach(function (option, i) {
        var label = document.createElement('label');
        label.className = 'choice';
        var input = document.createElement('input');
        input.type = 'radio'; input.name = 'theme'; input.value = option.id; input.id = 'move-target-' + i;
        input.checked = String(current || '') === String(option.id);
        label.appendChild(input);
        label.appendChild(document.createTextNode(' ' + option.name));
        targets.appendChild(label);
      });
      var checked = targets.querySelector('input:checked') || targets.querySelector('input');
      if (checked) { checked.focus(); }
    },
    'card-up': function (el) { var d = el.closest('dialog'); var c = document.getElementById('card-' + d.querySelector('[name=card]').value); closeDialog(d); if (c) { moveCardBy(c, -1); } },
    'card-down': function (el) { var d = el.closest('dialog'); var c = document.getElementById('card-' + d.querySelector('[name=card]').value); closeDialog(d); if (c) { moveCardBy(c, 1); } },
    'edit-theme': function (el) {
      var section = themeOf(el);
      var dialog = openDialog('theme-dialog', el);
      dialog.querySelector('[name=theme]').value = section.dataset.theme;
      dialog.querySelector('[name=name]').value = themeName(section);
      dialog.querySelectorAll('[name=colour]').forEach(function (r) { r.checked = r.value === section.dataset.colour; });
    },
    'theme-earlier': function (el) { moveThemeBy(themeOf(el), -1); },
    'theme-later': function (el) { moveThemeBy(themeOf(el), 1); },
    'merge-theme': function (el) {
      var section = themeOf(el);
      var others = themeColumns().filter(function (s) { return s !== section; });
      if (!others.length) { status('There is no other theme to merge into.', 'info'); return; }
      var dialog = openDialog('merge-dialog', el);
      dialog.querySelector('[name=theme]').value = section.dataset.theme;
      var select = dialog.querySelector('[name=into]');
      select.innerHTML = '';
      others.forEach(function (s) {
        var o = document.createElement('option'); o.value = s.dataset.theme; o.textContent = themeName(s); select.appendChild(o);
      });
      document.getElementById('merge-dialog-title').textContent = 'Merge “' + themeName(section) + '”';
    },
    'delete-theme': function (el) {
      var section = themeOf(el);
      if (window.confirm('Delete the theme “' + themeName(section) + '”? Its cards go back to “Not yet in a theme”.')) {
        send({ type: 'theme', op: 'delete', theme: idOf(section) });
      }
    },
    'round-activate': function (el) { send({ type: 'round', op: 'activate', round: parseInt(el.closest('[data-round]').dataset.round, 10) }); },
    'round-close': function (el) { send({ type: 'round', op: 'close', round: parseInt(el.closest('[data-round]').dataset.round, 10) }); },
    'round-reopen': function (el) { send({ type: 'round', op: 'reopen', round: parseInt(el.closest('[data-round]').dataset.round, 10) }); },
    'close-dialog': function (el) { closeDialog(el.closest('dialog')); }
  };

  var submits = {
    'card.add': post,
    'card.edit': function (form) {
      var text = form.querySelector('[name=text]').value.trim();
      if (!text) { status('Write something first.', 'error'); return; }
      send({ type: 'card', op: 'edit', card: parseInt(form.querySelector('[name=card]').value, 10), text: text });
      closeDialog(form.closest('dialog'));
    },
    'card.move': function (form) {
      var chosen = form.querySelector('[name=theme]:checked');
      var message = { type: 'card', op: 'move', card: parseInt(form.querySelector('[name=card]').value, 10),
        theme: chosen && chosen.value ? parseInt(chosen.value, 10) : null };
      var position = form.querySelector('[name=position]').value;
      if (position !== '') { message.position = parseInt(position, 10); }
      send(message);
      closeDialog(form.closest('dialog'));
    },
    'theme.add': function (form) {
      var input = form.querySelector('[name=name]');
      var name = input.value.trim();
      if (!name) { status('Give the theme a name.', 'error'); input.focus(); return; }
      if (send({ type: 'theme', op: 'add', name: name })) { input.value = ''; }
      input.focus();
    },
    'theme.edit': function (form) {
      var theme = parseInt(form.querySelector('[name=theme]').value, 10);
      var section = document.getElementById('theme-' + theme);
      var name = form.querySelector('[name=name]').value.trim();
      var colour = form.querySelector('[name=colour]:checked');
      if (section && name && name !== themeName(section)) { send({ type: 'theme', op: 'rename', theme: theme, name: name }); }
      if (section && colour && colour.value !== section.dataset.colour) { send({ type: 'theme', op: 'recolour', theme: theme, colour: colour.value }); }
      closeDialog(form.closest('dialog'));
    },
    'theme.merge': function (form) {
      send({ type: 'theme', op: 'merge', theme: parseInt(form.querySelector('[name=theme]').value, 10),
        into: parseInt(form.querySelector('[name=into]').value, 10) });
      closeDialog(form.closest('dialog'));
    }
  };

  document.addEventListener('click', function (e) {
    var el = e.target.closest('[data-action]');
    if (el && clicks[el.dataset.action]) { e.preventDefault(); clicks[el.dataset.action](el); }
  });

  document.addEventListener('submit', function (e) {
    var form = e.target.closest('form[data-send]');
    if (form && submits[form.dataset.send]) { e.preventDefault(); submits[form.dataset.send](form); }
  });

  var compose = document.getElementById('compose-text');
  if (compose) {
    compose.addEventListener('input', function () { updateCount(compose); });
    compose.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); post(compose.form); }
    });
  }

  // --- drag and drop (facilitators); every drop sends the same message as the Move dialog ---------------
  if (role === 'facilitator') {
    var dragging = null;
    document.addEventListener('dragstart', function (e) {
      var card = e.target.closest && e.target.closest('.card[draggable]');
      var header = e.target.closest && e.target.closest('#themes .column-header[draggable]');
      if (card) {
        dragging = { kind: 'card', id: parseInt(card.dataset.card, 10) };
      } else if (header) {
        dragging = { kind: 'theme', id: idOf(themeOf(header)) };
      } else { return; }
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', dragging.kind + ':' + dragging.id);
    });
    document.addEventListener('dragend', function () {
      dragging = null;
      document.querySelectorAll('.drop-target').forEach(function (el) { el.classList.remove('drop-target'); });
    });
    function indexAt(children, pos, vertical) {
      for (var i = 0; i < children.length; i++) {
        var r = children[i].getBoundingClientRect();
        if (vertical ? pos < r.top + r.height / 2 : pos < r.left + r.width / 2) { return i; }
      }
      return children.length;
    }
    document.addEventListener('dragover', function (e) {
      if (!dragging) { return; }
      var zone = dragging.kind === 'card' ? e.target.closest('#live .theme') : e.target.closest('#themes');
      if (!zone) { return; }
      e.preventDefault();
      document.querySelectorAll('.drop-target').forEach(function (el) { if (el !== zone) { el.classList.remove('drop-target'); } });
      zone.classList.add('drop-target');
    });
    document.addEventListener('drop', function (e) {
      if (!dragging) { return; }
      if (dragging.kind === 'card') {
        var section = e.target.closest('#live .theme');
        if (!section) { return; }
        e.preventDefault();
        var theme = idOf(section);
        var message = { type: 'card', op: 'move', card: dragging.id, theme: theme };
        if (theme !== null) {
          var cards = Array.prototype.filter.call(section.querySelectorAll('.cards > .card'), function (c) {
            return parseInt(c.dataset.card, 10) !== dragging.id;
          });
          message.position = indexAt(cards, e.clientY, true);
        }
        send(message);
      } else {
        var zone = e.target.closest('#themes');
        if (!zone) { return; }
        e.preventDefault();
        var others = themeColumns().filter(function (s) { return idOf(s) !== dragging.id; });
        send({ type: 'theme', op: 'move', theme: dragging.id, position: indexAt(others, e.clientX, false) });
      }
    });
  }

  renderPending();
  refresh();
})();
