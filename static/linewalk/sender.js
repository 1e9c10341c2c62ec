/* What the page's own modules (map.js, next_steps.js, tables.js) share: the socket htmx's ws extension
 * opened, a way to send a message on it, a way to send one that must not be lost (kept until the server
 * has it), the status line that tells the person what happened, and the minutes a timer form takes
 * (the room's timer in linewalk.js, the tables' in tables.js). One entry point: window.LinewalkSender. */
(function () {
  'use strict';

  var root = document.getElementById('lw-socket');
  if (!root) { return; }
  var socket = null;
  root.addEventListener('htmx:wsOpen', function (e) { socket = e.detail.socketWrapper; resendKept(); });
  root.addEventListener('htmx:wsClose', function () {
    socket = null;
    if (retryTimer) { window.clearTimeout(retryTimer); retryTimer = null; }
  });
  // heartbeat.js: the socket went silent (nothing sent on it meanwhile arrives), and then answers again;
  // what it may have lost is sent again.
  var silent = false;
  root.addEventListener('lw:offline', function () { silent = true; });
  root.addEventListener('lw:online', function () { silent = false; resendKept(); });
  root.addEventListener('htmx:wsOpen', function () { silent = false; });

  // --- kept until the server has it -------------------------------------------------------------------
  // A table post (table.post) or a proposed action (step.add) carries a client id, and the server stores
  // each (author, client id) once and acknowledges a resend like the first copy (#lw-tack, #lw-step-ack
  // naming it): sending it again is harmless. So, like a post (linewalk.js), it is kept (in localStorage,
  // through a reload) until acknowledged: sent again when the socket opens again, and after 1, 2, 4, then
  // every 8 s while the server cannot save it yet (its database did not answer, too fast, a fault; not
  // longer, as for posts: linewalk.js). A refusal that names it for good (the round closed, no longer at a
  // table) ends it, and its text goes back in its box.
  var KEPT_KEY = 'linewalk:kept:' + root.dataset.inquiry;
  var ACKS = /<div id="lw-(?:tack|step-ack)"[^>]*data-ack="([0-9a-f-]+)"/g;
  var REFUSED = /data-code="([a-z_]+)"[^>]*data-client="([0-9a-f-]+)"/;
  var TRY_AGAIN = { unavailable: true, rate_limited: true, server_error: true };
  var kept = load();
  var retryTimer = null, retryDelay = 0, savedSince = [];

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEPT_KEY)) || []; } catch (e) { return []; }
  }
  function store() {
    try { window.localStorage.setItem(KEPT_KEY, JSON.stringify(kept)); } catch (e) { /* private mode */ }
  }

  function resendKept() {
    if (!socket) { return; }
    kept.forEach(function (item) { socket.send(JSON.stringify(item.message)); });
  }

  function retryLater() {
    if (retryTimer || !kept.length) { return; }
    retryDelay = Math.min(8000, retryDelay ? retryDelay * 2 : 1000);
    retryTimer = window.setTimeout(function () { retryTimer = null; resendKept(); }, retryDelay * (0.5 + Math.random() / 2));
  }

  function settle(clientId, refusedFor) {
    var item = kept.filter(function (k) { return k.message.client_id === clientId; })[0];
    if (!item) { return; }
    kept = kept.filter(function (k) { return k !== item; });
    store();
    if (refusedFor) {
      var box = item.box && document.getElementById(item.box);
      if (box && !box.value) { box.value = item.text; }
      return;
    }
    if (retryDelay && savedSince.indexOf(item.what) < 0) { savedSince.push(item.what); }
    if (retryDelay && !kept.length) {
      // Sent again while the server could not save it, and now saved: say so (unsaved.js says it
      // beside whatever was not saved meanwhile).
      retryDelay = 0;
      if (window.LinewalkUnsaved) {
        window.LinewalkUnsaved.saved(savedSince.join('; '));
      } else {
        say('Saved: ' + savedSince.join('; ') + '.', 'info');
      }
      savedSince = [];
    }
  }

  root.addEventListener('htmx:wsAfterMessage', function (e) {
    var message = e.detail.message || '';
    var found;
    ACKS.lastIndex = 0;
    while ((found = ACKS.exec(message))) { settle(found[1], false); }
    var refusal = REFUSED.exec(message);
    if (refusal && !TRY_AGAIN[refusal[1]]) { settle(refusal[2], true); }
    if (kept.length && /data-code="(?:unavailable|rate_limited|server_error)"/.test(message)) { retryLater(); }
  });

  // ``message`` (with its client_id) is sent now if it can be, and kept until the server has it. ``what``
  // names it in "Saved: …" once it lands after being refused for now; ``box``: the id of the text box its
  // ``text`` goes back to if it is refused for good.
  function sendKept(message, what, box, text) {
    kept.push({ message: message, what: what, box: box || '', text: text || '' });
    store();
    if (window.LinewalkStatus) { window.LinewalkStatus.acted(); }
    if (!socket || silent) {
      say('Offline: it is kept and will be sent when the connection is back.', 'info', 'connection');
      return true;
    }
    socket.send(JSON.stringify(message));
    return true;
  }

  // The status line (status.js says how long each line stays); ``about`` names what it is about.
  function say(text, kind, about) {
    if (window.LinewalkStatus) { window.LinewalkStatus.say(text, kind, about); }
  }

  // The seconds of the minutes someone typed in a timer form, "2.5" or "2,5" (two and a half, as a
  // decimal comma is written in much of Europe), to the nearest second; NaN for what is not a number.
  // The caller says what is out of its range.
  function secondsOf(minutes) {
    return Math.round(parseFloat(String(minutes).replace(',', '.')) * 60);
  }

  window.LinewalkSender = {
    root: root,
    role: root.dataset.role,
    say: say,
    sendKept: sendKept,
    secondsOf: secondsOf,
    send: function (message) {
      if (!socket || silent) {
        // Only what is kept (sendKept) waits to be sent; this is not, and the line says so.
        if (window.LinewalkStatus) { window.LinewalkStatus.notSent(); }
        return false;
      }
      if (window.LinewalkStatus) { window.LinewalkStatus.acted(); }
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
