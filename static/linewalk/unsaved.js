/* What the server could not save while it could not reach its database (docs/protocol.md, "When the
 * database does not answer"). Posts, table posts and proposed actions are kept and sent again (linewalk.js,
 * sender.js); anything else (a move, a phase, a dot...) is refused as `unavailable` naming the action (`data-action`) and is not resent: the
 * room may have moved on. This module keeps that refusal honest: once the database answers again (a
 * change or an ack arrives), the line says which actions were not saved, or goes if the person has acted
 * since, and that notice goes with the person's next action. Listens on the page's socket; no entry point. */
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

  function statusLine() { return document.querySelector('#lw-status p'); }

  function say(text) {
    var el = document.getElementById('lw-status');
    if (!el) { return; }
    el.innerHTML = '';
    notice = document.createElement('p');
    notice.className = 'warn';
    notice.dataset.code = 'not_saved';
    notice.textContent = text;
    el.appendChild(notice);
  }

  function clearOwnLine() {
    var line = statusLine();
    if (line && (line === notice || line.dataset.action)) { line.parentNode.removeChild(line); }
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
        if (notice) { clearOwnLine(); }
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
      return;
    }
    if (!unsaved.length || !SAVED.test(message)) { return; }
    // The database answers again.
    var names = unsaved;
    unsaved = [];
    if (actedSince) {
      // Done again, or moved on from: the refusal's line has nothing left to say.
      if (statusLine() && statusLine().dataset.action) { clearOwnLine(); }
      return;
    }
    var line = statusLine();
    if (!line || line.dataset.action || line.dataset.code === 'unavailable' || line.className !== 'error') {
      say('The server reaches its database again. Not saved while it could not: ' + names.join('; ') +
        '. Do it again if it is still wanted.');
    }
  });
})();
