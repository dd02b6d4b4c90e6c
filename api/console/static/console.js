// The console's shared script, as small as the pages allow: every page works without it, it only helps.
// - A form button with `data-confirm` asks before it submits (連携を解除, bulk decisions).
document.addEventListener('submit', (event) => {
  const button = event.submitter;
  const question = button && button.getAttribute('data-confirm');
  if (question && !window.confirm(question)) event.preventDefault();
});
