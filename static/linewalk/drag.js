/* The facilitator's board, dragging: the board's scrolling parts (and the page) scroll while a card is held
 * near their edge, so a long drag reaches any theme; a selected card carries the whole selection with it
 * (one card.move_many). A single card's drop stays with linewalk.js (card.move). One entry point: this file. */
(function () {
  'use strict';

  var sender = window.LinewalkSender;
  if (!sender || !document.getElementById('workspace')) { return; }
  var EDGE = 56;      // px from an edge where scrolling starts
  var FASTEST = 28;   // px per dragover event at the very edge
  var many = null;    // the selection being dragged

  function speed(distance) { return distance < EDGE ? Math.ceil(FASTEST * (1 - distance / EDGE)) : 0; }

  function scrollables(x, y) {
    var found = [];
    for (var el = document.elementFromPoint(x, y); el && el !== document.body; el = el.parentElement) {
      if (el.scrollHeight > el.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(el).overflowY)) { found.push(el); }
    }
    return found;
  }

  function autoScroll(e) {
    var x = e.clientX, y = e.clientY;
    scrollables(x, y).forEach(function (el) {
      var r = el.getBoundingClientRect();
      var down = speed(r.bottom - y), up = speed(y - r.top);
      if (down) { el.scrollTop += down; } else if (up) { el.scrollTop -= up; }
    });
    var down = speed(window.innerHeight - y), up = speed(y);
    if (down) { window.scrollBy(0, down); } else if (up) { window.scrollBy(0, -up); }
  }

  document.addEventListener('dragstart', function (e) {
    var card = e.target.closest && e.target.closest('#board .card[data-card]');
    var select = window.LinewalkSelect;
    many = card && select && select.has(card) && select.size() > 1 ? select.ids() : null;
    if (many) { sender.say('Moving ' + many.length + ' selected cards: drop them on a theme.', 'info'); }
  });
  document.addEventListener('dragend', function () { many = null; });
  document.addEventListener('dragover', autoScroll);

  // Ahead of linewalk.js's own drop (capture phase): a selection goes as one move.
  document.addEventListener('drop', function (e) {
    if (!many) { return; }
    var section = e.target.closest('#board .theme');
    if (!section) { return; }
    e.preventDefault();
    e.stopPropagation();
    document.querySelectorAll('.drop-target').forEach(function (el) { el.classList.remove('drop-target'); });
    window.LinewalkSelect.move(section.dataset.theme || '');
    many = null;
  }, true);
})();
