/* The systems map on a live page (board/systemmap): the link form, dragging a theme (facilitators), the
 * map on the shared screen, picking out a loop and the leverage dots. The map itself is drawn on the
 * server and arrives in the same out-of-band swaps as everything else; this module only sends messages
 * (docs/protocol.md) and keeps the form's choices in step with the board. One entry point: the IIFE. */
(function () {
  'use strict';

  var lw = window.LinewalkSender;
  if (!lw) { return; }
  var root = lw.root, role = lw.role, send = lw.send, say = lw.say;

  function banner() { return document.getElementById('round-banner'); }

  function inRound(list) {
    var b = banner();
    return !!(b && b.dataset.round && (list || '').split(' ').indexOf(b.dataset.round) >= 0);
  }

  // --- the choices of the link form: every theme on the board, and the cards everyone sees -------------
  // The cards' labels by id, kept from frame to frame: a frame that drew a few cards (swap.js) changes
  // only theirs, and a frame that changes no label (a card moving between themes) rebuilds nothing.
  var labels = null, cardItems = null;
  function label(card) {
    if (!card.closest('#board') || card.classList.contains('is-hidden') || card.classList.contains('is-silent')) { return null; }
    var text = card.querySelector('.card-text');
    var found = text ? text.textContent.trim() : '';
    return found.length > 60 ? found.slice(0, 59) + '…' : found;
  }
  function cardChoices(frame) {
    var touched = frame && labels ? frame.cards() : null, gone = frame && labels ? frame.gone() : null;
    if (!touched || !gone) {
      labels = new Map();
      document.querySelectorAll('#board .card[data-card]').forEach(function (card) {
        var text = label(card);
        if (text !== null) { labels.set(parseInt(card.dataset.card, 10), text); }
      });
      cardItems = null;
    } else {
      gone.forEach(function (id) { if (labels.delete(parseInt(id.slice(5), 10))) { cardItems = null; } });
      touched.forEach(function (card) {
        var id = parseInt(card.dataset.card, 10), text = label(card);
        if (text === null ? labels.delete(id) : labels.get(id) !== text) {
          if (text !== null) { labels.set(id, text); }
          cardItems = null;
        }
      });
    }
    if (cardItems === null) {
      // In the order they were posted, not board order: a card moving between themes leaves the list as it was.
      cardItems = Array.from(labels.keys()).sort(function (a, b) { return a - b; }).map(function (id) {
        return ['card-' + id, labels.get(id), 'Single contributions'];
      });
    }
    return cardItems;
  }

  function choices(frame) {
    var items = [];
    var themes = document.getElementById('themes');
    Array.prototype.forEach.call(themes ? themes.children : [], function (theme) {
      if (!theme.dataset.theme) { return; }
      var name = theme.querySelector('.theme-name');
      items.push(['theme-' + theme.dataset.theme, name ? name.textContent.trim() : '', 'Themes']);
    });
    var cards = cardChoices(frame);
    return { items: items, cards: cards, all: items.concat(cards) };
  }

  var filled = { themes: null, cards: null };
  function refresh(e) {
    var view = document.getElementById('map-view');
    var section = document.getElementById('systems-map');
    if (!view || !section) { return; }
    var mapRound = inRound(view.dataset.mapRounds);
    var b = banner();
    var canLink = role === 'facilitator' || (role === 'participant' && mapRound && b && b.dataset.open === '1');
    var form = document.getElementById('map-form');
    if (form) {
      form.hidden = !canLink;
      if (canLink) {
        var got = choices(e && e.type === 'htmx:wsAfterMessage' ? window.LinewalkFrame : null);
        var themesKey = JSON.stringify(got.items);
        // Unchanged themes and the very same list of cards: the two selects are as they should be.
        if (themesKey !== filled.themes || got.cards !== filled.cards ||
            !form.querySelector('[name=source]').dataset.filled || !form.querySelector('[name=target]').dataset.filled) {
          lw.fill(form.querySelector('[name=source]'), got.all);
          lw.fill(form.querySelector('[name=target]'), got.all);
          filled = { themes: themesKey, cards: got.cards };
        }
      } else {
        labels = null;  // not kept while the form is not shown: counted afresh when it is
      }
    }
    section.hidden = role !== 'facilitator' && view.dataset.nodes === '0' && !mapRound;
    toggleKind(view, mapRound);
    if (role === 'presenter') {
      document.body.classList.toggle('map-mode', view.dataset.onScreen === '1');
      fitToScreen();
    }
    if (role === 'facilitator') {
      // Its themes can be moved from the keyboard, so the picture is a group of controls, not one image.
      var svg = document.getElementById('map-svg');
      if (svg) { svg.setAttribute('role', 'group'); }
      document.querySelectorAll('#map-svg .map-node').forEach(function (node) {
        node.setAttribute('tabindex', '0');
        node.setAttribute('role', 'button');
        node.setAttribute('aria-describedby', 'map-move-help');
      });
    }
  }

  // The facilitator's "this round is for ..." buttons: one shows while the current round is of that kind.
  function toggleKind(scope, on) {
    scope.querySelectorAll('[data-action=round-kind][data-when]').forEach(function (button) {
      button.hidden = (button.dataset.when === 'on') !== on;
    });
  }

  // --- messages ----------------------------------------------------------------------------------------
  // The link form says what happened beside itself (#map-form-status): sent, linked, or why not. What
  // was typed stays until the link is on the map, so a refused link loses nothing.
  var pending = null;
  function formSays(text, kind) {
    var out = document.getElementById('map-form-status');
    if (out) { out.textContent = text; out.className = 'map-form-status ' + (kind || 'info'); }
  }

  function linkBetween(source, target) {
    return Array.prototype.find.call(document.querySelectorAll('#map-links-ul > li[data-link]'), function (li) {
      return li.dataset.source === source && li.dataset.target === target;
    }) || null;
  }

  function optionText(select, value) {
    var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
    return option ? option.textContent.trim() : value;
  }

  // Changing a link: the form shows it (its two ends fixed) and saves the new kind and note.
  function editing(form, li) {
    var source = form.querySelector('[name=source]'), target = form.querySelector('[name=target]');
    form.dataset.editing = li ? li.dataset.link : '';
    if (li) {
      source.value = li.dataset.source; target.value = li.dataset.target;
      form.querySelector('[name=kind]').value = li.dataset.kind;
      form.querySelector('[name=note]').value = li.dataset.note || '';
    }
    source.disabled = target.disabled = !!li;
    document.getElementById('map-submit').textContent = li ? 'Save the change' : 'Add the link';
    document.getElementById('map-cancel').hidden = !li;
  }

  function sendLink(form, message, done) {
    if (!send(message)) { return; }
    pending = { source: message.source || form.querySelector('[name=source]').value,
      target: message.target || form.querySelector('[name=target]').value,
      kind: form.querySelector('[name=kind]').value, note: message.note, done: done };
    formSays('Sending…', 'info');
  }

  document.addEventListener('submit', function (e) {
    var form = e.target.closest('form[data-map-send]');
    if (!form) { return; }
    e.preventDefault();
    var source = form.querySelector('[name=source]').value;
    var target = form.querySelector('[name=target]').value;
    if (!source || !target) { formSays('Choose the two themes to link.', 'error'); return; }
    if (source === target) { formSays('A link joins two different themes.', 'error'); return; }
    var kind = form.querySelector('[name=kind]').value.split(':');
    var note = form.querySelector('[name=note]').value.trim();
    var edit = { type: 'link', op: 'edit', kind: kind[0], sign: kind[1] || '+', note: note };
    if (form.dataset.editing) {
      edit.link = parseInt(form.dataset.editing, 10);
      sendLink(form, edit, 'Link changed: the map redraws on every screen.');
      return;
    }
    var existing = linkBetween(source, target);
    if (existing) {
      // One link each way between two themes: offer to change the one there, never a second.
      var from = optionText(form.querySelector('[name=source]'), source), to = optionText(form.querySelector('[name=target]'), target);
      var wanted = optionText(form.querySelector('[name=kind]'), form.querySelector('[name=kind]').value);
      if (!window.confirm('There is already a link from “' + from + '” to “' + to + '” (' + existing.dataset.verb + '). Change it to “' + wanted + '”' + (note ? ' with your note' : '') + '?')) {
        formSays('Nothing changed: the link “' + existing.dataset.verb + '” stays.', 'info');
        return;
      }
      edit.link = parseInt(existing.dataset.link, 10);
      sendLink(form, edit, 'Link changed: the map redraws on every screen.');
      return;
    }
    var message = { type: 'link', op: 'add', source: source, target: target, kind: kind[0], note: note };
    if (kind[1]) { message.sign = kind[1]; }
    sendLink(form, message, 'Linked: the map redraws on every screen.');
  });

  // After each frame: the pending link on the map (done: clear the note), or this screen's refusal (say it
  // by the form, keep what was typed).
  function settle(e) {
    if (!pending) { return; }
    var form = document.getElementById('map-form');
    var li = linkBetween(pending.source, pending.target);
    if (li && li.dataset.kind === pending.kind && (li.dataset.note || '') === pending.note) {
      formSays(pending.done, 'info');
      pending = null;
      if (form) { form.querySelector('[name=note]').value = ''; editing(form, null); }
      return;
    }
    var raw = e && e.detail && typeof e.detail.message === 'string' ? e.detail.message : '';
    var error = raw.indexOf('id="lw-status"') >= 0 ? document.querySelector('#lw-status p.error') : null;
    if (error) { formSays(error.textContent, 'error'); pending = null; }
  }
  root.addEventListener('htmx:wsAfterMessage', settle);

  var clicks = {
    'map-show': function (el) { send({ type: 'map', op: 'show', on: el.getAttribute('aria-pressed') !== 'true' }); },
    'map-tidy': function () { send({ type: 'map', op: 'tidy' }); },
    // What participants do in the current round (the same message for the map and for next steps).
    'round-kind': function (el) {
      var b = banner();
      if (b && b.dataset.round) { send({ type: 'round', op: 'kind', round: parseInt(b.dataset.round, 10), kind: el.dataset.kind }); }
    },
    'map-focus': function (el) { send({ type: 'map', op: 'focus', loop: el.dataset.loop || '' }); },
    'map-vote': function () { send({ type: 'vote', op: 'open', round: null, target: 'leverage', budget: 3, per_item: 2, live: false }); },
    'link-change': function (el) {
      var form = document.getElementById('map-form');
      editing(form, el.closest('[data-link]'));
      formSays('Changing the link: choose its kind and note, then Save the change.', 'info');
      form.querySelector('[name=kind]').focus();
    },
    'link-cancel': function () { editing(document.getElementById('map-form'), null); formSays('', 'info'); },
    'link-delete': function (el) { send({ type: 'link', op: 'delete', link: parseInt(el.closest('[data-link]').dataset.link, 10) }); },
    'map-dot-add': function (el) { send(dot('add', el)); },
    'map-dot-remove': function (el) { send(dot('remove', el)); }
  };

  function dot(op, el) {
    return { type: 'dot', op: op, card: null, theme: null, link: parseInt(el.closest('[data-link]').dataset.link, 10) };
  }

  document.addEventListener('click', function (e) {
    var el = e.target.closest && e.target.closest('[data-action]');
    if (el && clicks[el.dataset.action]) { e.preventDefault(); clicks[el.dataset.action](el); }
  });

  // --- moving a theme on the map (facilitators): drag it, or focus it and use the arrow keys -------------
  function centre(node) {
    var box = node.querySelector('rect');
    var t = node.transform.baseVal.consolidate();
    return { x: t.matrix.e + box.width.baseVal.value / 2, y: t.matrix.f + box.height.baseVal.value / 2,
      w: box.width.baseVal.value, h: box.height.baseVal.value };
  }

  function moveTo(node, x, y) {
    send({ type: 'map', op: 'move', node: parseInt(node.dataset.node, 10),
      x: Math.round(Math.min(Math.max(x, 0), 1200) * 10) / 10, y: Math.round(Math.min(Math.max(y, 0), 640) * 10) / 10 });
  }

  if (role === 'facilitator') {
    var dragging = null;
    document.addEventListener('pointerdown', function (e) {
      var node = e.target.closest && e.target.closest('#map-svg .map-node');
      if (!node) { return; }
      var svg = node.ownerSVGElement;
      var start = centre(node);
      var point = svg.createSVGPoint();
      point.x = e.clientX; point.y = e.clientY;
      var p = point.matrixTransform(svg.getScreenCTM().inverse());
      dragging = { node: node, svg: svg, dx: start.x - p.x, dy: start.y - p.y, size: start, moved: false };
      node.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    document.addEventListener('pointermove', function (e) {
      if (!dragging) { return; }
      var point = dragging.svg.createSVGPoint();
      point.x = e.clientX; point.y = e.clientY;
      var p = point.matrixTransform(dragging.svg.getScreenCTM().inverse());
      dragging.x = p.x + dragging.dx; dragging.y = p.y + dragging.dy;
      dragging.moved = true;
      dragging.node.setAttribute('transform', 'translate(' + (dragging.x - dragging.size.w / 2) + ',' + (dragging.y - dragging.size.h / 2) + ')');
    });
    document.addEventListener('pointerup', function () {
      if (!dragging) { return; }
      var d = dragging;
      dragging = null;
      if (d.moved) { moveTo(d.node, d.x, d.y); }
    });
    document.addEventListener('keydown', function (e) {
      var node = e.target.closest && e.target.closest('#map-svg .map-node');
      var steps = { ArrowLeft: [-20, 0], ArrowRight: [20, 0], ArrowUp: [0, -20], ArrowDown: [0, 20] };
      if (!node || !steps[e.key]) { return; }
      e.preventDefault();
      var c = centre(node);
      moveTo(node, c.x + steps[e.key][0], c.y + steps[e.key][1]);
    });
  }

  // --- the map on the shared screen: as tall as the screen leaves room for -------------------------------
  // The map is laid out in a box of 1200x640; on a screen of another shape it was as tall as its width
  // allowed, a band left empty under it (~165px at 1280x720). There the picture is drawn taller: the
  // themes' centres spread down (their boxes and text keep their size), the links drawn again between
  // them as board/systemmap/svg.py draws them, and the viewBox grows to match.
  var WIDTH = 1200, HEIGHT = 640;
  function edge(cx, cy, w, h, tx, ty) {
    var dx = tx - cx, dy = ty - cy;
    if (!dx && !dy) { return [cx, cy]; }
    var s = Math.min(dx ? (w / 2) / Math.abs(dx) : Infinity, dy ? (h / 2) / Math.abs(dy) : Infinity);
    return [cx + dx * s, cy + dy * s];
  }
  function stretch(svg, k) {
    var at = {};
    svg.querySelectorAll('.map-node').forEach(function (node) {
      var rect = node.querySelector('rect');
      var w = rect.width.baseVal.value, h = rect.height.baseVal.value;
      if (!node.dataset.at) {  // where the server put it: kept, so that fitting again starts from there
        var t = node.transform.baseVal.consolidate().matrix;
        node.dataset.at = (t.e + w / 2) + ' ' + (t.f + h / 2);
      }
      var c = node.dataset.at.split(' ').map(Number);
      at[node.dataset.node] = { x: c[0], y: c[1] * k, w: w, h: h };
      node.setAttribute('transform', 'translate(' + (c[0] - w / 2) + ',' + (c[1] * k - h / 2) + ')');
    });
    svg.querySelectorAll('.map-link[data-ends]').forEach(function (link) {
      var ends = link.dataset.ends.split(' '), s = at[ends[0]], t = at[ends[1]], bend = Number(ends[2]);
      if (!s || !t) { return; }
      var length = Math.hypot(t.x - s.x, t.y - s.y) || 1;
      var cx = (s.x + t.x) / 2 - (t.y - s.y) / length * bend, cy = (s.y + t.y) / 2 + (t.x - s.x) / length * bend;
      var a = edge(s.x, s.y, s.w, s.h, cx, cy), b = edge(t.x, t.y, t.w, t.h, cx, cy);
      link.querySelector('path').setAttribute('d', 'M' + a[0] + ',' + a[1] + 'Q' + cx + ',' + cy + ' ' + b[0] + ',' + b[1]);
      var lx = (a[0] + 2 * cx + b[0]) / 4, ly = (a[1] + 2 * cy + b[1]) / 4;
      var label = link.querySelector('rect'), text = link.querySelector('text');
      label.setAttribute('x', lx - label.width.baseVal.value / 2);
      label.setAttribute('y', ly - 11);
      text.setAttribute('x', lx);
      text.setAttribute('y', ly + 5);
      link.dataset.fit = '1';
    });
    svg.setAttribute('viewBox', '0 0 ' + WIDTH + ' ' + HEIGHT * k);
  }
  function fitToScreen() {
    var svg = document.getElementById('map-svg');
    if (role !== 'presenter' || !svg) { return; }
    if (!document.body.classList.contains('map-mode')) {
      if (svg.dataset.k) { stretch(svg, 1); delete svg.dataset.k; }
      return;
    }
    // The room under the picture's top: the window's height less the legend under it and the page's margin.
    var legend = svg.parentElement.querySelector('.map-legend');
    var under = (legend ? legend.getBoundingClientRect().height + parseFloat(getComputedStyle(legend).marginTop) : 0) +
      parseFloat(getComputedStyle(document.querySelector('main')).paddingBottom) + 2;
    var room = window.innerHeight - svg.getBoundingClientRect().top - under;
    var k = Math.max(1, Math.min(2, (room / svg.getBoundingClientRect().width) * WIDTH / HEIGHT));
    // Drawn already, unless a frame added a link since (appended as the server drew it: board/systemmap/svg.py one_link).
    if (Math.abs(k - Number(svg.dataset.k || 1)) < 0.005 && !svg.querySelector('.map-link:not([data-fit])')) { return; }
    svg.dataset.k = k;
    stretch(svg, k);
  }
  window.addEventListener('resize', fitToScreen);

  // In the capture phase: before linewalk.js puts focus back after a frame, so that a theme the frame
  // redrew is focusable again (its tabindex is set here) and focus stays on it, not on the next control.
  root.addEventListener('htmx:wsAfterMessage', refresh, true);
  refresh();
})();
