/* The systems map on a phone (participants): its picture is wider than the screen, in a box that scrolls
 * sideways (phone.css). The box opens where the map is busiest, not at its left edge: scrolled to the
 * stretch that shows the most whole themes, each counted once and once more per link it has (so the most
 * linked theme and its neighbours come first). A map re-drawn by a frame keeps the stretch the person
 * scrolled to, or is placed again if they never scrolled. The links, listed in words, start open when
 * there are few enough to read through (SHORT); a person who closes them keeps them closed (linewalk.js
 * keeps an open list open across frames). One entry point: the IIFE. */
(function () {
  'use strict';

  var root = document.getElementById('lw-socket');
  if (!root || root.dataset.role !== 'participant') { return; }
  var SHORT = 20;
  var PAD = 8;  // px left beside the themes at the box's edges
  var placed = null;       // the box last placed
  var auto = 0;            // the scrollLeft it was given (or the person's, once remembered)
  var chosen = null;       // the middle of what the person scrolled to, as a fraction of the picture
  var listSeen = false;

  function degrees(svg) {
    var count = {};
    svg.querySelectorAll('.map-link[data-ends]').forEach(function (link) {
      var ends = link.dataset.ends.split(' ');
      count[ends[0]] = (count[ends[0]] || 0) + 1;
      count[ends[1]] = (count[ends[1]] || 0) + 1;
    });
    return count;
  }

  // The scrollLeft that shows the most weight of whole themes in the box's width.
  function busiest(box, svg) {
    var width = box.clientWidth, most = box.scrollWidth - width;
    if (most <= 0) { return 0; }
    var origin = svg.getBoundingClientRect().left, count = degrees(svg);
    var nodes = Array.prototype.map.call(svg.querySelectorAll('.map-node'), function (node) {
      var r = node.getBoundingClientRect();
      return { left: r.left - origin, right: r.right - origin, weight: 1 + (count[node.dataset.node] || 0) };
    }).sort(function (a, b) { return b.weight - a.weight; });
    var best = 0, bestScore = -1;
    nodes.forEach(function (node) {
      [(node.left + node.right - width) / 2, node.left - PAD, node.right + PAD - width].forEach(function (at) {
        var left = Math.max(0, Math.min(most, Math.round(at))), score = 0;
        nodes.forEach(function (n) { if (n.left >= left - 0.5 && n.right <= left + width + 0.5) { score += n.weight; } });
        if (score > bestScore) { best = left; bestScore = score; }
      });
    });
    return best;
  }

  // Before a frame (which may draw the box again) and a resize: where the person scrolled the box, if
  // they did, as the middle of what they see, a fraction of the picture's width.
  function remember() {
    if (!placed || !placed.isConnected || Math.abs(placed.scrollLeft - auto) <= 2) { return; }
    chosen = (placed.scrollLeft + placed.clientWidth / 2) / placed.scrollWidth;
    auto = placed.scrollLeft;
  }

  function place() {
    var box = document.querySelector('#map-view .map-scroll');
    var svg = box && box.querySelector('.map-svg');
    if (!svg || !box.clientWidth || box === placed) { return; }
    placed = box;
    box.scrollLeft = chosen === null ? busiest(box, svg) : Math.round(chosen * box.scrollWidth - box.clientWidth / 2);
    auto = box.scrollLeft;
  }

  function openShortList() {
    var list = document.getElementById('map-links-list');
    if (!list || listSeen) { return; }
    listSeen = true;
    if (list.querySelectorAll('#map-links-ul > li').length <= SHORT) { list.open = true; }
  }

  function apply() { openShortList(); place(); }
  root.addEventListener('htmx:wsBeforeMessage', remember);
  // The map round's own layout (map.js, after each frame) shows the box: placed once it has a width.
  root.addEventListener('htmx:wsAfterMessage', apply);
  window.addEventListener('resize', function () { remember(); placed = null; place(); });
  apply();
})();
