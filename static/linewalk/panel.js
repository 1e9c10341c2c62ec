/* The facilitator's side panel (#ws-panel, workspace.css): one box from under the tools that make themes
 * to the window's foot, scrolling on its own beside the board, and kept there (sticky) while the page
 * scrolls down to the map and next steps. Where it starts changes with what is above it (the tools'
 * status line, "Live updates delayed", the title bar wrapping when zoomed): this measures it, as
 * --ws-panel-top on the workspace. One entry point: this file. */
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
})();
