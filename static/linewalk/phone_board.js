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

  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('#board button.column-toggle');
    if (!button) { return; }
    var section = button.closest('section.theme');
    var key = keyOf(section);
    open[key] = !isOpenNow(key);
    remember();
    show(section);
  });

  window.LinewalkPhoneBoard = { apply: apply };
  apply();
})();
