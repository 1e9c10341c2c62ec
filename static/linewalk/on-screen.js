/* "On the shared screen": what the facilitator has put over the room's board on the presenter view (a
 * spotlight, an announcement, the systems map), named in one line at the top of the side column with a
 * button to take each down. The controls themselves stay where they are (the panel's spotlight and
 * announcement, the map's section, far down a long column); this line says what the room sees now, so
 * nothing is left over the shared screen by mistake. Worked out from the page's own live region after
 * every frame, so it is never out of step with the controls. One entry point: this file. */
(function () {
  'use strict';

  var line = document.getElementById('on-screen');
  var root = document.getElementById('lw-socket');
  if (!line || !root) { return; }
  var list = line.querySelector('ul');

  // What can be over the board, how to tell it is, what to call it and which control takes it down.
  var OVERLAYS = [
    {
      key: 'spotlight',
      shown: function () { var s = document.getElementById('spotlight'); return s && !s.hidden && document.getElementById('spotlight-clear'); },
      label: function () {
        var theme = document.querySelector('#spotlight .spotlight-theme');
        if (theme) { return 'Spotlight: ' + theme.textContent.trim(); }
        var card = document.querySelector('#spotlight .spotlight-card p');
        return 'Spotlight: ' + (card ? shorten(card.textContent.trim()) : 'a contribution');
      },
      end: 'End the spotlight',
      control: 'spotlight-clear'
    },
    {
      key: 'announcement',
      shown: function () { return document.getElementById('announcement-text') && document.getElementById('announce-clear'); },
      label: function () { return 'Announcement: ' + shorten(document.getElementById('announcement-text').textContent.trim()); },
      end: 'End the announcement',
      control: 'announce-clear'
    },
    {
      key: 'map',
      shown: function () { var b = document.getElementById('map-show'); return b && b.getAttribute('aria-pressed') === 'true'; },
      label: function () { return 'The systems map'; },
      end: 'Back to the board',
      control: 'map-show'
    }
  ];

  function shorten(text) { return text.length > 48 ? text.slice(0, 47).trimEnd() + '…' : text; }

  function draw() {
    var shown = OVERLAYS.filter(function (o) { return o.shown(); });
    var keys = shown.map(function (o) { return o.key + ':' + o.label(); }).join('|');
    if (list.dataset.keys === keys) { return; }
    // A button that keeps its place keeps focus: rebuild only when what is shown changed.
    var focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.dataset.overlay : null;
    list.dataset.keys = keys;
    list.textContent = '';
    shown.forEach(function (o) {
      var item = document.createElement('li');
      var what = document.createElement('span');
      what.textContent = o.label();
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'small';
      button.dataset.overlay = o.key;
      button.textContent = o.end;
      button.addEventListener('click', function () {
        var control = document.getElementById(o.control);
        if (control) { control.click(); }
      });
      item.appendChild(what);
      item.appendChild(button);
      list.appendChild(item);
    });
    line.hidden = !shown.length;
    if (focused) {
      var again = list.querySelector('[data-overlay="' + focused + '"]');
      (again || document.getElementById('on-screen-heading')).focus();
    }
  }

  root.addEventListener('htmx:wsAfterMessage', draw);
  draw();
})();
