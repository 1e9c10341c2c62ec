/* The facilitator's board from the keyboard (the ARIA grid pattern): the whole board is one Tab stop (a
 * roving tabindex on the cards' cells); arrows move between cards, Ctrl+Up/Down between columns, Page
 * Up/Down by ten, Home/End to a column's ends; Space selects (select.js), Shift+arrow selects as it goes;
 * Enter reaches the card's buttons and Escape comes back. One entry point: this file. */
(function () {
  'use strict';

  if (!document.getElementById('workspace') || !window.LinewalkSender) { return; }
  var current = null;   // the card id holding the Tab stop

  function cellOf(card) { return card && card.querySelector(':scope > .cell'); }
  function cardOf(el) { return el && el.closest && el.closest('#board .card[data-card]'); }
  function usable(card) {
    return !card.classList.contains('is-filtered') && !card.classList.contains('is-stacked') &&
      !card.classList.contains('other-round') && !card.closest('.theme.is-collapsed');
  }
  function cardsIn(list) { return Array.prototype.filter.call(list.querySelectorAll(':scope > .card[data-card]'), usable); }
  function columns() {
    return Array.prototype.filter.call(document.querySelectorAll('#board ol.cards[role=grid]'), function (list) {
      return cardsIn(list).length > 0;
    });
  }

  function setStop(card) {
    var old = current && document.getElementById('card-' + current);
    if (old && old !== card) {
      var oldCell = cellOf(old);
      if (oldCell) { oldCell.tabIndex = -1; }
      controls(old, false);
    }
    current = card ? card.dataset.card : null;
    var cell = cellOf(card);
    if (cell && cell.tabIndex !== 0) { cell.tabIndex = 0; }
  }

  // The Tab stop stays on a card that is there and shown; else on the first card of the board.
  function ensureStop() {
    var card = current && document.getElementById('card-' + current);
    if (!card || !usable(card)) {
      var first = columns()[0];
      card = first ? cardsIn(first)[0] : null;
    }
    setStop(card);
  }

  function go(card, extend) {
    if (!card) { return; }
    setStop(card);
    cellOf(card).focus();
    if (extend && window.LinewalkSelect && !window.LinewalkSelect.has(card)) { window.LinewalkSelect.toggle(card); }
  }

  function centre(r) { return { x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2 }; }

  // The nearest card in a direction inside the same column (its dense grid or its list).
  function nearest(card, list, dx, dy) {
    var from = card.getBoundingClientRect(), c = centre(from), best = null, bestScore = Infinity;
    cardsIn(list).forEach(function (other) {
      if (other === card) { return; }
      var r = other.getBoundingClientRect(), o = centre(r);
      var ahead = dx ? (dx > 0 ? r.left >= from.right - 2 : r.right <= from.left + 2)
        : (dy > 0 ? r.top >= from.bottom - 2 : r.bottom <= from.top + 2);
      if (!ahead) { return; }
      var along = dx ? Math.abs(o.x - c.x) : Math.abs(o.y - c.y);
      var across = dx ? Math.abs(o.y - c.y) : Math.abs(o.x - c.x);
      var score = along + across * 3;
      if (score < bestScore) { bestScore = score; best = other; }
    });
    return best;
  }

  // The card of the next column (left to right on the board) nearest this one's height.
  function acrossColumns(card, step) {
    var cols = columns(), list = card.parentElement, at = cols.indexOf(list) + step;
    if (at < 0 || at >= cols.length) { return null; }
    var y = card.getBoundingClientRect().top, cards = cardsIn(cols[at]), best = cards[0], gap = Infinity;
    cards.forEach(function (other) {
      var d = Math.abs(other.getBoundingClientRect().top - y);
      if (d < gap) { gap = d; best = other; }
    });
    return best;
  }

  function firstOfColumn(card, step) {
    var cols = columns(), at = cols.indexOf(card.parentElement) + step;
    return at >= 0 && at < cols.length ? cardsIn(cols[at])[0] : null;
  }

  function byCount(card, n) {
    var cards = cardsIn(card.parentElement), at = cards.indexOf(card) + n;
    return cards[Math.max(0, Math.min(cards.length - 1, at))];
  }

  // A card's own buttons show, and are in the Tab order, only once it is opened: Enter on it, or its
  // actions button (⋯) for a pointer; they go again when focus leaves the card.
  function controls(card, on) {
    if (!card) { return; }
    card.querySelectorAll('.card-tools button').forEach(function (b) { b.tabIndex = on ? 0 : -1; });
    card.classList.toggle('is-open', on);
    var menu = card.querySelector('.card-menu');
    if (menu) { menu.setAttribute('aria-expanded', String(on)); }
  }

  document.addEventListener('keydown', function (e) {
    var target = e.target;
    if (target.classList && target.classList.contains('cell') && cardOf(target)) {
      var card = cardOf(target), list = card.parentElement, next = null;
      switch (e.key) {
        case 'ArrowDown': next = e.ctrlKey ? firstOfColumn(card, 1) : nearest(card, list, 0, 1) || byCount(card, 1); break;
        case 'ArrowUp': next = e.ctrlKey ? firstOfColumn(card, -1) : nearest(card, list, 0, -1) || byCount(card, -1); break;
        case 'ArrowRight': next = nearest(card, list, 1, 0) || acrossColumns(card, 1); break;
        case 'ArrowLeft': next = nearest(card, list, -1, 0) || acrossColumns(card, -1); break;
        case 'PageDown': next = byCount(card, 10); break;
        case 'PageUp': next = byCount(card, -10); break;
        case 'Home': next = e.ctrlKey ? cardsIn(columns()[0])[0] : cardsIn(list)[0]; break;
        case 'End': next = e.ctrlKey ? (function (c) { var l = cardsIn(c[c.length - 1]); return l[l.length - 1]; })(columns()) : cardsIn(list)[cardsIn(list).length - 1]; break;
        case ' ':
          e.preventDefault();
          if (window.LinewalkSelect) { if (e.shiftKey) { window.LinewalkSelect.extendTo(card); } else { window.LinewalkSelect.toggle(card); } }
          return;
        case 'Enter': case 'F2':
          e.preventDefault();
          controls(card, true);
          var first = card.querySelector('.card-tools button:not([disabled])');
          if (first) { first.focus(); }
          return;
        case 'Escape':
          if (window.LinewalkSelect && window.LinewalkSelect.size()) { e.preventDefault(); window.LinewalkSelect.clear(); }
          return;
        default: return;
      }
      e.preventDefault();
      if (next && next !== card) { go(next, e.shiftKey); } else if (e.shiftKey) { go(card, true); }
      return;
    }
    var inCard = cardOf(target);
    if (inCard && e.key === 'Escape' && target.closest('.card-tools')) {
      e.preventDefault();
      controls(inCard, false);
      go(inCard, false);
    }
  });

  // Wherever focus lands on a card (a click, a re-drawn card given focus back), the Tab stop follows.
  document.addEventListener('focusin', function (e) {
    var card = cardOf(e.target);
    if (card && current !== card.dataset.card) { setStop(card); }
    if (card && e.target.closest('.card-tools') && !card.classList.contains('is-open')) { controls(card, true); }
  });
  document.addEventListener('focusout', function (e) {
    var card = cardOf(e.target);
    // Into a dialog one of its buttons opened (Move): it stays open, for focus to come back to.
    var toDialog = e.relatedTarget && e.relatedTarget.closest && e.relatedTarget.closest('dialog');
    if (card && card.classList.contains('is-open') && !card.contains(e.relatedTarget) && !toDialog) { controls(card, false); }
  });

  document.addEventListener('click', function (e) {
    var menu = e.target.closest('[data-action=card-menu]');
    var card = menu && cardOf(menu);
    if (!card) { return; }
    var on = !card.classList.contains('is-open');
    controls(card, on);
    var first = on && card.querySelector('.card-tools button:not([disabled])');
    if (first) { first.focus(); } else { menu.focus(); }
  });

  // "Skip to the cards": straight to the card holding the Tab stop.
  document.addEventListener('click', function (e) {
    var link = e.target.closest('[data-action=to-board]');
    if (!link) { return; }
    e.preventDefault();
    ensureStop();
    var card = current && document.getElementById('card-' + current);
    if (card) { go(card, false); }
  });

  // Keep a card in view while focus stays on ``el`` (the card or one of its buttons): scrolled to within its
  // column and the window, now and over the next few frames drawn (the cards around it that were out of
  // view, content-visibility: auto, take their real heights only then, which moves it down a long list).
  function keepInView(card, el) {
    var frames = 10;
    (function show() {
      if (document.activeElement !== el) { return; }
      card.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      // A card's opened buttons lie under it (workspace.css): the one with focus is in view too.
      if (el !== cellOf(card)) { el.scrollIntoView({ block: 'nearest', inline: 'nearest' }); }
      if (--frames > 0) { window.requestAnimationFrame(show); }
    })();
  }

  // Focus on a card, in view: the card itself, its buttons closed.
  function bring(card) {
    if (!card) { return; }
    controls(card, false);
    go(card, false);
    keepInView(card, cellOf(card));
  }

  // A card that a frame moved to another column while focus was on it or on one of its buttons (the Move
  // dialog, a drop, another facilitator's move): focus goes with it (on its Move button again, linewalk.js,
  // or on the card) and the card is scrolled into view in its new place (WCAG 2.4.3, 2.4.11).
  var focused = null;   // {id, list}: the card focus was in before the frame
  window.LinewalkSender.root.addEventListener('htmx:wsBeforeMessage', function () {
    var card = cardOf(document.activeElement);
    focused = card ? { id: card.id, list: card.parentElement && card.parentElement.id } : null;
  });
  function followMoved() {
    var was = focused, card = was && document.getElementById(was.id);
    focused = null;
    if (!card || !card.parentElement || card.parentElement.id === was.list || !usable(card)) { return; }
    if (card.contains(document.activeElement)) { keepInView(card, document.activeElement); } else { bring(card); }
  }

  // A control inside a card's buttons that focus should go back to (linewalk.js, after a frame re-drew
  // the card: Hide became Restore) is shown first: the card opens again. bring: focus on a card, in view.
  window.LinewalkGrid = {
    reveal: function (el) {
      var card = el && el.closest && el.closest('.card-tools') && cardOf(el);
      if (card && !card.classList.contains('is-open')) { controls(card, true); }
    },
    bring: bring
  };

  window.LinewalkSender.root.addEventListener('htmx:wsAfterMessage', function () { ensureStop(); followMoved(); });
  document.addEventListener('linewalk:board-view', ensureStop);
  ensureStop();
})();
