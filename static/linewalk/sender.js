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
    // Keep a <select>'s options in step with [[value, label]] (untouched while they are the same).
    fill: function (select, items, keep) {
      var key = JSON.stringify(items);
      if (!select || select.dataset.filled === key) { return; }
      var chosen = select.value;
      select.dataset.filled = key;
      while (select.options.length > (keep || 1)) { select.remove(keep || 1); }
      items.forEach(function (item) {
        var option = document.createElement('option');
        option.value = item[0];
        option.textContent = item[1];
        (item[2] ? group(select, item[2]) : select).appendChild(option);
      });
      select.value = chosen;
    }
  };

  function group(select, label) {
    var found = Array.prototype.filter.call(select.querySelectorAll('optgroup'), function (g) { return g.label === label; })[0];
    if (!found) {
      found = document.createElement('optgroup');
      found.label = label;
      select.appendChild(found);
    }
    return found;
  }
})();
