/* The facilitator's harvest page (templates/harvest/manage.html): select or clear a theme's contributions
 * at once, open or close every theme, and keep the counts ("12 of 310 selected", each theme's) in step with
 * the ticks. Without it the page still works: a tick is a tick, and the form saves them. */
(function () {
  'use strict';

  copyLink(document.getElementById('harvest-url'), document.getElementById('harvest-copy-line'));

  var form = document.getElementById('harvest-form');
  if (!form) { return; }

  function boxes(scope) { return Array.prototype.slice.call(scope.querySelectorAll('input[name=featured]')); }

  function recount() {
    var all = boxes(form);
    var chosen = all.filter(function (box) { return box.checked; }).length;
    var total = document.getElementById('harvest-selected');
    total.innerHTML = '';
    var strong = document.createElement('strong');
    strong.textContent = String(chosen);
    total.appendChild(strong);
    total.appendChild(document.createTextNode(' of ' + all.length + ' selected'));
    form.querySelectorAll('.harvest-theme').forEach(function (theme) {
      var n = boxes(theme).filter(function (box) { return box.checked; }).length;
      theme.querySelector('.harvest-theme-selected').textContent = n + ' selected';
    });
  }

  form.addEventListener('change', function (e) { if (e.target.name === 'featured') { recount(); } });
  form.addEventListener('click', function (e) {
    var el = e.target.closest('[data-action]');
    if (!el) { return; }
    if (el.dataset.action === 'harvest-all' || el.dataset.action === 'harvest-none') {
      var on = el.dataset.action === 'harvest-all';
      boxes(el.closest('.harvest-theme')).forEach(function (box) { box.checked = on; });
      recount();
    } else if (el.dataset.action === 'harvest-open') {
      form.querySelectorAll('.harvest-theme').forEach(function (theme) { theme.open = !!el.dataset.open; });
    }
  });

  // The published link's Copy: the clipboard where the browser allows it; else the link is selected, for
  // Ctrl+C, and the status line says so.
  function copyLink(link, line) {
    if (!link || !line) { return; }
    var said = document.getElementById('harvest-copied');
    line.hidden = false;
    function selectIt() {
      var range = document.createRange();
      range.selectNodeContents(link);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var copied = false;
      try { copied = document.execCommand('copy'); } catch (e) { copied = false; }
      say(copied ? 'Copied' : 'Selected: press Ctrl+C (⌘C on a Mac) to copy it');
    }
    function say(text) {
      // Emptied first, so the same words said again are announced again.
      said.textContent = '';
      window.setTimeout(function () { said.textContent = text; }, 50);
    }
    line.querySelector('[data-action=harvest-copy]').addEventListener('click', function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(link.href).then(function () { say('Copied'); }, selectIt);
      } else {
        selectIt();
      }
    });
  }
})();
