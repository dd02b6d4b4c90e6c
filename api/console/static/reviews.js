// The review pages' script. Every page works without it; it adds what a person working through a queue
// wants: select all rows of a page, and single keys for the next/previous document, save and discard.
(() => {
  const selectAll = document.querySelector('[data-select-all]');
  if (selectAll) {
    selectAll.closest('[hidden]')?.removeAttribute('hidden');
    const boxes = () => [...document.querySelectorAll('input[type="checkbox"][name="ids"]')];
    selectAll.addEventListener('change', () => {
      for (const box of boxes()) box.checked = selectAll.checked;
    });
    document.addEventListener('change', (event) => {
      if (event.target instanceof HTMLInputElement && event.target.name === 'ids') selectAll.checked = boxes().every((b) => b.checked);
    });
  }

  // Keys typed into a field are text, never a decision.
  const TEXT_TYPES = new Set(['text', 'search', 'date', 'email', 'number', 'password', 'tel', 'url']);
  const typing = (element) =>
    element instanceof HTMLElement &&
    (element.isContentEditable ||
      element instanceof HTMLTextAreaElement ||
      element instanceof HTMLSelectElement ||
      (element instanceof HTMLInputElement && TEXT_TYPES.has(element.type)));

  const SHORTCUTS = { j: 'next', n: 'next', k: 'previous', p: 'previous', a: 'approve', d: 'discard' };
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target)) return;
    const name = SHORTCUTS[event.key];
    const target = name && document.querySelector(`[data-shortcut="${name}"]`);
    if (!target) return;
    event.preventDefault();
    target.click();
  });
})();
