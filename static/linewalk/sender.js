/* What the page's own modules (map.js, next_steps.js) share: the socket htmx's ws extension opened, a way
 * to send a message on it, and the status line that tells the person what happened. One entry point:
 * window.LinewalkSender. */
(function () {
  'use strict';

  var root = document.getElementById('lw-socket');
  if (!root) { return; }
  var socket = null;
  root.addEventListener('htmx:wsOpen', function (e) { socket = e.detail.socketWrapper; });
  root.addEventListener('htmx:wsClose', function () { socket = null; });

  function say(text, kind) {
    var el = document.getElementById('lw-status');
    if (!el) { return; }
    el.innerHTML = '';
    var p = document.createElement('p');
    p.className = kind || 'info';
    p.textContent = text;
    el.appendChild(p);
  }

  window.LinewalkSender = {
    root: root,
    role: root.dataset.role,
    say: say,
    send: function (message) {
      if (!socket) { say('Not connected right now: try again in a moment.', 'error'); return false; }
      socket.send(JSON.stringify(message));
      return true;
    },
    // Keep a <select>'s options in step with [[value, label, group]] (untouched while they are the same).
    // The link form lists every card on the board: a list that only grew at its end (new posts) gets
    // the new options added; anything else is rebuilt in one pass. Rebuilding it on every frame, an
    // option at a time with a search for its group each, cost 0.5 s a frame at 3,000 cards and kept the
    // facilitator's page minutes behind the room (docs/benchmarks.md, "A big board under a stream of
    // posts").
    fill: function (select, items, keep) {
      if (!select) { return; }
      keep = keep || 1;
      var had = select.dataset.filled ? filled.get(select) : null;
      if (had && had.keep === keep && grewAtEnd(had.items, items)) {
        if (items.length > had.items.length) { add(select, items.slice(had.items.length), groupsOf(select)); }
      } else {
        var chosen = select.value;
        var kept = Array.prototype.slice.call(select.options, 0, keep).filter(function (o) { return o.parentElement === select; });
        select.replaceChildren.apply(select, kept);
        add(select, items, new Map());
        select.value = chosen;
      }
      filled.set(select, { items: items.slice(), keep: keep });
      select.dataset.filled = String(items.length);
    }
  };

  var filled = new WeakMap();  // select -> {items, keep} it was last filled with

  function same(a, b) { return a[0] === b[0] && a[1] === b[1] && (a[2] || '') === (b[2] || ''); }

  // Whether ``items`` is ``before`` with nothing or more after it.
  function grewAtEnd(before, items) {
    if (items.length < before.length) { return false; }
    for (var i = 0; i < before.length; i++) { if (!same(before[i], items[i])) { return false; } }
    return true;
  }

  function groupsOf(select) {
    var groups = new Map();
    Array.prototype.forEach.call(select.children, function (el) {
      if (el.tagName === 'OPTGROUP' && !groups.has(el.label)) { groups.set(el.label, el); }
    });
    return groups;
  }

  // Options for ``items`` at the end of their groups (made where missing), added to the page at once.
  function add(select, items, groups) {
    var loose = document.createDocumentFragment();
    items.forEach(function (item) {
      var option = document.createElement('option');
      option.value = item[0];
      option.textContent = item[1];
      if (!item[2]) { loose.appendChild(option); return; }
      var group = groups.get(item[2]);
      if (!group) {
        group = document.createElement('optgroup');
        group.label = item[2];
        groups.set(item[2], group);
        loose.appendChild(group);  // in order of first appearance, as before
      }
      group.appendChild(option);
    });
    select.appendChild(loose);
  }
})();
