/* What a participant is typing and has not posted yet (the contribution box, the next-steps form, their
 * table's box) outlives a reload: a phone reloads a page it switched away from. It is kept in this tab's
 * sessionStorage, per inquiry and participant, and put back in its box when the page (or the table's
 * frame that draws the box) comes again. Once posted it is no longer a draft: the post itself is kept
 * (localStorage) until the server acknowledges it and shown as "Sending" (linewalk.js, sender.js), so the
 * box is empty and so is its draft. Erasing one's contributions (the erase page's form) or being removed
 * from the inquiry forgets every draft of that inquiry. One entry point: window.LinewalkDrafts.forget. */
(function () {
  'use strict';

  var PREFIX = 'linewalk:draft:';
  var BOXES = '#compose-text, #step-what, #step-with, #step-when, textarea[id^="table-"][id$="-text"]';

  function storage() { try { return window.sessionStorage; } catch (e) { return null; } }

  function forgetInquiry(code) {
    var store = storage();
    if (!store) { return; }
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX + code + ':') === 0) { store.removeItem(key); }
    }
  }

  // The erase page (inquiry/erase.html): the drafts go with what is erased.
  document.addEventListener('submit', function (e) {
    var form = e.target.closest && e.target.closest('form[data-forget-drafts]');
    if (form) { forgetInquiry(form.dataset.forgetDrafts); }
  });

  var root = document.getElementById('lw-socket');
  if (!root || root.dataset.role !== 'participant' || !root.dataset.participant) { return; }
  var KEY = PREFIX + root.dataset.inquiry + ':' + root.dataset.participant;
  var forgotten = false;

  function load() {
    var store = storage();
    try { return (store && JSON.parse(store.getItem(KEY))) || {}; } catch (e) { return {}; }
  }
  var drafts = load();

  function save() {
    var store = storage();
    if (!store || forgotten) { return; }
    try {
      if (Object.keys(drafts).length) { store.setItem(KEY, JSON.stringify(drafts)); } else { store.removeItem(KEY); }
    } catch (e) { /* full, or private mode */ }
  }

  function note(box) {
    if (box.value) { drafts[box.id] = box.value; } else { delete drafts[box.id]; }
  }

  // Every box as it is now: after a post (its handler empties the box), when the page is hidden or left.
  function noteAll() {
    document.querySelectorAll(BOXES).forEach(note);
    save();
  }

  // An empty box gets its draft back (the page's own handlers hear it as typing: the count, the hint).
  function restore() {
    if (forgotten) { return; }
    document.querySelectorAll(BOXES).forEach(function (box) {
      var draft = drafts[box.id];
      if (!draft || box.value) { return; }
      box.value = draft;
      box.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }

  document.addEventListener('input', function (e) {
    var box = e.target;
    if (box && box.id && box.matches && box.matches(BOXES)) { note(box); save(); }
  });
  // The page's own submit handlers empty the box once the post is queued: note it after them.
  document.addEventListener('submit', function () { window.setTimeout(noteAll, 0); });
  document.addEventListener('visibilitychange', function () { if (document.hidden) { noteAll(); } });
  window.addEventListener('pagehide', noteAll);
  // The boxes of a table come with its frames.
  root.addEventListener('htmx:wsAfterMessage', restore);
  document.addEventListener('DOMContentLoaded', restore);

  window.LinewalkDrafts = {
    forget: function () {
      drafts = {};
      forgotten = true;
      forgetInquiry(root.dataset.inquiry);
    }
  };
})();
