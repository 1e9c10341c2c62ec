/* The facilitator's side panel (#ws-panel, workspace.css): one box from under the tools that make themes
 * to the window's foot, scrolling on its own beside the board, and kept there (sticky) while the page
 * scrolls down to the map and next steps. Where it starts changes with what is above it (the tools'
 * status line, "Live updates delayed", the title bar wrapping when zoomed): this measures it, as
 * --ws-panel-top on the workspace; and the link to the review queue at its head scrolls the panel alone.
 * One entry point: this file. */
(function () {
  'use strict';

  var workspace = document.getElementById('workspace');
  if (!workspace) { return; }
  var above = ['.facilitator-bar', '.board-toolbar', '#lw-connection', '#room-pause-bar', '.ws-side-head', '#lw-delayed'];

  // The foot of the lowest part above the panel, on the page (not the window: the page may be scrolled).
  function measure() {
    var foot = 0;
    above.forEach(function (selector) {
      var el = workspace.querySelector(selector);
      if (!el || !el.getClientRects().length) { return; }
      var style = window.getComputedStyle(el);
      foot = Math.max(foot, el.getBoundingClientRect().bottom + window.scrollY + parseFloat(style.marginBottom || 0));
    });
    var value = Math.ceil(foot) + 'px';
    if (workspace.style.getPropertyValue('--ws-panel-top') !== value) { workspace.style.setProperty('--ws-panel-top', value); }
  }

  if (window.ResizeObserver) {
    var observer = new window.ResizeObserver(measure);
    above.forEach(function (selector) { var el = workspace.querySelector(selector); if (el) { observer.observe(el); } });
  }
  window.addEventListener('resize', measure);
  measure();

  // "N waiting for review" at the panel's head: the queue is further down the same panel. Followed as a
  // plain link, the browser scrolled the whole page too (the board and the header went out of view);
  // the panel alone scrolls to it here, and focus goes to the queue so Tab carries on from there.
  workspace.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('#queue-link a');
    var queue = document.getElementById('queue');
    var panel = document.getElementById('ws-panel');
    if (!link || !queue || !panel || event.defaultPrevented || event.button !== 0 ||
        event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    event.preventDefault();
    if (/(auto|scroll)/.test(window.getComputedStyle(panel).overflowY)) {
      var top = queue.getBoundingClientRect().top - panel.getBoundingClientRect().top + panel.scrollTop;
      panel.scrollTo({ top: Math.max(0, top - 4), behavior: 'auto' });
    } else {  // a narrow window: the panel is part of the page, which scrolls
      queue.scrollIntoView({ block: 'start' });
    }
    queue.focus({ preventScroll: true });
  });
})();
