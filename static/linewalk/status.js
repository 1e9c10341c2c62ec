/* How long a line stays in the status region (#lw-status, role=status: each new line is announced). The
 * page's modules and the server (sessions/protocol.py error_frame, info_frame) put lines there; this
 * module takes them away when they no longer hold:
 * - a line about the connection ("Not connected right now") goes when the connection is back;
 * - an error stays until the person acts again (it must stay long enough to be read: WCAG 2.2.1), and
 *   then goes: their next action succeeds or brings its own line;
 * - an info line goes after INFO_MS, a progress line ("…") once its thing is done (its module clears it
 *   or says the outcome) or after PROGRESS_MS at most.
 * A line a module still follows (unsaved.js: data-action, its notices) is left to that module.
 * One entry point: window.LinewalkStatus (say, notSent, acted, clear). */
(function () {
  'use strict';

  var INFO_MS = 8000;
  var PROGRESS_MS = 30000; // "Moving 40 cards…", "Working out themes…": until done, or this long at most
  var region = document.getElementById('lw-status');
  var root = document.getElementById('lw-socket');

  function lines() { return region ? Array.prototype.slice.call(region.querySelectorAll('p')) : []; }
  function drop(p) { if (p.parentNode) { p.parentNode.removeChild(p); } }
  // unsaved.js keeps these itself: the refusal it repeats once the database is back, and its notices.
  function followedElsewhere(p) { return p.hasAttribute('data-action') || p.dataset.code === 'not_saved' || p.dataset.code === 'saved'; }

  // Every info line that comes (from the page or from the server) goes after a while, unless a newer
  // line took its place first.
  function timeOut(p) {
    if (p.dataset.timed || !p.classList.contains('info') || followedElsewhere(p)) { return; }
    p.dataset.timed = '1';
    var progress = /…$/.test(p.textContent.trim());
    window.setTimeout(function () { drop(p); }, progress ? PROGRESS_MS : INFO_MS);
  }
  if (region && window.MutationObserver) {
    new MutationObserver(function () { lines().forEach(timeOut); }).observe(region, { childList: true, subtree: true });
  }

  // ``about``: what the line is about (connection, suggest ...), so that it can be cleared when that
  // thing is done.
  function say(text, kind, about) {
    if (!region) { return null; }
    region.innerHTML = '';
    var p = document.createElement('p');
    p.className = kind || 'info';
    if (about) { p.dataset.about = about; }
    p.textContent = text;
    region.appendChild(p);
    return p;
  }

  // A message that could not go (no connection): only posts wait to be sent (sender.js, linewalk.js),
  // so a participant is told this one did not, in the header's terms; ``what``: "your reaction"...
  function notSent(what) {
    say(root && root.dataset.role === 'participant'
      ? 'Offline: ' + (what || 'that') + ' was not sent (only posts wait to be sent). Do it again once you are back online.'
      : 'Not connected right now: try again in a moment.', 'error', 'connection');
  }

  function clear(about) {
    lines().forEach(function (p) { if (p.dataset.about === about) { drop(p); } });
  }

  // The person acted again (a message went to the server): what the status said about their last
  // action no longer holds.
  function acted() {
    lines().forEach(function (p) { if (!followedElsewhere(p)) { drop(p); } });
  }

  if (root) {
    root.addEventListener('htmx:wsOpen', function () { clear('connection'); });
    root.addEventListener('lw:online', function () { clear('connection'); });
  }

  window.LinewalkStatus = { say: say, notSent: notSent, clear: clear, acted: acted, infoMs: INFO_MS };
})();
