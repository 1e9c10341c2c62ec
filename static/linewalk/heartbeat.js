/* The phone's heartbeat: a dropped network (Wi-Fi gone, a phone on the move) leaves a websocket open for
 * a long time, and the server's own pings come once a minute. So when the socket has been quiet for a
 * second, ask the server (sessions/protocol.py, PING); when nothing at all has come for 2.2 s, tell the
 * page it is offline (at most about 2.5 s after the network went) (its posts wait and are sent when anything is heard again: linewalk.js, lw:offline / lw:online),
 * and if it stays silent, give up on that socket and open another. Participants' pages only.
 * One entry point: window.LinewalkHeartbeat (start, and the figures, for tests and the curious). */
(function () {
  'use strict';

  var root = document.getElementById('lw-socket');
  if (!root || root.dataset.role !== 'participant') { return; }

  var PING = '{"type":"sync","op":"ping"}';
  var PONG = '<div id="lw-pong" hidden></div>';
  var QUIET_MS = 1000;      // ask after this long without a frame
  var SILENT_MS = 2200;     // offline after this long without a frame, asked or not
  var GIVE_UP_MS = 8000;    // then a new socket (with the page's usual reconnect backoff after that)
  var TICK_MS = 250;

  var wrapper = null;       // htmx's socket wrapper (send, reconnect)
  var raw = null;           // the WebSocket itself
  var heard = 0;            // when the last frame (or the opening) came
  var asked = 0;            // when the unanswered ping went (0: none)
  var offlineSince = 0;

  function now() { return Date.now(); }

  function tell(name) { root.dispatchEvent(new CustomEvent(name)); }

  function goOffline() {
    if (!offlineSince) { offlineSince = now(); tell('lw:offline'); }
  }

  function heardNow() {
    heard = now();
    asked = 0;
    if (offlineSince) { offlineSince = 0; tell('lw:online'); }
  }

  root.addEventListener('lw:socket', function (e) { raw = e.detail; });
  root.addEventListener('htmx:wsOpen', function (e) {
    wrapper = e.detail.socketWrapper;
    heard = now();
    asked = 0;
    offlineSince = 0;
  });
  root.addEventListener('htmx:wsClose', function () {
    wrapper = null;
    asked = 0;
    offlineSince = 0; // linewalk.js says offline on a close itself
  });
  root.addEventListener('htmx:wsBeforeMessage', function (e) {
    heardNow();
    if (e.detail.message === PONG) { e.preventDefault(); }
  });

  function giveUp() {
    // Forget the silent socket without letting its late close event speak for the new one.
    if (raw) { raw.onclose = null; raw.onerror = null; raw.onmessage = null; }
    var old = wrapper;
    wrapper = null;
    asked = 0;
    if (old && old.reconnect) { old.reconnect(); }
  }

  function tick() {
    if (!wrapper || !raw || raw.readyState !== 1) { return; }
    var t = now();
    if (asked && t - heard > SILENT_MS) { goOffline(); }
    if (offlineSince && t - offlineSince > GIVE_UP_MS) { giveUp(); return; }
    if (!asked && t - heard >= QUIET_MS) {
      asked = t;
      try { raw.send(PING); } catch (err) { goOffline(); }
    }
  }

  var timer = window.setInterval(tick, TICK_MS);
  window.addEventListener('offline', goOffline);
  window.addEventListener('online', function () { if (wrapper) { asked = 0; heard = 0; tick(); } });

  window.LinewalkHeartbeat = {
    quietMs: QUIET_MS, silentMs: SILENT_MS, giveUpMs: GIVE_UP_MS,
    stop: function () { window.clearInterval(timer); }
  };
})();
