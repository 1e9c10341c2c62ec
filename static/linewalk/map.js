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
    // In a systems-map round a phone's task is the map: it comes first, under the question (phone.css).
    document.body.classList.toggle('map-round', mapRound && role === 'participant');
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
    // The vote is set up in the one vote dialog (vote-dialog.js), set for the map.
    'map-vote': function (el) { if (window.LinewalkVoteDialog) { window.LinewalkVoteDialog.open(el, 'map'); } },
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

  // --- the map on the shared screen: the whole screen, its labels large ------------------------------------
  // The server lays the map out in a box of 1200x640 with text for a board; scaled to the screen's share
  // of a 1280x720 call its labels came out at ~13 px. Here the picture is drawn again in the screen's own
  // pixels (its viewBox the size it is shown at): each theme keeps its place relative to the others, its
  // label at the largest size that lets every box stand clear of the others (20 px at least at 1280x720,
  // in proportion on a larger screen), the boxes pushed apart where the larger text made them meet, the
  // links drawn again between them as board/systemmap/svg.py draws them, and each link's label put where
  // along its curve it covers no theme and no other label.
  var LABEL_SIZES = [1.75, 1.6, 1.45, 1.35, 1.25]; // in rem: the presenter's unit, 16 px at 1280x720
  var CROWDED_SIZES = [1.1, 1, 0.9]; // a map too crowded for those: still every theme, smaller
  var SHARE = 0.3; // the most of the picture the boxes may cover, so that the links between them show

  function edge(cx, cy, w, h, tx, ty) {
    var dx = tx - cx, dy = ty - cy;
    if (!dx && !dy) { return [cx, cy]; }
    var s = Math.min(dx ? (w / 2) / Math.abs(dx) : Infinity, dy ? (h / 2) / Math.abs(dy) : Infinity);
    return [cx + dx * s, cy + dy * s];
  }

  // Whether two boxes come nearer than ``gx`` side by side and ``gy`` one above the other (``gy``: as ``gx``).
  function crossing(a, b, gx, gy) {
    return Math.abs(a.x - b.x) < (a.w + b.w) / 2 + gx && Math.abs(a.y - b.y) < (a.h + b.h) / 2 + (gy === undefined ? gx : gy);
  }

  function covering(a, b, gap) {
    var x = Math.min(a.x + a.w / 2, b.x + b.w / 2) - Math.max(a.x - a.w / 2, b.x - b.w / 2) + gap;
    var y = Math.min(a.y + a.h / 2, b.y + b.h / 2) - Math.max(a.y - a.h / 2, b.y - b.h / 2) + gap;
    return x > 0 && y > 0 ? x * y : 0;
  }

  // About how wide a link's label of ``characters`` is with theme labels of ``size`` px (drawLinks draws it).
  function linkLabel(characters, size) { return 0.8 * size * (0.62 * characters + (characters > 1 ? 0.9 : 0.6)); }

  // Push boxes that meet apart, along the axis where they overlap least, keeping each inside the picture
  // (``margin`` in from its edges); how many still meet at the end (0: all clear). ``gapOf(i, j)``: the room
  // boxes i and j keep between them, side by side and one above the other. A box that a link between two
  // others runs through is moved off it (``links``: [i, j] pairs), so no link seems to pass by a theme.
  function separate(boxes, width, height, margin, gapOf, links, clear) {
    function clamp(b) {
      b.x = Math.min(Math.max(b.x, margin + b.w / 2), width - margin - b.w / 2);
      b.y = Math.min(Math.max(b.y, margin + b.h / 2), height - margin - b.h / 2);
    }
    boxes.forEach(clamp);
    var clash = 0;
    for (var round = 0; round < 400; round++) {
      clash = 0;
      for (var i = 0; i < boxes.length; i++) {
        for (var j = i + 1; j < boxes.length; j++) {
          var a = boxes[i], b = boxes[j], gap = gapOf(i, j);
          if (!crossing(a, b, gap[0], gap[1])) { continue; }
          clash += crossing(a, b, 0) ? 100 : 1; // two boxes over each other: far worse than too near
          var ox = (a.w + b.w) / 2 + gap[0] - Math.abs(a.x - b.x), oy = (a.h + b.h) / 2 + gap[1] - Math.abs(a.y - b.y);
          // The shorter way apart; a pair still meeting after many rounds (held by an edge or by others)
          // tries the other way in turn.
          if ((ox < oy) !== (round >= 100 && round % 2 === 1)) {
            var sx = a.x < b.x || (a.x === b.x && i < j) ? -1 : 1;
            a.x += sx * ox * 0.5; b.x -= sx * ox * 0.5;
          } else {
            var sy = a.y < b.y || (a.y === b.y && i < j) ? -1 : 1;
            a.y += sy * oy * 0.5; b.y -= sy * oy * 0.5;
          }
          clamp(a); clamp(b);
        }
      }
      links.forEach(function (ends) {
        var a = boxes[ends[0]], b = boxes[ends[1]];
        var dx = b.x - a.x, dy = b.y - a.y, length = Math.hypot(dx, dy) || 1;
        var nx = -dy / length, ny = dx / length;
        boxes.forEach(function (k, index) {
          if (index === ends[0] || index === ends[1]) { return; }
          var along = ((k.x - a.x) * dx + (k.y - a.y) * dy) / (length * length);
          if (along <= 0 || along >= 1) { return; }
          var off = (k.x - a.x) * nx + (k.y - a.y) * ny;
          var reach = (k.w / 2) * Math.abs(nx) + (k.h / 2) * Math.abs(ny) + clear;
          if (Math.abs(off) >= reach) { return; }
          clash += 1;
          var side = off > 0 || (off === 0 && index % 2) ? 1 : -1;
          var push = (reach - Math.abs(off)) * side * 0.6;
          k.x += nx * push; k.y += ny * push;
          clamp(k);
        });
      });
      if (!clash) { return 0; }
    }
    return clash;
  }

  // Each theme as the server drew it: where its centre was in the map's box, and its label's lines.
  function themesOf(svg) {
    return Array.prototype.map.call(svg.querySelectorAll('.map-node'), function (node) {
      var rect = node.querySelector('rect');
      if (!node.dataset.at) {  // kept, so that fitting again starts from the server's picture
        var t = node.transform.baseVal.consolidate().matrix;
        node.dataset.at = (t.e + rect.width.baseVal.value / 2) + ' ' + (t.f + rect.height.baseVal.value / 2);
      }
      var at = node.dataset.at.split(' ').map(Number);
      return { node: node, rect: rect, lines: Array.prototype.slice.call(node.querySelectorAll('text')), at: at };
    });
  }

  // Where the themes go at label size ``size`` (px) in a picture of width x height, with how many of them
  // still meet (or are too near: ``clash``), or null if their boxes would cover too much of it. ``lengths``: each label's lines' lengths at 1 px; ``linked``:
  // the pairs of themes a link joins ("i j": the characters of its label), kept far enough apart for the
  // label between them.
  function arrange(themes, lengths, linked, size, width, height) {
    var pad = 0.6 * size, line = 1.2 * size, margin = 0.5 * size;
    function gapOf(i, j) {
      var label = linked[i + ' ' + j];
      return label ? [linkLabel(label, size) + size, 2 * size] : [0.8 * size, 0.8 * size];
    }
    var boxes = themes.map(function (theme, i) {
      return { w: Math.ceil(Math.max.apply(null, lengths[i]) * size + 2 * pad), h: Math.ceil(theme.lines.length * line + 2 * pad) };
    });
    var covered = boxes.reduce(function (sum, b) { return sum + b.w * b.h; }, 0);
    if (covered > SHARE * width * height) { return null; }
    var xs = themes.map(function (t) { return t.at[0]; }), ys = themes.map(function (t) { return t.at[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var links = Object.keys(linked).map(function (pair) { return pair.split(' ').map(Number); });
    var best = null;
    // The server's picture stretched to the screen's edges (each box as far across its own room as its
    // centre was across the map's), then a little less in case pushing apart cannot settle from there.
    [1, 0.93, 0.86, 0.79].some(function (spread) {
      var placed = boxes.map(function (b, i) {
        var fx = x1 > x0 ? 0.5 + ((xs[i] - x0) / (x1 - x0) - 0.5) * spread : 0.5;
        var fy = y1 > y0 ? 0.5 + ((ys[i] - y0) / (y1 - y0) - 0.5) * spread : 0.5;
        return { w: b.w, h: b.h, pad: pad, line: line,
          x: margin + b.w / 2 + fx * (width - 2 * margin - b.w), y: margin + b.h / 2 + fy * (height - 2 * margin - b.h) };
      });
      var clash = separate(placed, width, height, margin, gapOf, links, 0.4 * size);
      if (!best || clash < best.clash) { best = { boxes: placed, clash: clash }; }
      return !clash;
    });
    return best;
  }

  function drawThemes(themes, boxes, size) {
    themes.forEach(function (theme, i) {
      var b = boxes[i];
      theme.node.setAttribute('transform', 'translate(' + (b.x - b.w / 2).toFixed(1) + ',' + (b.y - b.h / 2).toFixed(1) + ')');
      theme.rect.setAttribute('width', b.w);
      theme.rect.setAttribute('height', b.h);
      theme.rect.setAttribute('rx', (0.4 * size).toFixed(1));
      theme.lines.forEach(function (text, row) {
        text.setAttribute('x', (b.w / 2).toFixed(1));
        text.setAttribute('y', (b.pad + b.line * (row + 0.5)).toFixed(1));
        text.setAttribute('dominant-baseline', 'central');
      });
    });
  }

  // The links between the boxes' edges, each label at the first place along its curve (the middle, then
  // further out either way) where it is inside the picture and over no theme and no label placed before.
  function drawLinks(svg, themes, boxes, size, width, height) {
    var at = {};
    themes.forEach(function (theme, i) { at[theme.node.dataset.node] = boxes[i]; });
    var taken = boxes.slice();
    var font = Math.round(0.8 * size);
    svg.querySelectorAll('.map-link[data-ends]').forEach(function (link) {
      var ends = link.dataset.ends.split(' '), s = at[ends[0]], t = at[ends[1]];
      if (!s || !t) { return; }
      var bend = Number(ends[2]) * size / 17; // the server's bend, at its text size (svg.py FONT)
      var length = Math.hypot(t.x - s.x, t.y - s.y) || 1;
      var cx = (s.x + t.x) / 2 - (t.y - s.y) / length * bend, cy = (s.y + t.y) / 2 + (t.x - s.x) / length * bend;
      var a = edge(s.x, s.y, s.w, s.h, cx, cy), b = edge(t.x, t.y, t.w, t.h, cx, cy);
      link.querySelector('path').setAttribute('d', 'M' + a[0].toFixed(1) + ',' + a[1].toFixed(1) + 'Q' + cx.toFixed(1) + ',' + cy.toFixed(1) + ' ' + b[0].toFixed(1) + ',' + b[1].toFixed(1));
      var label = link.querySelector('rect'), text = link.querySelector('text');
      text.style.fontSize = font + 'px';
      var w = text.getComputedTextLength() + font * (text.textContent.length > 1 ? 0.9 : 0.6), h = 1.35 * font;
      w = Math.max(w, h);
      // Where no place is free, the one that covers least of the others.
      var spot = null, least = Infinity;
      [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82].some(function (u) {
        var v = 1 - u;
        var box = { x: v * v * a[0] + 2 * u * v * cx + u * u * b[0], y: v * v * a[1] + 2 * u * v * cy + u * u * b[1], w: w, h: h };
        var over = box.x - w / 2 >= 0 && box.x + w / 2 <= width && box.y - h / 2 >= 0 && box.y + h / 2 <= height ? 0 : Infinity;
        taken.forEach(function (other) { over += covering(box, other, 2); });
        if (over < least) { spot = box; least = over; }
        return !over;
      });
      taken.push(spot);
      label.setAttribute('x', (spot.x - w / 2).toFixed(1));
      label.setAttribute('y', (spot.y - h / 2).toFixed(1));
      label.setAttribute('width', w.toFixed(1));
      label.setAttribute('height', h.toFixed(1));
      label.setAttribute('rx', (h / 2).toFixed(1));
      text.setAttribute('x', spot.x.toFixed(1));
      text.setAttribute('y', spot.y.toFixed(1));
      text.setAttribute('dominant-baseline', 'central');
      link.dataset.fit = '1';
    });
  }

  function fitToScreen() {
    var svg = document.getElementById('map-svg');
    if (role !== 'presenter' || !svg || !document.body.classList.contains('map-mode')) { return; }
    var shown = svg.getBoundingClientRect();
    // Its own size inside its border, to the fraction of a pixel: one unit of the picture is one pixel of
    // the screen.
    var style = getComputedStyle(svg);
    var width = Math.round((shown.width - parseFloat(style.borderLeftWidth) - parseFloat(style.borderRightWidth)) * 100) / 100;
    var height = Math.round((shown.height - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth)) * 100) / 100;
    if (!width || !height) { return; }
    var fitted = width + 'x' + height;
    // Drawn already, unless a frame added a link since (appended as the server drew it: board/systemmap/svg.py one_link).
    if (svg.dataset.fit === fitted && !svg.querySelector('.map-link:not([data-fit])')) { return; }
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    var themes = themesOf(svg);
    if (!themes.length) { return; }
    // The lines' lengths at 1 px, measured at the server's size (kept: the picture may have been fitted
    // already): text grows in proportion to its size.
    svg.dataset.font = svg.dataset.font || parseFloat(svg.getAttribute('font-size')) || 17;
    var font = parseFloat(svg.dataset.font);
    svg.setAttribute('font-size', font);
    var lengths = themes.map(function (theme) {
      return theme.lines.map(function (text) { return text.getComputedTextLength() / font; });
    });
    var index = {}, linked = {};
    themes.forEach(function (theme, i) { index[theme.node.dataset.node] = i; });
    svg.querySelectorAll('.map-link[data-ends]').forEach(function (link) {
      var ends = link.dataset.ends.split(' ').map(function (end) { return index[end]; });
      if (ends[0] !== undefined && ends[1] !== undefined) {
        var pair = Math.min(ends[0], ends[1]) + ' ' + Math.max(ends[0], ends[1]);
        linked[pair] = Math.max(linked[pair] || 0, link.querySelector('text').textContent.length);
      }
    });
    var unit = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    // The largest size at which every theme stands clear. Failing that, of the legible sizes the one where
    // the fewest meet (boxes over each other count 100, boxes too near 1); a smaller size only where it
    // leaves fewer boxes over each other.
    var sizes = LABEL_SIZES.concat(CROWDED_SIZES), best = null;
    for (var i = 0; i < sizes.length && !(best && !best.clash); i++) {
      var size = Math.round(sizes[i] * unit * 10) / 10;
      var tried = arrange(themes, lengths, linked, size, width, height);
      if (!tried) { continue; }
      tried.size = size;
      var legible = i < LABEL_SIZES.length;
      if (!best || (legible ? tried.clash < best.clash : Math.floor(tried.clash / 100) < Math.floor(best.clash / 100))) {
        best = tried;
      }
    }
    if (!best) { return; } // more than the screen can hold: the server's picture, scaled
    svg.setAttribute('font-size', best.size);
    drawThemes(themes, best.boxes, best.size);
    drawLinks(svg, themes, best.boxes, best.size, width, height);
    svg.dataset.fit = fitted;
  }
  window.addEventListener('resize', fitToScreen);

  // In the capture phase: before linewalk.js puts focus back after a frame, so that a theme the frame
  // redrew is focusable again (its tabindex is set here) and focus stays on it, not on the next control.
  root.addEventListener('htmx:wsAfterMessage', refresh, true);
  refresh();
})();
