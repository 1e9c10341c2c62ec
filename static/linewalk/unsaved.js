/* What the server could not save while it could not reach its database (docs/protocol.md, "When the
 * database does not answer"). Posts, table posts and proposed actions are kept and sent again (linewalk.js,
 * sender.js); anything else (a move, a phase, a dot...) is refused as `unavailable` naming the action
 * (`data-action`) and is not resent: the room may have moved on. This module keeps the status line honest
 * about both: once the database answers again (a change or an ack arrives), it says which actions were not
 * saved, or nothing if the person has acted since (that notice goes with their next action); and what was
 * kept and has now landed ("Saved: …", from linewalk.js and sender.js) shows beside it, neither line taking
 * the other's place. Listens on the page's socket. One entry point: window.LinewalkUnsaved.saved(what). */
(function () {
  'use strict';

  var root = document.getElementById('lw-socket');
  if (!root) { return; }
  var PING = '{"type":"sync","op":"ping"}';
  // A frame only a working database sends: a change, a table's change, an ack of a post, a table post or
  // a proposed action.
  var SAVED = /^<div id="lw-(?:seq|tseq|ack|tack|step-ack)"/;
  var REFUSAL = /^<div id="lw-status"[^>]*><p [^>]*data-code="unavailable"[^>]*data-action=/;
  var unsaved = []; // the actions refused as not saved, by name, since the database last answered
  var actedSince = false; // the person sent something after the last refusal
  var sentPosts = new Set(); // client ids already sent: a post sent again is not the person acting
  var notice = null; // the "not saved while it was away" line on show
  var savedLine = null; // the "Saved: …" line on show
  var savedWhat = []; // what it names

  function statusLine() { return document.querySelector('#lw-status p'); }
  function onShow(line) { return !!(line && line.isConnected); }

  function line(code, kind, text) {
    var p = document.createElement('p');
    p.className = kind;
    p.dataset.code = code;
    p.textContent = text;
    return p;
  }

  // The status line holds what is not saved, then what is, each while it is still on show: whichever
  // comes second joins the first rather than taking its place.
  function show(newNotice, newSaved) {
    var el = document.getElementById('lw-status');
    if (!el) { return; }
    var keepNotice = !newNotice && onShow(notice) ? notice : null;
    var keepSaved = !newSaved && onShow(savedLine) ? savedLine : null;
    el.innerHTML = '';
    notice = newNotice || keepNotice;
    savedLine = newSaved || keepSaved;
    if (notice) { el.appendChild(notice); }
    if (savedLine) { el.appendChild(savedLine); }
  }

  function say(text) { show(line('not_saved', 'warn', text), null); }

  function saved(what) {
    if (!onShow(savedLine)) { savedWhat = []; }
    what.split('; ').forEach(function (w) { if (w && savedWhat.indexOf(w) < 0) { savedWhat.push(w); } });
    show(null, line('saved', 'info', 'Saved: ' + savedWhat.join('; ') + '.'));
  }

  // The refusal's own line and the notice that followed it go; a "Saved: …" line stays.
  function clearOwnLines() {
    document.querySelectorAll('#lw-status p[data-action]').forEach(function (p) { p.parentNode.removeChild(p); });
    if (onShow(notice)) { notice.parentNode.removeChild(notice); }
    notice = null;
  }

  function personActed(data) {
    if (data === PING) { return false; }
    var message;
    try { message = JSON.parse(data); } catch (e) { return true; }
    if (message.type === 'sync') { return false; }
    if (message.client_id) {
      if (sentPosts.has(message.client_id)) { return false; }
      sentPosts.add(message.client_id);
    }
    return true;
  }

  root.addEventListener('lw:socket', function (e) {
    var ws = e.detail;
    var send = ws.send;
    ws.send = function (data) {
      if (personActed(data)) {
        actedSince = true;
        if (notice) { clearOwnLines(); }
      }
      return send.apply(ws, arguments);
    };
  });

  root.addEventListener('htmx:wsAfterMessage', function (e) {
    var message = e.detail.message || '';
    var refusal = document.querySelector('#lw-status [data-code=unavailable][data-action]');
    if (refusal && REFUSAL.test(message)) {
      var action = refusal.dataset.action;
      if (unsaved.indexOf(action) < 0) { unsaved.push(action); }
      actedSince = false;
      notice = null;
      savedLine = null;
      return;
    }
    if (!unsaved.length || !SAVED.test(message)) { return; }
    // The database answers again.
    var names = unsaved;
    unsaved = [];
    if (actedSince) {
      // Done again, or moved on from: the refusal's line has nothing left to say.
      if (document.querySelector('#lw-status p[data-action]')) { clearOwnLines(); }
      return;
    }
    var first = statusLine();
    if (!first || first.dataset.action || first.dataset.code === 'unavailable' || first.className !== 'error') {
      say('The server reaches its database again. Not saved while it could not: ' + names.join('; ') +
        '. Do it again if it is still wanted.');
    }
  });

  window.LinewalkUnsaved = { saved: saved };
})();
