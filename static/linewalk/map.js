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
  document.addEventListener('submit', function (e) {
    var form = e.target.closest('form[data-map-send]');
    if (!form) { return; }
    e.preventDefault();
    var source = form.querySelector('[name=source]').value;
    var target = form.querySelector('[name=target]').value;
    if (!source || !target) { say('Choose the two themes to link.', 'error'); return; }
    if (source === target) { say('A link joins two different themes.', 'error'); return; }
    var kind = form.querySelector('[name=kind]').value.split(':');
    var message = { type: 'link', op: 'add', source: source, target: target, kind: kind[0],
      note: form.querySelector('[name=note]').value.trim() };
    if (kind[1]) { message.sign = kind[1]; }
    if (send(message)) {
      form.querySelector('[name=note]').value = '';
      say('Link sent: the map redraws on every screen.', 'info');
    }
  });

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

  // In the capture phase: before linewalk.js puts focus back after a frame, so that a theme the frame
  // redrew is focusable again (its tabindex is set here) and focus stays on it, not on the next control.
  root.addEventListener('htmx:wsAfterMessage', refresh, true);
  refresh();
})();
