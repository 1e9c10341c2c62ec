/* The facilitator's board, what shows: cards filtered by text, sector and round; themes collapsed, one
 * or all at once (this screen's choice, kept per inquiry); exact and near-exact duplicates in a column
 * stacked as one card with a count. Runs on the page and after each frame, touching only what changed.
 * One entry point: this file. */
(function () {
  'use strict';

  var sender = window.LinewalkSender;
  var form = document.getElementById('ws-filter');
  if (!sender || !form) { return; }
  var code = sender.root.dataset.inquiry;
  var FOLDED_KEY = 'linewalk:folded:' + code;
  var keys = new WeakMap();   // card element -> its text, folded for comparing
  var filter = { q: '', sector: '', round: '' };
  var open = new Set();       // stacks opened by the person (their first card's id)

  function load() { try { return JSON.parse(window.localStorage.getItem(FOLDED_KEY)) || []; } catch (e) { return []; } }
  var folded = new Set(load().map(String));

  // Case, accents, punctuation and spacing aside: "Buses stop at six!" and "buses stop at six" are one.
  // Little words aside too ("the voluntary sector included" and "voluntary sector included!").
  var LITTLE = new Set(['a', 'an', 'the', 'and', 'or', 'of', 'to', 'in', 'on', 'for', 'is', 'are', 'it', 'its', 'be']);
  function fold(text) {
    return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  }
  function stackKey(text) {
    return fold(text).split(' ').filter(function (w) { return !LITTLE.has(w); }).join(' ');
  }
  function keysOf(card) {
    var found = keys.get(card);
    if (found === undefined) {
      var p = card.querySelector('.card-text');
      var text = p ? p.textContent : '';
      found = { text: fold(text), stack: stackKey(text) };
      keys.set(card, found);
    }
    return found;
  }
  function keyOf(card) { return keysOf(card).text; }

  function toggleClass(el, name, on) { if (el.classList.contains(name) !== on) { el.classList.toggle(name, on); } }

  function applyFilter(cards) {
    var q = fold(filter.q), any = q || filter.sector || filter.round, shown = 0;
    cards.forEach(function (card) {
      var out = !!any && ((q && keyOf(card).indexOf(q) < 0) || (filter.sector && card.dataset.sector !== filter.sector) ||
        (filter.round && card.dataset.round !== filter.round));
      toggleClass(card, 'is-filtered', out);
      if (!out) { shown++; }
    });
    var count = document.getElementById('ws-filter-count');
    var text = any ? shown + ' of ' + cards.length + ' cards match' : '';
    if (count && count.textContent !== text) { count.textContent = text; }
  }

  function themeSections() {
    var themes = document.getElementById('themes');
    return Array.prototype.filter.call(themes ? themes.children : [], function (el) { return el.classList.contains('theme'); });
  }

  function applyFolds() {
    themeSections().forEach(function (section) {
      var on = folded.has(section.dataset.theme);
      toggleClass(section, 'is-collapsed', on);
      var button = section.querySelector('.theme-collapse');
      if (button && button.getAttribute('aria-expanded') !== String(!on)) {
        button.setAttribute('aria-expanded', String(!on));
        button.title = on ? 'Expand' : 'Collapse';
        button.querySelector('.verb').textContent = button.title;
      }
    });
  }

  function saveFolds() {
    try { window.localStorage.setItem(FOLDED_KEY, JSON.stringify(Array.from(folded))); } catch (err) { /* private mode */ }
    applyFolds();
    document.dispatchEvent(new CustomEvent('linewalk:board-view'));
  }

  // In each column, a card whose folded text an earlier shown card has is stacked under that one.
  function applyStacks(lists) {
    lists.forEach(function (list) {
      var heads = new Map(), members = new Map();
      Array.prototype.forEach.call(list.querySelectorAll(':scope > .card[data-card]'), function (card) {
        var key = keysOf(card).stack;
        var head = key && !card.classList.contains('is-filtered') ? heads.get(key) : null;
        if (!head) {
          if (key && !card.classList.contains('is-filtered')) { heads.set(key, card); }
          members.set(card, []);
          toggleClass(card, 'is-stacked', false);
          toggleClass(card, 'is-stack-member', false);
          return;
        }
        members.get(head).push(card.dataset.card);
        var isOpen = open.has(head.dataset.card);
        toggleClass(card, 'is-stacked', !isOpen);
        toggleClass(card, 'is-stack-member', isOpen);
      });
      members.forEach(function (ids, head) { badge(head, ids); });
    });
  }

  function badge(card, ids) {
    var stack = ids.join(' ');
    if ((card.dataset.stack || '') === stack) { return; }
    var button = card.querySelector('.stack-count');
    if (!ids.length) {
      delete card.dataset.stack;
      if (button) { button.remove(); }
      return;
    }
    card.dataset.stack = stack;
    if (!button) {
      button = document.createElement('button');
      button.type = 'button';
      button.className = 'stack-count';
      button.dataset.action = 'stack-toggle';
      button.tabIndex = -1;
      var meta = card.querySelector('.card-meta');
      meta.parentNode.insertBefore(button, meta.nextSibling);
    }
    var n = ids.length + 1;
    button.textContent = '×' + n + ' the same';
    var hint = document.createElement('span');
    hint.className = 'visually-hidden';
    hint.textContent = open.has(card.dataset.card) ? ': stack them again' : ': show all ' + n;
    button.appendChild(hint);
    button.setAttribute('aria-expanded', String(open.has(card.dataset.card)));
  }

  function allCards() { return Array.prototype.slice.call(document.querySelectorAll('#board .card[data-card]')); }
  function lists() { return Array.prototype.slice.call(document.querySelectorAll('#board ol.cards')); }

  function applyAll() {
    applyFilter(allCards());
    applyFolds();
    applyStacks(lists());
    document.dispatchEvent(new CustomEvent('linewalk:board-view'));
  }

  function readFilter() {
    filter.q = form.elements.q.value;
    filter.sector = form.elements.sector.value;
    filter.round = form.elements.round.value;
    applyAll();
  }
  form.addEventListener('input', readFilter);
  form.addEventListener('change', readFilter);
  form.addEventListener('submit', function (e) { e.preventDefault(); readFilter(); });

  document.addEventListener('click', function (e) {
    var el = e.target.closest('[data-action]');
    if (!el) { return; }
    if (el.dataset.action === 'theme-collapse') {
      var id = el.closest('.theme').dataset.theme;
      if (folded.has(id)) { folded.delete(id); } else { folded.add(id); }
      saveFolds();
    } else if (el.dataset.action === 'themes-fold' || el.dataset.action === 'themes-unfold') {
      // Every theme on the board now; one that comes later (a suggestion accepted) comes expanded.
      folded.clear();
      if (el.dataset.action === 'themes-fold') {
        themeSections().forEach(function (section) { folded.add(section.dataset.theme); });
      }
      saveFolds();
    } else if (el.dataset.action === 'stack-toggle') {
      var head = el.closest('.card').dataset.card;
      if (open.has(head)) { open.delete(head); } else { open.add(head); }
      var card = el.closest('.card');
      card.dataset.stack = '';  // redraw its badge
      applyStacks([card.parentElement]);
    }
  });

  // The filter by round shows the room's round once the room moves on, when it showed the round before:
  // the new round's posts would otherwise arrive out of sight. Whatever else it showed (every round, an
  // earlier one chosen to look back at) stays.
  function roundOfRoom() {
    var banner = document.getElementById('round-banner');
    return banner ? banner.dataset.round || '' : '';
  }
  var roomRound = roundOfRoom();
  function followRoomRound() {
    var before = roomRound;
    roomRound = roundOfRoom();
    var select = form.elements.round;
    // (Before: '' until the page first hears of the room's round, whose filter, every round, stays.)
    if (!before || !roomRound || roomRound === before || select.value !== before) { return false; }
    if (!select.querySelector('option[value="' + roomRound + '"]')) {
      // A round added since the page was drawn: its option, named as the agenda numbers it.
      var items = Array.prototype.slice.call(document.querySelectorAll('#round-controls .rounds > li'));
      var index = items.map(function (li) { return li.dataset.round; }).indexOf(roomRound);
      select.appendChild(new Option('Round ' + (index + 1), roomRound));
    }
    select.value = roomRound;
    filter.round = roomRound;
    return true;
  }

  // After a frame: new or re-drawn cards are filtered, and the columns they are in stacked again.
  sender.root.addEventListener('htmx:wsAfterMessage', function (e) {
    var message = e.detail.message || '';
    if (message.indexOf('id="round-banner"') >= 0 && followRoomRound()) {
      applyAll();
      return;
    }
    if (message.indexOf('id="board"') >= 0 || message.indexOf('id="themes"') >= 0 || message.indexOf('id="live"') >= 0) {
      applyAll();
      return;
    }
    if (message.indexOf('card-') < 0 && message.indexOf('theme-') < 0) { return; }
    // The cards the frame drew and the columns they left or joined (swap.js), or, when it re-drew more
    // than a few cards, every card not seen before and every column.
    var frame = window.LinewalkFrame;
    var drawn = frame && frame.cards(), columns = frame && frame.lists();
    var touched = new Set(columns || []);
    var fresh = (drawn || allCards()).filter(function (card) {
      if (keys.has(card) || !card.closest('#board')) { return false; }
      touched.add(card.parentElement);
      return true;
    });
    if (filter.q || filter.sector || filter.round) { applyFilter(allCards()); } else { fresh.forEach(function (c) { toggleClass(c, 'is-filtered', false); }); }
    if (!columns) {
      // A card left a column: that column's stacks change too (its id is in some head's data-stack).
      lists().forEach(function (list) {
        list.querySelectorAll(':scope > .card[data-stack]').forEach(function (head) {
          head.dataset.stack.split(' ').forEach(function (id) {
            var member = document.getElementById('card-' + id);
            if (!member || member.parentElement !== list) { touched.add(list); }
          });
        });
      });
    }
    applyFolds();
    applyStacks(Array.from(touched).filter(function (list) { return list.matches('#board ol.cards'); }));
  });

  applyAll();
})();
