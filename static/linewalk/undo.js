/* Undo of the facilitator's own changes on the board (board.undo, docs/undo.md). After a move, a merge, a
 * theme deleted or suggestions accepted, the server puts a line in the status region (role=status: it
 * is announced) with an Undo button naming that change; pressing it, or Ctrl+Z / Cmd+Z anywhere but in a
 * text field, asks the server to undo it (Ctrl+Z: the last of theirs). The server answers with what it
 * did and, while there is more of theirs, a button for the change before. One entry point:
 * window.LinewalkUndo. */
(function () {
  'use strict';

  var sender = window.LinewalkSender;
  var region = document.getElementById('lw-status');
  if (!sender || !region || sender.role !== 'facilitator') { return; }

  var refocus = false; // the Undo button had focus: the next one takes it, so a keyboard user can go on

  function undo(change) {
    var message = { type: 'board', op: 'undo' };
    if (change) { message.change = parseInt(change, 10); }
    if (sender.send(message)) { sender.say('Undoing…', 'info'); }
  }

  region.addEventListener('click', function (e) {
    var button = e.target.closest('button[data-undo]');
    if (!button) { return; }
    refocus = document.activeElement === button || e.detail === 0;
    undo(button.dataset.undo);
  });

  function typing(el) {
    if (!el || !el.tagName) { return false; }
    if (el.isContentEditable) { return true; }
    if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') { return true; }
    if (el.tagName !== 'INPUT') { return false; }
    return !/^(button|submit|reset|checkbox|radio|range|color|file|image)$/i.test(el.type || 'text');
  }

  document.addEventListener('keydown', function (e) {
    if (e.key !== 'z' && e.key !== 'Z') { return; }
    if (!(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || e.repeat || typing(e.target)) { return; }
    e.preventDefault();
    refocus = false;
    undo(null);
  });

  if (window.MutationObserver) {
    new MutationObserver(function () {
      if (!refocus) { return; }
      var next = region.querySelector('p.undo button[data-undo]');
      if (next) { refocus = false; next.focus(); }
      else if (region.querySelector('p.undo, p.error')) { refocus = false; }
    }).observe(region, { childList: true, subtree: true });
  }

  window.LinewalkUndo = { undo: undo };
})();
