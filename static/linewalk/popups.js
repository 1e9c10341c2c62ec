/* The workspace's pop-over menus (<details data-popup>: Keys, Join link and exports, a theme's ⋯) cover
 * what lies under them only while they are in use: Escape closes one (focus back on its summary), and so
 * does a click or focus anywhere else (not a dialog it opened: focus comes back to it). One entry point:
 * this file. */
(function () {
  'use strict';

  function closeOthers(target) {
    if (target.closest && target.closest('dialog')) { return; }
    document.querySelectorAll('details[data-popup][open]').forEach(function (popup) {
      if (!popup.contains(target)) { popup.open = false; }
    });
  }

  document.addEventListener('keydown', function (e) {
    var popup = e.key === 'Escape' && e.target.closest && e.target.closest('details[data-popup][open]');
    if (!popup) { return; }
    e.preventDefault();
    popup.open = false;
    popup.querySelector('summary').focus();
  });
  // Pointer down, not click: a control under an open menu gets its click, and the menu goes first.
  document.addEventListener('pointerdown', function (e) { closeOthers(e.target); }, true);
  document.addEventListener('focusin', function (e) { closeOthers(e.target); });
})();
