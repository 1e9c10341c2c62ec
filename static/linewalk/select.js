/* The facilitator's workspace: selecting cards (a click selects just that card, as in a file manager;
 * Ctrl/Cmd+click adds or takes one away, Shift+click a run; Space from grid-keys.js adds, "Like this")
 * and moving them all with one action (card.move_many, docs/protocol.md). One entry point:
 * window.LinewalkSelect. The selection is this screen's own; the move reaches every screen as one event. */
(function () {
  'use strict';

  var sender = window.LinewalkSender;
  var workspace = document.getElementById('workspace');
  if (!sender || !workspace) { return; }

  var selected = new Set();   // card ids (strings)
  var placed = new Map();     // card id -> the column it was in when selected (a theme's id, '' unsorted)
  var anchor = null;          // the card a Shift+click runs from

  function cardEl(id) { return document.getElementById('card-' + id); }
  function idOf(card) { return card.dataset.card; }

  // Cards a person can see on the board now, in board order (columns left to right, top to bottom).
  function shownCards() {
    return Array.prototype.filter.call(document.querySelectorAll('#board .card[data-card]'), function (card) {
      return !card.classList.contains('is-filtered') && !card.classList.contains('other-round') &&
        !card.closest('.theme.is-collapsed');
    });
  }

  // A stack of duplicates (board-view.js) is selected as a whole through its first card.
  function withStack(card) {
    var ids = [idOf(card)];
    (card.dataset.stack || '').split(' ').filter(Boolean).forEach(function (id) { ids.push(id); });
    return ids;
  }

  function columnOf(card) {
    var section = card && card.closest('.theme');
    return section ? section.dataset.theme || '' : '';
  }

  function mark(id, on) {
    var card = cardEl(id);
    if (!card) { return; }
    if (card.classList.contains('is-selected') !== on) { card.classList.toggle('is-selected', on); }
    var cell = card.querySelector(':scope > .cell');
    if (cell && cell.getAttribute('aria-selected') !== String(on)) { cell.setAttribute('aria-selected', String(on)); }
  }

  function set(ids, on) {
    ids.forEach(function (id) {
      if (on) { selected.add(id); placed.set(id, columnOf(cardEl(id))); } else { selected.delete(id); placed.delete(id); }
      mark(id, on);
    });
    update();
  }

  function toggle(card) {
    var on = !selected.has(idOf(card));
    set(withStack(card), on);
    anchor = idOf(card);
  }

  function extendTo(card) {
    var shown = shownCards();
    var from = shown.indexOf(anchor ? cardEl(anchor) : null);
    var to = shown.indexOf(card);
    if (from < 0) { toggle(card); return; }
    var ids = [];
    shown.slice(Math.min(from, to), Math.max(from, to) + 1).forEach(function (c) { ids = ids.concat(withStack(c)); });
    set(ids, true);
  }

  // A plain click: this card alone (a click on the card that is the whole selection takes it away).
  function only(card) {
    var ids = withStack(card), alone = selected.size === ids.length && ids.every(function (id) { return selected.has(id); });
    clear();
    if (!alone) { set(ids, true); }
    anchor = idOf(card);
  }

  function clear() {
    var ids = Array.from(selected);
    selected.clear();
    placed.clear();
    ids.forEach(function (id) { mark(id, false); });
    anchor = null;
    update();
  }

  // Ids in board order, so the cards keep their order in the theme they go to.
  function orderedSelection() {
    var order = Array.prototype.map.call(document.querySelectorAll('#board .card[data-card]'), idOf);
    return order.filter(function (id) { return selected.has(id); });
  }

  function update() {
    var n = selected.size;
    var label = document.getElementById('ws-selected');
    var text = n ? n + ' card' + (n === 1 ? '' : 's') + ' selected' : 'No cards selected';
    if (label && label.textContent !== text) { label.textContent = text; }
    ['ws-move', 'ws-clear'].forEach(function (id) {
      var b = document.getElementById(id);
      if (b && b.disabled !== !n) { b.disabled = !n; }
    });
  }

  var UNSORTED = 'Not yet in a theme';
  var moving = null; // the move sent and not yet seen on the board: {ids, theme, to, line}

  function themeName(themeId) {
    if (!themeId) { return UNSORTED; }
    var section = document.querySelector('#themes > .theme[data-theme="' + themeId + '"] .theme-name');
    return section ? section.textContent.trim() : 'the theme';
  }

  function moveSelected(themeId) {
    var ids = orderedSelection();
    if (!ids.length) { sender.say('Select some cards first: click them, or Space on a card.', 'error'); return; }
    var message = { type: 'card', op: 'move_many', cards: ids.map(Number), theme: themeId ? parseInt(themeId, 10) : null };
    if (sender.send(message)) {
      sender.say('Moving ' + ids.length + ' card' + (ids.length === 1 ? '' : 's') + '…', 'info');
      moving = { ids: ids, theme: themeId ? String(themeId) : '', to: themeName(themeId), line: document.querySelector('#lw-status p') };
      clear();
    }
  }

  // "Moving…" gives way to "Moved" once every card shows where it went; a refusal from the server (it
  // replaces the line) ends the wait too.
  function moveArrived() {
    if (!moving) { return; }
    var region = document.getElementById('lw-status');
    // The server's own line for the move (what was done, with its Undo button: board.undo) replaces ours
    // and says the rest; focus still waits for the cards. Any other line (a refusal) ends the wait.
    var told = !!region.querySelector('p.undo');
    if (!told && (!moving.line || !region.contains(moving.line))) { moving = null; return; }
    var there = moving.ids.every(function (id) {
      var card = cardEl(id);
      var section = card && card.closest('.theme');
      return card && (section ? section.dataset.theme || '' : '') === moving.theme;
    });
    if (!there) { return; }
    var n = moving.ids.length;
    // Move selected switched itself off as it sent (nothing is selected): focus goes to the first card
    // moved, in its new place, rather than to the top of the page.
    var active = document.activeElement;
    if ((!active || active === document.body || active.disabled) && window.LinewalkGrid) { window.LinewalkGrid.bring(cardEl(moving.ids[0])); }
    if (!told) { sender.say('Moved ' + n + ' card' + (n === 1 ? '' : 's') + (moving.theme ? ' to “' + moving.to + '”.' : ' back to ' + UNSORTED + '.'), 'info'); }
    moving = null;
  }

  // The Move menu lists the themes on the board. If the one chosen there goes (another facilitator
  // deleted or merged it), the menu says so rather than falling back to another target, and Move
  // selected moves nothing until another is chosen.
  function gone(select) { return select.querySelector('option[data-gone]'); }

  function themeOptions() {
    var select = document.getElementById('ws-move-to');
    if (!select) { return; }
    var themes = document.getElementById('themes');
    var sections = Array.prototype.filter.call(themes ? themes.children : [], function (el) { return el.classList.contains('theme'); });
    var items = sections.map(function (s) {
      var name = s.querySelector('.theme-name');
      return [s.dataset.theme, name ? name.textContent.trim() : ''];
    });
    var stale = gone(select);
    if (stale && !stale.selected) { stale.remove(); stale = null; }
    var chosen = select.value;
    var chosenName = select.selectedOptions.length ? select.selectedOptions[0].textContent : '';
    sender.fill(select, items, stale ? 2 : 1); // the "deleted" line (first) stays while it is the choice
    if (!stale && chosen && select.value !== chosen) { themeGone(select, chosenName); }
  }

  function themeGone(select, name) {
    var option = document.createElement('option');
    option.value = 'gone';
    option.disabled = true;
    option.dataset.gone = name;
    option.textContent = '“' + name + '” was deleted: choose again';
    select.insertBefore(option, select.firstChild);
    option.selected = true;
    sender.say('The theme you chose to move cards to, “' + name + '”, was deleted (or merged into another). Choose where to move them.', 'error');
  }

  function moveToChosen() {
    var select = document.getElementById('ws-move-to');
    var stale = gone(select);
    if (stale && stale.selected) {
      sender.say('“' + stale.dataset.gone + '” was deleted: choose where to move the selected cards first.', 'error');
      select.focus();
      return;
    }
    moveSelected(select.value);
  }

  document.addEventListener('change', function (e) {
    if (e.target.id !== 'ws-move-to') { return; }
    var stale = gone(e.target);
    if (stale && !stale.selected) { stale.remove(); }
  });

  function cardsLike(card) {
    var url = workspace.dataset.similarUrl.replace(/\/0\/$/, '/' + idOf(card) + '/');
    sender.say('Looking for cards like this one…', 'info');
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var ids = [idOf(card)];
        data.cards.forEach(function (id) {
          var c = cardEl(id);
          if (c && !c.classList.contains('is-filtered')) { ids = ids.concat(withStack(c)); }
        });
        set(ids, true);
        anchor = idOf(card);
        sender.say(ids.length > 1 ? 'Selected this card and ' + (ids.length - 1) + ' like it. Choose a theme and press Move selected.'
          : 'No unsorted card is much like this one.', 'info');
      })
      .catch(function () { sender.say('Could not look for similar cards just now.', 'error'); });
  }

  // A click on a card (not on its buttons) selects just it; Ctrl/Cmd adds it or takes it away, Shift runs
  // from the last one clicked (the walk-through's "3 cards selected", one already moved, came of clicks adding).
  document.addEventListener('click', function (e) {
    var action = e.target.closest('[data-action]');
    if (action) {
      if (action.dataset.action === 'move-selected') { moveToChosen(); }
      else if (action.dataset.action === 'clear-selection') { clear(); }
      else if (action.dataset.action === 'cards-like') { cardsLike(action.closest('.card')); }
      return;
    }
    if (e.target.closest('a, button, input, select, textarea, summary, label')) { return; }
    var card = e.target.closest('#board .card[data-card]');
    if (!card) { return; }
    if (e.shiftKey) { extendTo(card); } else if (e.ctrlKey || e.metaKey) { toggle(card); } else { only(card); }
  });

  // A frame may re-draw selected cards (unselected), delete them or move them (the Move dialog, a drop,
  // another facilitator): mark again; forget the gone and the moved, so Move selected never takes a card
  // back out of the theme it was just put in.
  sender.root.addEventListener('htmx:wsAfterMessage', function () {
    selected.forEach(function (id) {
      var card = cardEl(id);
      if (card && columnOf(card) === placed.get(id)) { mark(id, true); return; }
      selected.delete(id);
      placed.delete(id);
      if (card) { mark(id, false); }
    });
    themeOptions();
    update();
    moveArrived();
  });

  window.LinewalkSelect = {
    toggle: toggle, extendTo: extendTo, clear: clear, has: function (card) { return selected.has(idOf(card)); },
    ids: orderedSelection, size: function () { return selected.size; }, move: moveSelected
  };
  update();
})();
