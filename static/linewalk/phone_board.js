/* The room's board on a phone: newest first in every column, and each theme collapsible to its name and
 * count (on a big board, more than SMALL cards, themes start collapsed and the cards not yet in a theme
 * open; on a small one everything starts open; a person's choice is kept for the inquiry). Applied after every frame, since the server's swaps re-draw columns in the facilitators'
 * order (linewalk.js calls apply before it puts focus back). One entry point:
 * window.LinewalkPhoneBoard.apply(). */
(function () {
  'use strict';

  var root = document.getElementById('lw-socket');
  if (!root || root.dataset.role !== 'participant') { return; }
  var KEY = 'linewalk:open-themes:' + root.dataset.inquiry;
  var open;
  try { open = JSON.parse(window.localStorage.getItem(KEY)) || null; } catch (e) { open = null; }
  // A person's choices: {column key: open?}; a column key is a theme's id, or "unsorted".
  open = open || {};
  var SMALL = 60;
  var big = false;

  function remember() {
    try { window.localStorage.setItem(KEY, JSON.stringify(open)); } catch (e) { /* private mode */ }
  }

  function number(li) { return parseInt(li.id.slice(5), 10) || 0; }

  // Newest (the highest card id) first; a new card at the end moves to its place in one step.
  function newestFirst(list) {
    var items = list.children;
    for (var i = 1; i < items.length; i++) {
      var id = number(items[i]);
      if (id > number(items[i - 1])) {
        var j = i - 1;
        while (j > 0 && number(items[j - 1]) < id) { j--; }
        list.insertBefore(items[i], items[j]);
      }
    }
  }

  function keyOf(section) { return section.dataset.theme || 'unsorted'; }

  function toggleFor(section) {
    var heading = section.querySelector('.column-header h3');
    if (!heading) { return null; }
    var button = heading.querySelector('button.column-toggle');
    if (!button) {
      var list = section.querySelector('ol.cards');
      button = document.createElement('button');
      button.type = 'button';
      button.className = 'column-toggle';
      button.id = section.id + '-toggle';
      if (list) { button.setAttribute('aria-controls', list.id); }
      var sign = document.createElement('span');
      sign.className = 'toggle-sign';
      sign.setAttribute('aria-hidden', 'true');
      button.appendChild(sign);
      while (heading.firstChild) { button.appendChild(heading.firstChild); }
      heading.appendChild(button);
    }
    return button;
  }

  function show(section) {
    var isOpen = isOpenNow(keyOf(section));
    var button = toggleFor(section);
    if (button && button.getAttribute('aria-expanded') !== String(isOpen)) { button.setAttribute('aria-expanded', String(isOpen)); }
    if (section.classList.contains('is-collapsed') === isOpen) { section.classList.toggle('is-collapsed', !isOpen); }
  }

  function isOpenNow(key) {
    return key in open ? open[key] : key === 'unsorted' || !big;
  }

  function apply() {
    big = document.querySelectorAll('#board li.card').length > SMALL;
    document.querySelectorAll('#board ol.cards').forEach(newestFirst);
    document.querySelectorAll('#board section.theme').forEach(show);
  }

  function toggle(button) {
    var section = button.closest('section.theme');
    var key = keyOf(section);
    open[key] = !isOpenNow(key);
    remember();
    show(section);
  }

  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('#board button.column-toggle');
    if (button) { toggle(button); }
  });

  // A tap pressed on a toggle is the toggle's even when a frame moved the column while the finger was
  // down (a card leaving the column above it, as the facilitators sort): the browser gives the click to
  // whatever then lies under the finger (that card; with a mouse, the column). A pointer that stayed
  // where it pressed meant the toggle; one that moved off it (SLOP) did not.
  var SLOP = 16;
  var pressed = null; // {id, x, y}: the toggle the pointer went down on, and where
  document.addEventListener('pointerdown', function (e) {
    var button = e.target.closest && e.target.closest('#board button.column-toggle');
    pressed = button && e.isPrimary ? { id: button.id, x: e.clientX, y: e.clientY } : null;
  }, true);
  document.addEventListener('pointercancel', function () { pressed = null; }, true);
  document.addEventListener('click', function (e) {
    var press = pressed;
    pressed = null;
    var button = press && document.getElementById(press.id); // re-drawn with its column: the same id
    if (!button || button.contains(e.target)) { return; }
    if (Math.abs(e.clientX - press.x) > SLOP || Math.abs(e.clientY - press.y) > SLOP) { return; }
    e.preventDefault();
    e.stopImmediatePropagation();
    toggle(button);
  }, true);

  window.LinewalkPhoneBoard = { apply: apply };
  apply();
})();
