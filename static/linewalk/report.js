/* The printable report's "Print or save as PDF" button (a script file: the Content-Security-Policy allows
 * no inline handlers). */
document.addEventListener('click', function (e) {
  if (e.target.closest('[data-action=print]')) { window.print(); }
});
